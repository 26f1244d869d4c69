namespace Approvals.Server.Email.Transports;

public static class InboundTransportsSetup
{
    /// <summary>
    /// The SMTP listener and the IMAP poller. Both are always registered and do nothing unless configured; each needs an
    /// <see cref="IInboundMail"/> to hand messages to and refuses to start without one.
    /// </summary>
    public static IServiceCollection AddInboundMailTransports(this IServiceCollection services)
    {
        services.AddHostedService<SmtpListener>();
        services.AddHostedService<ImapPoller>();
        return services;
    }
}
