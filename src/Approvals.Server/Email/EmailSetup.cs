namespace Approvals.Server.Email;

/// <summary>Outbound email: templates, the outbox dispatcher and the loop that runs it.</summary>
public static class EmailSetup
{
    public static IServiceCollection AddApprovalsEmail(this IServiceCollection services)
    {
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<MailSender>();
        services.AddScoped<MailModel>();
        services.AddScoped<OutboxDispatcher>();
        services.AddSingleton<OutboxNudge>();
        services.AddHostedService<DispatchOutboxService>();
        return services;
    }
}
