using Microsoft.Extensions.Options;
using SmtpServer;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// The built-in SMTP listener for replies (on when <c>Email__Inbound__SmtpPort</c> is set). It is meant to sit behind
/// the organisation's MX or relay, which forwards mail for the reply addresses to it; it takes no mail for any other
/// address, advertises and enforces <c>Email__Inbound__MaxBytes</c>, serves at most <c>MaxSessions</c> at once and at most
/// <c>MaxSessionsPerAddress</c> to one client address (the trusted relays excepted), waits at most
/// <see cref="CommandWait"/> for each command, and names no software or version in its greeting.
/// </summary>
internal sealed class SmtpListener(
    IServiceProvider services, IOptions<InboundTransportOptions> options, IOptions<InboundMailOptions> mail, ILogger<SmtpListener> log) : BackgroundService
{
    /// <summary>How long a command may be waited for: a relay sends each at once, and an idle connection holds a slot.</summary>
    internal static readonly TimeSpan CommandWait = TimeSpan.FromSeconds(30);

    /// <summary>How long past <c>SmtpSessionTimeout</c> a session's connection is closed under it (one that never reads).</summary>
    internal static readonly TimeSpan HardLimitGrace = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.SmtpPort is not { } port) return;
        // One limit for every way a reply arrives (Email:Inbound:MaxBytes, at most 100 MB, so it fits an int).
        var maxBytes = (int)mail.Value.MaxBytes;
        InboundMailCheck.EnsureHandler(services, "Email:Inbound:SmtpPort");
        var store = ActivatorUtilities.CreateInstance<SmtpReplyStore>(services);
        using var listeners = new BoundedListenerFactory(o.MaxSessions, o.MaxSessionsPerAddress, o.TrustedRelayAddresses, o.SmtpSessionTimeout + HardLimitGrace, log);
        var serverName = ReplyAddressPattern.TryParse(o.ReplyAddress)!.Suffix[1..];
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(serverName)
            .CustomSmtpGreeting(_ => $"220 {serverName} ESMTP ready")
            .CommandWaitTimeout(o.SmtpSessionTimeout < CommandWait ? o.SmtpSessionTimeout : CommandWait)
            .Endpoint(e => e.Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(o.SmtpBind), port)).SessionTimeout(o.SmtpSessionTimeout))
            .MaxMessageSize(maxBytes, MaxMessageSizeHandling.Strict)
            .Build();
        var provider = new SmtpServer.ComponentModel.ServiceProvider();
        provider.Add((SmtpServer.Storage.IMessageStore)store);
        provider.Add((SmtpServer.Storage.IMailboxFilter)store);
        provider.Add(listeners);
        provider.Add((SmtpServer.Protocol.ISmtpCommandFactory)new PlainCommands());
        var server = new SmtpServer.SmtpServer(serverOptions, provider);
        log.LogInformation("SMTP listener for replies on {Bind}:{Port} (at most {MaxBytes} bytes a message)", o.SmtpBind, port, maxBytes);
        await server.StartAsync(stoppingToken);
    }
}

/// <summary>
/// HELO and EHLO answered with the server's name only: the library's stock "Hello …, haven't we met before?" names the
/// software as surely as a version in the greeting would.
/// </summary>
internal sealed class PlainCommands : SmtpServer.Protocol.SmtpCommandFactory
{
    public override SmtpServer.Protocol.SmtpCommand CreateHelo(string domainOrAddress) => new Helo(domainOrAddress);

    public override SmtpServer.Protocol.SmtpCommand CreateEhlo(string domainOrAddress) => new Ehlo(domainOrAddress);

    private sealed class Helo(string domainOrAddress) : SmtpServer.Protocol.HeloCommand(domainOrAddress)
    {
        protected override string GetGreeting(ISessionContext context) => context.ServerOptions.ServerName;
    }

    private sealed class Ehlo(string domainOrAddress) : SmtpServer.Protocol.EhloCommand(domainOrAddress)
    {
        protected override string GetGreeting(ISessionContext context) => context.ServerOptions.ServerName;
    }
}

/// <summary>A transport without a handler would take mail and lose it: refuse to start instead.</summary>
internal static class InboundMailCheck
{
    public static void EnsureHandler(IServiceProvider services, string setting)
    {
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(IInboundMail)) != true)
            throw new InvalidOperationException($"{setting} is set, but this build has no handler for inbound mail (IInboundMail).");
    }
}
