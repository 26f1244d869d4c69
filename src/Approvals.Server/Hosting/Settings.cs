using Approvals.Server.Auth;
using Approvals.Server.Email;
using Approvals.Server.Email.Transports;
using Approvals.Server.Features.Directory;
using Approvals.Server.Features.Examples;
using Approvals.Server.Jobs;
using Approvals.Server.Persistence;

namespace Approvals.Server.Hosting;

public static class Settings
{
    /// <summary>
    /// Every setting as a typed, validated option. A value that does not convert (<c>Auth__TokenLifetime=banana</c>)
    /// or breaks a rule stops start-up with a message naming the setting, instead of silently meaning the default.
    /// </summary>
    public static IServiceCollection AddApprovalsSettings(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExamplesOptions>().BindConfiguration(ExamplesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AppOptions>().BindConfiguration(AppOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailDecisionOptions>().BindConfiguration(EmailDecisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InboundMailOptions>().BindConfiguration(InboundMailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InboundTransportOptions>().BindConfiguration(InboundTransportOptions.Section)
            .Configure<IConfiguration>((o, config) => o.ReplyAddress = config["Email:ReplyAddress"])
            .ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
