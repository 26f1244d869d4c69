using System.Net;
using Approvals.Server.Email;
using Approvals.Server.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>Replies delivered to a real mailbox (a throwaway Dovecot) and picked up by the server's IMAP polling.</summary>
public abstract class ImapPollerTests(StorageProvider provider) : IAsyncLifetime
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);
    private Dovecot _dovecot = null!;
    private readonly List<TransportApp> _apps = [];

    public async Task InitializeAsync()
    {
        if (Dovecot.Installed) _dovecot = await Dovecot.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        if (_dovecot is not null) await _dovecot.DisposeAsync();
    }

    private TransportApp StartApp(string? processedFolder = null, string pollInterval = "00:00:00.2")
    {
        var app = new TransportApp(provider, new Dictionary<string, string?>
        {
            ["Email:Inbound:Imap:Host"] = "127.0.0.1",
            ["Email:Inbound:Imap:Port"] = _dovecot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Inbound:Imap:Security"] = "None",
            ["Email:Inbound:Imap:User"] = Dovecot.User,
            ["Email:Inbound:Imap:Password"] = Dovecot.Password,
            ["Email:Inbound:Imap:PollInterval"] = pollInterval,
            ["Email:Inbound:Imap:MaxBackoff"] = TimeSpan.Parse(pollInterval, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.FromSeconds(1) ? pollInterval : "00:00:01",
            ["Email:Inbound:Imap:ProcessedFolder"] = processedFolder,
        }, new RecordingInboundMail());
        _apps.Add(app);
        return app.Started();
    }

    private async Task<ImapClient> MailboxAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _dovecot.Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(Dovecot.User, Dovecot.Password);
        return client;
    }

    private async Task<MimeMessage> DeliverAsync(string body = "Approved")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("reviewer@example.org"));
        message.To.Add(MailboxAddress.Parse("approvals+tok3n@example.org"));
        message.Subject = "Re: Purchase request";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.example.org");
        message.Body = new TextPart("plain") { Text = body };
        using var client = await MailboxAsync();
        await client.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.None));
        await client.DisconnectAsync(true);
        return message;
    }

    private async Task<(int Unseen, int Seen)> InboxAsync()
    {
        using var client = await MailboxAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var unseen = (await client.Inbox.SearchAsync(SearchQuery.NotSeen)).Count;
        var seen = (await client.Inbox.SearchAsync(SearchQuery.Seen)).Count;
        await client.DisconnectAsync(true);
        return (unseen, seen);
    }

    private static string? MessageId(byte[] raw) => MimeMessage.Load(new MemoryStream(raw)).MessageId;

    [DovecotFact]
    public async Task Poll_MessageInInbox_HandledOnceFlaggedSeenAndNotAgainAfterRestart()
    {
        var app = StartApp();
        var reply = await DeliverAsync();

        await app.Inbound.WaitForAsync(1, Arrival);
        await Task.Delay(1000); // several more polls
        var (raw, source) = Assert.Single(app.Inbound.Received);
        Assert.Equal(InboundSource.Imap, source);
        Assert.Equal(reply.MessageId, MessageId(raw));
        Assert.Equal((0, 1), await InboxAsync());

        await app.DisposeAsync();
        var restarted = StartApp();
        var next = await DeliverAsync("Rejected");
        await restarted.Inbound.WaitForAsync(1, Arrival);
        await Task.Delay(1000);
        Assert.Equal(next.MessageId, MessageId(Assert.Single(restarted.Inbound.Received).Raw));
    }

    [DovecotFact]
    public async Task Poll_ProcessedFolderSet_MessageMovedThere()
    {
        var app = StartApp(processedFolder: "Processed");
        var reply = await DeliverAsync();

        await app.Inbound.WaitForAsync(1, Arrival);
        await Task.Delay(1000);

        Assert.Equal(reply.MessageId, MessageId(Assert.Single(app.Inbound.Received).Raw));
        Assert.Equal((0, 0), await InboxAsync());
        using var client = await MailboxAsync();
        var processed = await client.GetFolderAsync("Processed");
        await processed.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(1, processed.Count);
    }

    [DovecotFact]
    public async Task Idle_NewMessage_HandledLongBeforeThePollInterval()
    {
        var app = StartApp(pollInterval: "00:10:00");
        await Task.Delay(2000); // connected, first poll done, idling

        var reply = await DeliverAsync();

        await app.Inbound.WaitForAsync(1, Arrival);
        Assert.Equal(reply.MessageId, MessageId(Assert.Single(app.Inbound.Received).Raw));
    }

    [DovecotFact]
    public async Task Poll_HandlerFails_MessageStaysUnseenAndIsHandledNextPoll()
    {
        var app = StartApp();
        app.Inbound.FailNext(1);
        var reply = await DeliverAsync();

        await app.Inbound.WaitForAsync(1, Arrival);

        Assert.Equal(reply.MessageId, MessageId(Assert.Single(app.Inbound.Received).Raw));
    }

    [DovecotFact]
    public async Task Poll_DovecotDown_ServerKeepsRunningAndCatchesUp()
    {
        await _dovecot.StopAsync();
        var app = StartApp();
        await Task.Delay(1500); // a few failed connections, with backoff
        using (var client = app.Anonymous())
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Empty(app.Inbound.Received);

        await _dovecot.StartAsync();
        var reply = await DeliverAsync();

        await app.Inbound.WaitForAsync(1, Arrival);
        Assert.Equal(reply.MessageId, MessageId(Assert.Single(app.Inbound.Received).Raw));
    }
}

public sealed class ImapPollerTestsSqlite() : ImapPollerTests(StorageProvider.Sqlite);

public sealed class ImapPollerTestsPostgreSql() : ImapPollerTests(StorageProvider.PostgreSql);
