using System.Text;
using Approvals.Server.Email;
using Approvals.Server.Tests.Infrastructure;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>Replies sent over real SMTP to the built-in listener, which hands them to the inbound handler.</summary>
public abstract class SmtpListenerTests(StorageProvider provider) : IAsyncLifetime
{
    private const int MaxBytes = 20_000;
    private readonly int _port = TransportApp.FreePort();
    private TransportApp _app = null!;

    private RecordingInboundMail Inbound => _app.Inbound;

    public Task InitializeAsync()
    {
        _app = new TransportApp(provider, new Dictionary<string, string?>
        {
            ["Email:ReplyAddress"] = "approvals+{token}@example.org",
            ["Email:Inbound:SmtpPort"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Inbound:MaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Inbound:MaxSessions"] = "3",
            ["Email:Inbound:MaxSessionsPerAddress"] = "2",
            ["Email:Inbound:SmtpTrustedRelays:0"] = "127.0.0.9",
            ["Email:Inbound:SmtpSessionTimeout"] = "00:00:05",
            ["Email:Inbound:AuthServId"] = "mx.example.org",
        }, new RecordingInboundMail()).Started();
        return ListeningAsync(_port);
    }

    /// <summary>The listener binds in the background after the host starts: wait until it takes connections.</summary>
    private static async Task ListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A reply address with a token of our shape (the listener refuses any other local part at RCPT).</summary>
    private static readonly string ReplyTo = $"approvals+{EmailTokens.New()}@example.org";

    private static MimeMessage Reply(string to, string body = "Approved - checked the documents", params (string Name, string Value)[] headers)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("reviewer@example.org"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Re: Purchase request";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.example.org");
        foreach (var (name, value) in headers) message.Headers.Add(name, value);
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private async Task SendAsync(MimeMessage message)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Send_ToReplyAddress_HandlerGetsTheMessage()
    {
        var reply = Reply(ReplyTo.Replace("@example.org", "@Example.org", StringComparison.Ordinal));
        await SendAsync(reply);

        await Inbound.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var (raw, source) = Assert.Single(Inbound.Received);
        Assert.Equal(InboundSource.Smtp, source);
        var received = MimeMessage.Load(new MemoryStream(raw));
        Assert.Equal(reply.MessageId, received.MessageId);
        Assert.Equal("Approved - checked the documents", received.TextBody?.Trim());
    }

    [Fact]
    public async Task Data_DotStuffedLines_HandlerGetsTheSenderBytes()
    {
        var message = "From: reviewer@example.org\r\nTo: " + ReplyTo + "\r\nSubject: Re: task\r\n" +
                               "Message-ID: <dots@client.example.org>\r\n\r\nApproved\r\n.a line that starts with a dot\r\n\r\n> quoted\r\n";
        await using var smtp = await RawSmtp.ConnectAsync(_port);
        Assert.StartsWith("220", await smtp.ReplyAsync());
        Assert.StartsWith("250", await smtp.SendAsync("EHLO client.example.org"));
        Assert.StartsWith("250", await smtp.SendAsync("MAIL FROM:<reviewer@example.org>"));
        Assert.StartsWith("250", await smtp.SendAsync($"RCPT TO:<{ReplyTo}>"));
        Assert.StartsWith("354", await smtp.SendAsync("DATA"));
        var answer = await smtp.SendAsync(message.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".");

        Assert.StartsWith("250", answer);
        Assert.Equal(message, Encoding.Latin1.GetString(Assert.Single(Inbound.Received).Raw));
    }

    [Fact]
    public async Task Rcpt_AddressNotOfTheReplyShape_Refused550()
    {
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(Reply("postmaster@example.org")));

        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Equal(550, (int)error.StatusCode);
        Assert.Empty(Inbound.Received);
    }

    [Fact]
    public async Task Send_OverMaxBytes_RefusedAndNotHandled()
    {
        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", _port, MailKit.Security.SecureSocketOptions.None);
            Assert.Equal((uint)MaxBytes, client.MaxSize); // advertised with SIZE
            await client.DisconnectAsync(true);
        }

