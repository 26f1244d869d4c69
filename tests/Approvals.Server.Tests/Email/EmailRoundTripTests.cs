using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Server.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MimeKit;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// The whole email loop over real protocols, nothing stood in: the task email leaves through the outbox to an SMTP
/// server, its signed link is opened as a mail scanner would, then confirmed, then replayed; and replies travel over
/// SMTP to the built-in listener — from an impostor, from the assignee, twice, and after the task was decided.
/// </summary>
public abstract partial class EmailRoundTripTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly SmtpSink _sink = new();
    private readonly int _listener = SmtpSink.FreePort();
    private ApprovalsAppFactory? _app;

    private ApprovalsAppFactory App => _app ??= new ApprovalsAppFactory(provider, store: null, new Dictionary<string, string?>(_sink.Settings)
    {
        ["Email:Dispatch"] = "true",
        ["Email:ReplyAddress"] = "approvals+{token}@example.org",
        ["Email:Inbound:SmtpPort"] = _listener.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["App:PublicUrl"] = "http://approvals.test",
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await _sink.DisposeAsync();
    }

    private Task<MimeMessage> TaskMailAsync(string title, string to) =>
        _sink.WaitForAsync(m => m.Subject?.Contains(title, StringComparison.Ordinal) == true && m.To.Mailboxes.Any(x => x.Address == to), $"to {to}");

    private static string Link(MimeMessage mail, string label) =>
        new Uri(Regex.Match(mail.TextBody ?? "", label + @":\s+(\S+)").Groups[1].Value).PathAndQuery;

    private async Task<JsonObject> IdentityTaskAsync(string caseId)
    {
        var admin = await App.ClientAsync("admin@example.org", "admin1234");
        var audit = (await admin.GetFromJsonAsync<JsonArray>($"/api/cases/{caseId}/audit"))!;
        var taskId = (string)audit.First(a => (string?)a!["action"] == "TaskAssigned" && (string?)a["activityId"] == "identity")!["taskId"]!;
        return (await admin.GetFromJsonAsync<JsonObject>($"/api/tasks/{taskId}"))!;
    }

    [Fact]
    public async Task TaskEmail_LinkOpenedByScannerThenConfirmedThenReplayed_DecidesOnce()
    {
        var caseId = await EmailDeliveryTests.StartVettingAsync(App, "Round trip by link");
        var mail = await TaskMailAsync("Round trip by link", "intake.officer1@example.org");
        var approve = Link(mail, "Approve");
        var browser = App.Anonymous();

        // A scanner: HEAD, GET, GET again. Each shows the page; none decides.
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Head, approve))).StatusCode);
        var page = await browser.GetStringAsync(approve);
        await browser.GetStringAsync(approve);
        Assert.Contains("<form", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Open", (string)(await IdentityTaskAsync(caseId))["status"]!);

        var token = new Uri("http://x" + approve).Query.TrimStart('?').Split('&').Single(p => p.StartsWith("token=", StringComparison.Ordinal))[6..];
        var form = () => new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = Uri.UnescapeDataString(token), ["comment"] = "Documents in order" });
        var confirmed = await browser.PostAsync("/email/decide", form());
        var replayed = await browser.PostAsync("/email/decide", form());

        var flood = await browser.PostAsync("/email/decide", new FormUrlEncodedContent(
            Enumerable.Range(0, 2000).Select(i => KeyValuePair.Create($"f{i}", "x"))));

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, flood.StatusCode);
        Assert.StartsWith("text/html", flood.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var task = await IdentityTaskAsync(caseId);
        Assert.Equal("approve", (string)task["decision"]!);
        Assert.Equal("intake.officer1@example.org", (string)task["decidedBy"]!);
        Assert.Equal("Documents in order", (string)task["comment"]!);
    }

    [Fact]
    public async Task TaskEmail_RepliesOverSmtp_ImpostorRefusedAssigneeDecidesDuplicateAndLateChangeNothing()
    {
        var caseId = await EmailDeliveryTests.StartVettingAsync(App, "Round trip by reply");
        var mine = await TaskMailAsync("Round trip by reply", "intake.officer1@example.org");
        var colleague = await TaskMailAsync("Round trip by reply", "intake.officer2@example.org");

        await ReplyAsync(mine, "legal@example.org", "Approved", "<impostor@test>");
        await ReplyAsync(mine, "intake.officer1@example.org", "Approved — checked the documents", "<reply-1@test>");
        await ReplyAsync(mine, "intake.officer1@example.org", "Rejected", "<reply-1@test>");
        await ReplyAsync(colleague, "intake.officer2@example.org", "Rejected", "<late@test>");

        var task = await IdentityTaskAsync(caseId);
        Assert.Equal("approve", (string)task["decision"]!);
        Assert.Equal("intake.officer1@example.org", (string)task["decidedBy"]!);
        Assert.Contains("checked the documents", (string)task["comment"]!, StringComparison.Ordinal);
        var admin = await App.ClientAsync("admin@example.org", "admin1234");
        var audit = (await admin.GetFromJsonAsync<JsonArray>($"/api/cases/{caseId}/audit"))!;
        Assert.Single(audit, a => (string?)a!["action"] == "TaskDecided" && (string?)a["activityId"] == "identity");
        Assert.Contains(audit, a => (string?)a!["action"] == "EmailReplyRefused" && (string?)a["details"]!["reason"] == "foreign-sender");
        // The late reply is answered with why, by mail, to its sender's own address only.
        var answer = await _sink.WaitForAsync(m => m.InReplyTo == "late@test", "answering the late reply");
        Assert.Equal("intake.officer2@example.org", answer.To.Mailboxes.Single().Address);
        Assert.DoesNotContain(_sink.Messages, m => m.InReplyTo == "impostor@test" && m.To.Mailboxes.Any(x => x.Address == "legal@example.org"));
    }

    /// <summary>Replies the way a mail client does: to the Reply-To, quoting the original under the new text.</summary>
    private async Task ReplyAsync(MimeMessage original, string from, string firstLine, string messageId)
    {
        var reply = new MimeMessage { Subject = "Re: " + original.Subject, MessageId = messageId.Trim('<', '>'), InReplyTo = original.MessageId };
        reply.From.Add(MailboxAddress.Parse(from));
        reply.To.AddRange(original.ReplyTo.Mailboxes);
        var quoted = string.Join("\n", (original.TextBody ?? "").Split('\n').Select(l => "> " + l));
        reply.Body = new TextPart("plain") { Text = $"{firstLine}\n\nOn Monday, Approvals wrote:\n{quoted}\n" };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _listener, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(reply);
        await client.DisconnectAsync(true);
    }
}

public sealed class EmailRoundTripTestsSqlite() : EmailRoundTripTests(StorageProvider.Sqlite);

public sealed class EmailRoundTripTestsPostgreSql() : EmailRoundTripTests(StorageProvider.PostgreSql);
