namespace Approvals.Server.Email;

/// <summary>Deciding by email in one place: the token issuer, the decision path, the inbound reader and their routes.</summary>
public static class EmailDecisionsSetup
{
    public static IServiceCollection AddEmailDecisions(this IServiceCollection services)
    {
        services.AddSingleton<ITaskMailActions, TaskMailActionsIssuer>();
        services.AddSingleton<InboundMail>();
        services.AddSingleton<IInboundMail>(sp => sp.GetRequiredService<InboundMail>());
        services.AddScoped<EmailDecider>();
        return services;
    }

    /// <summary>The confirmation pages at <c>/email/decide</c> and <c>POST /api/inbound-email</c> under <paramref name="api"/>.</summary>
    public static void MapEmailDecisions(this WebApplication app, RouteGroupBuilder api)
    {
        DecideByLink.Map(app);
        ReceiveInboundEmail.Map(api);
    }
}