        // A client that ignores SIZE and sends anyway: the listener stops it while reading DATA.
        await using var smtp = await RawSmtp.ConnectAsync(_port);
        await smtp.ReplyAsync();
        await smtp.SendAsync("EHLO client.example.org");
        await smtp.SendAsync("MAIL FROM:<reviewer@example.org>");
        await smtp.SendAsync($"RCPT TO:<{ReplyTo}>");
        Assert.StartsWith("354", await smtp.SendAsync("DATA"));
        var line = new string('x', 998) + "\r\n";
        string answer;
        try
        {
            await smtp.WriteAsync(Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 3 * MaxBytes / 1000))));
            answer = await smtp.SendAsync(".");
        }
        catch (IOException)
        {
            // The listener may answer and close as soon as the limit is passed, while the rest is still being
            // written (a broken pipe here): its answer is then already waiting to be read.
            answer = await smtp.ReplyAsync();
        }

        Assert.StartsWith("552", answer);
        Assert.Empty(Inbound.Received);
    }

    [Fact]
    public async Task Send_HandlerFails_TemporaryErrorThenRedeliveryHandled()
    {
        var reply = Reply(ReplyTo);
        Inbound.FailNext(1);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(reply));
        Assert.Equal(451, (int)error.StatusCode);
        Assert.Empty(Inbound.Received);

        await SendAsync(reply); // the sending server's retry
        await Inbound.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(reply.MessageId, MimeMessage.Load(new MemoryStream(Assert.Single(Inbound.Received).Raw)).MessageId);
    }

    [Fact]
    public async Task Send_AuthenticationResultsClaimingOurId_Removed()
    {
        await SendAsync(Reply(ReplyTo, "Approved",
            ("Authentication-Results", "mx.example.org; dmarc=pass header.from=example.org"),
            ("Authentication-Results", "(forged) MX.Example.org 1; spf=pass"),
            ("Authentication-Results", "other.example.net; spf=fail smtp.mailfrom=example.org")));

        await Inbound.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var received = MimeMessage.Load(new MemoryStream(Assert.Single(Inbound.Received).Raw));
        var kept = received.Headers.Where(h => h.Field == "Authentication-Results").Select(h => h.Value.Trim()).ToList();
        Assert.Equal(["other.example.net; spf=fail smtp.mailfrom=example.org"], kept);
    }

    [Theory]
    [InlineData("approvals+short@example.org")]
    [InlineData("approvals+{0}x@example.org")]
    [InlineData("approvals+{1}@example.org")]
    public async Task Rcpt_LocalPartNotATokenOfOurShape_Refused550(string address)
    {
        await using var smtp = await RawSmtp.ConnectAsync(_port);
        await smtp.ReplyAsync();
        await smtp.SendAsync("EHLO client.example.org");
        await smtp.SendAsync("MAIL FROM:<reviewer@example.org>");

        var answer = await smtp.SendAsync("RCPT TO:<" + string.Format(System.Globalization.CultureInfo.InvariantCulture, address, EmailTokens.New(), new string('a', 10_000)) + ">");

        Assert.StartsWith("550", answer);
        Assert.StartsWith("250", await smtp.SendAsync($"RCPT TO:<{ReplyTo}>"));
    }

    [Fact]
    public async Task Connect_GreetingAndHello_NameTheDomainButNoSoftware()
    {
        await using var smtp = await RawSmtp.ConnectAsync(_port);

        Assert.Equal("220 example.org ESMTP ready\n", await smtp.ReplyAsync());
        Assert.StartsWith("250-example.org\n", await smtp.SendAsync("EHLO client.example.org"));
        Assert.Equal("250 example.org\n", await smtp.SendAsync("HELO client.example.org"));
    }

    [Fact]
    public async Task Connect_MoreThanMaxSessions_WaitsForAFreeSlot()
    {
        await using var first = await RawSmtp.ConnectAsync(_port, "127.0.0.1");
        await using var second = await RawSmtp.ConnectAsync(_port, "127.0.0.2");
        await using var third = await RawSmtp.ConnectAsync(_port, "127.0.0.3");
        Assert.StartsWith("220", await first.ReplyAsync());
        Assert.StartsWith("220", await second.ReplyAsync());
        Assert.StartsWith("220", await third.ReplyAsync());

        await using var fourth = await RawSmtp.ConnectAsync(_port, "127.0.0.4");
        Assert.False(await fourth.SpokeWithinAsync(TimeSpan.FromSeconds(1)));

        Assert.StartsWith("221", await first.SendAsync("QUIT"));
        Assert.StartsWith("220", await fourth.ReplyAsync());
    }

    [Fact]
    public async Task Connect_MoreThanMaxSessionsPerAddress_TryAgainLaterWhileOthersAreServed()
    {
        await using var first = await RawSmtp.ConnectAsync(_port, "127.0.0.5");
        await using var second = await RawSmtp.ConnectAsync(_port, "127.0.0.5");
        Assert.StartsWith("220", await first.ReplyAsync());
        Assert.StartsWith("220", await second.ReplyAsync());

        await using var third = await RawSmtp.ConnectAsync(_port, "127.0.0.5");
        Assert.StartsWith("421", await third.ReplyAsync());
        Assert.True(await third.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
        await using (var fourth = await RawSmtp.ConnectAsync(_port, "127.0.0.5"))
            Assert.StartsWith("421", await fourth.ReplyAsync());

        // The operator is told once, not once per refused connection (the rest are tallied for the next warning).
        var warning = Assert.Single(_app.Logs.GetSnapshot(), r => r.Message.Contains("127.0.0.5", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("MaxSessionsPerAddress", warning.Message, StringComparison.Ordinal);

        // Another address still gets a session while the first holds its share.
        await using var other = await RawSmtp.ConnectAsync(_port, "127.0.0.6");
        Assert.StartsWith("220", await other.ReplyAsync());

        // A session ended gives the share back.
        Assert.StartsWith("221", await first.SendAsync("QUIT"));
        await first.DisposeAsync();
        await Task.Delay(200);
        await using var again = await RawSmtp.ConnectAsync(_port, "127.0.0.5");
        Assert.StartsWith("220", await again.ReplyAsync());
    }

    [Fact]
    public async Task Connect_ClientsThatNeverRead_CutAfterTheSessionsTimeAndTheShareGivenBack()
    {
        // Commands sent flat out and no reply ever read: the listener's replies fill the connection and its writes
        // stall. The library's own session timeout then waits on a last write that never ends; the listener closes
        // such a connection shortly after the session's time (5 s here) and gives its slot back.
        var began = System.Diagnostics.Stopwatch.StartNew();
        await using var first = await RawSmtp.ConnectAsync(_port, "127.0.0.7", receiveBuffer: 1);
        await using var second = await RawSmtp.ConnectAsync(_port, "127.0.0.7", receiveBuffer: 1);
        var broke = await Task.WhenAll(first.FloodWithoutReadingAsync(TimeSpan.FromSeconds(3)), second.FloodWithoutReadingAsync(TimeSpan.FromSeconds(3)));
        await using (var third = await RawSmtp.ConnectAsync(_port, "127.0.0.7"))
        {
            var reply = await third.ReplyAsync();
            // While both stalled sessions are within their time they hold the address's share. On a loaded machine the
            // flood and this connection can take until the sessions' time is up (5 s), and then the share is back already.
            if (!broke.Any(b => b) && began.Elapsed < TimeSpan.FromSeconds(4)) Assert.StartsWith("421", reply);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var again = await RawSmtp.ConnectAsync(_port, "127.0.0.7");
            if ((await again.ReplyAsync()).StartsWith("220", StringComparison.Ordinal)) break;
            Assert.True(DateTime.UtcNow < deadline, "the stalled sessions kept their address's share");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Connect_TrustedRelay_NotHeldToThePerAddressShare()
    {
        await using var first = await RawSmtp.ConnectAsync(_port, "127.0.0.9");
        await using var second = await RawSmtp.ConnectAsync(_port, "127.0.0.9");
        await using var third = await RawSmtp.ConnectAsync(_port, "127.0.0.9");

        Assert.StartsWith("220", await first.ReplyAsync());
        Assert.StartsWith("220", await second.ReplyAsync());
        Assert.StartsWith("220", await third.ReplyAsync());
    }
}

public sealed class SmtpListenerTestsSqlite() : SmtpListenerTests(StorageProvider.Sqlite);

public sealed class SmtpListenerTestsPostgreSql() : SmtpListenerTests(StorageProvider.PostgreSql);
