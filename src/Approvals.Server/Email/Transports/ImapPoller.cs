using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// Reads replies from a mailbox (on when <c>Email__Inbound__Imap__Host</c> is set): every poll interval, or at once when
/// the server supports IDLE and reports new mail, each message not yet handled is handed to <see cref="IInboundMail"/>,
/// then moved to <c>ProcessedFolder</c> or flagged <c>\Seen</c>. A message is marked only after its outcome was stored,
/// so a failure leaves it for the next poll. Connection failures are
/// logged (never the password) and retried with a backoff that doubles up to <c>MaxBackoff</c>; the server keeps running.
/// Several servers polling one mailbox may each hand over the same message: that is harmless, as the handler ignores a
/// Message-ID it has seen, and no lock is taken for it.
/// </summary>
internal sealed class ImapPoller(
    IServiceProvider services, IOptions<InboundTransportOptions> options, IOptions<InboundMailOptions> mail, TimeProvider clock, ILogger<ImapPoller> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.Imap;
        if (o.Host is null) return;
        InboundMailCheck.EnsureHandler(services, "Email:Inbound:Imap:Host");
        var backoff = o.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var client = new ImapClient();
                await client.ConnectAsync(o.Host, o.Port, o.SocketOptions, stoppingToken);
                await client.AuthenticateAsync(o.User!, o.Password!, stoppingToken); // both checked by the options' validation
                log.LogInformation("IMAP: connected to {Host}:{Port} as {User}, watching {Folder}", o.Host, o.Port, o.User, o.Folder);
                backoff = o.PollInterval;
                var folder = await client.GetFolderAsync(o.Folder, stoppingToken);
                var processed = o.ProcessedFolderName is { } name ? await ProcessedFolderAsync(client, name, stoppingToken) : null;
                await folder.OpenAsync(FolderAccess.ReadWrite, stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await PollAsync(folder, processed, stoppingToken);
                    await WaitForMailAsync(client, folder, o.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or ImapProtocolException or ImapCommandException or MailKit.Security.AuthenticationException
                                          or System.Net.Sockets.SocketException or MailKit.Security.SslHandshakeException or ServiceNotConnectedException
                                          or FolderNotFoundException or TimeoutException)
            {
                // e.Message from MailKit names the host or the failed command, never the credentials.
                log.LogWarning("IMAP: {Host}:{Port} failed ({Error}: {Message}); retrying in {Backoff}", o.Host, o.Port, e.GetType().Name, e.Message, backoff);
                try
                {
                    await Task.Delay(backoff, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, o.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// Waits one poll interval. With IDLE (RFC 2177) the server reports a new message at once and the wait ends early;
    /// without it, NOOP after the wait lets the server report them. Either fails fast on a dead connection.
    /// </summary>
    private async Task WaitForMailAsync(ImapClient client, IMailFolder folder, TimeSpan interval, CancellationToken ct)
    {
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            await Task.Delay(interval, clock, ct);
            await client.NoOpAsync(ct);
            return;
        }
        using var done = new CancellationTokenSource(interval, clock);
        void OnNewMail(object? sender, EventArgs e) => done.Cancel();
        folder.CountChanged += OnNewMail;
        try
        {
            await client.IdleAsync(done.Token, ct);
        }
        finally
        {
            folder.CountChanged -= OnNewMail;
        }
    }

    private static async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, string name, CancellationToken ct)
    {
        try
        {
            return await client.GetFolderAsync(name, ct);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(name, isMessageFolder: true, ct)
                ?? throw new FolderNotFoundException(name);
        }
    }

    private async Task PollAsync(IMailFolder folder, IMailFolder? processed, CancellationToken ct)
    {
        var query = processed is null ? SearchQuery.NotSeen.And(SearchQuery.NotDeleted) : SearchQuery.NotDeleted;
        var uids = await folder.SearchAsync(query, ct);
        if (uids.Count == 0) return;
        var sizes = await folder.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct);
        foreach (var summary in sizes)
        {
            if (summary.Size > mail.Value.MaxBytes)
            {
                log.LogWarning("IMAP: message {Uid} of {Bytes} bytes is over Email:Inbound:MaxBytes; set aside unread", summary.UniqueId, summary.Size);
                await MarkHandledAsync(folder, processed, summary.UniqueId, ct);
                continue;
            }
            var raw = new MemoryStream();
            using (var stream = await folder.GetStreamAsync(summary.UniqueId, ct)) // BODY.PEEK[]: does not set \Seen
                await stream.CopyToAsync(raw, ct);
            raw.Position = 0;
            InboundResult result;
            try
            {
                await using var scope = services.CreateAsyncScope();
                result = await scope.ServiceProvider.GetRequiredService<IInboundMail>().AcceptAsync(raw, InboundSource.Imap, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Left unmarked: the next poll hands it over again.
                log.LogError(e, "IMAP: message {Uid} could not be handled; it stays for the next poll", summary.UniqueId);
                continue;
            }
            await MarkHandledAsync(folder, processed, summary.UniqueId, ct);
            log.LogInformation("IMAP: message {Uid} of {Bytes} bytes handled: {Outcome}", summary.UniqueId, raw.Length, result.Outcome);
        }
    }

    private static Task MarkHandledAsync(IMailFolder folder, IMailFolder? processed, UniqueId uid, CancellationToken ct) =>
        processed is null
            ? folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, ct)
            : folder.MoveToAsync(uid, processed, ct);
}
