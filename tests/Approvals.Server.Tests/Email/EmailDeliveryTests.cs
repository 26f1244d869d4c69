using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Email;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// Task email from the outbox to a real SMTP server: what a reviewer receives when a case starts, how a manager's
/// edited template words it, what the history says, and what happens when the relay is down.
/// </summary>
public abstract class EmailDeliveryTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly SmtpSink _sink = new();
    private EmailApp? _app;

    private EmailApp App => _app ??= new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings) { ["Email:Dispatch"] = "true" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await _sink.DisposeAsync();
    }

    private static readonly object Candidate = new { candidateName = "Candidate B", nationalId = "900000003", position = "Border guard", riskScore = 20 };

    internal static async Task<string> StartVettingAsync(ApprovalsAppFactory app, string title)
    {
        var hr = await app.ClientAsync("hr.officer@example.org");
        var response = await hr.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title, data = Candidate });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    internal static async Task<JsonArray> WaitForAuditAsync(ApprovalsAppFactory app, string id, string action)
    {
        var hr = await app.ClientAsync("hr.officer@example.org");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var audit = (await hr.GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
            if (audit.Any(a => (string)a!["action"]! == action)) return audit;
            if (DateTime.UtcNow > deadline) Assert.Fail($"No {action} within 30 s: {string.Join(", ", audit.Select(a => (string)a!["action"]!))}");
            await Task.Delay(100);
        }
    }

    /// <summary>The history's verdict once every message of the case is settled (no delivery line is being written).</summary>
    internal static async Task<JsonObject> VerifyAsync(ApprovalsAppFactory app, string id)
    {
        var caseId = Guid.Parse(id);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            if (!await db.Outbox.AnyAsync(o => o.CaseId == caseId && o.DispatchedAt == null && o.FailedAt == null)) break;
            await Task.Delay(100);
        }
        return (await (await app.ClientAsync("hr.officer@example.org")).GetFromJsonAsync<JsonObject>($"/api/cases/{id}/audit/verify"))!;
    }

    [Fact]
    public async Task StartCase_TaskEmailReachesTheReviewer_WithLinksReplyToAndEscapedTitle()
    {
        var id = await StartVettingAsync(App, "Vetting <script>alert(1)</script> B");

        var mail = await _sink.WaitForAsync(m => m.Subject?.Contains("Vetting <script>", StringComparison.Ordinal) == true, "for the new task");
        var to = mail.To.Mailboxes.Single();
        Assert.EndsWith("@example.org", to.Address, StringComparison.Ordinal);
        Assert.StartsWith("Task: ", mail.Subject, StringComparison.Ordinal);
        Assert.Matches("^approvals\\+[0-9a-f]{32}@example.org$", mail.ReplyTo.Mailboxes.Single().Address);
        Assert.EndsWith("@approvals", mail.MessageId, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.Ordinal);
        foreach (var link in new[] { "token=approve-", "token=reject-", "token=changes-", $"/tasks/" })
        {
            Assert.Contains(link, mail.HtmlBody, StringComparison.Ordinal);
            Assert.Contains(link, mail.TextBody, StringComparison.Ordinal);
        }
        Assert.Contains(">Approve</a>", mail.HtmlBody, StringComparison.Ordinal);

        var audit = await WaitForAuditAsync(App, id, EmailAuditActions.EmailSent);
        var sent = audit.First(a => (string)a!["action"]! == EmailAuditActions.EmailSent)!;
        Assert.Equal("task-assigned", (string)sent["details"]!["template"]!);
        Assert.Equal(to.Address, (string)sent["details"]!["recipient"]!);
        var verdict = await VerifyAsync(App, id);
        Assert.True((bool)verdict["valid"]!, verdict.ToJsonString());
    }

    [Fact]
    public async Task PutTemplate_EditedTaskTemplate_WordsTheNextEmail()
    {
        var designer = await App.ClientAsync("designer@example.org");
        var put = await designer.PutAsJsonAsync("/api/templates/task-assigned", new
        {
            name = "task-assigned",
            subject = "Please look at {{ this.case.title }} by {{ task.dueText }}",
            html = "<p>Dear {{ recipient.displayName }}, <a href=\"{{ links.approve }}\">approve</a></p>",
            text = "Dear {{ recipient.displayName }}: {{ links.approve }}",
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await StartVettingAsync(App, "Edited wording");

        var mail = await _sink.WaitForAsync(m => m.Subject?.Contains("Edited wording", StringComparison.Ordinal) == true, "with the edited template");
        Assert.StartsWith("Please look at Edited wording by ", mail.Subject, StringComparison.Ordinal);
        Assert.StartsWith("Dear ", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("token=approve-", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_BrokenSavedTemplate_SendsThePlainFallback_AndTheHistorySaysSo()
    {
        await using (var scope = App.Services.CreateAsyncScope())
        {
            // A template saved before a rule tightened (or written to the table by hand) that fails at render time.
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            db.Templates.Add(new TemplateRow { Name = "task-assigned", Subject = "{{ for i in 1..100000000 }}x{{ end }}", Html = "", Text = "" });
            await db.SaveChangesAsync();
        }
        var id = await StartVettingAsync(App, "Broken template");

        var mail = await _sink.WaitForAsync(m => m.Subject?.Contains("Broken template", StringComparison.Ordinal) == true, "with the fallback");
        Assert.Equal("Approvals: Broken template", mail.Subject);
        Assert.Contains("/tasks/", mail.TextBody, StringComparison.Ordinal);
        var audit = await WaitForAuditAsync(App, id, EmailAuditActions.TemplateFailed);
        Assert.Contains("LoopLimit", (string)audit.First(a => (string)a!["action"]! == EmailAuditActions.TemplateFailed)!["details"]!["error"]!, StringComparison.Ordinal);
        await WaitForAuditAsync(App, id, EmailAuditActions.EmailSent);
        Assert.True((bool)(await VerifyAsync(App, id))["valid"]!);
    }

    [Fact]
    public async Task Dispatch_SmtpDown_RetriesThenEmailFailed_AndTheHistoryStillVerifies()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>
        {
            ["Email:Dispatch"] = "true", ["Email:Smtp:Host"] = "127.0.0.1", ["Email:Smtp:Port"] = SmtpSink.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None", ["Email:PollInterval"] = "00:00:00.100", ["Email:RetryDelay"] = "00:00:00", ["Email:MaxAttempts"] = "3",
        });
        var id = await StartVettingAsync(_app, "Relay down");

        var audit = await WaitForAuditAsync(_app, id, EmailAuditActions.EmailFailed);
        var failed = audit.First(a => (string)a!["action"]! == EmailAuditActions.EmailFailed)!;
        Assert.Equal(3, (int)failed["details"]!["attempts"]!);
        Assert.DoesNotContain(audit, a => (string)a!["action"]! == EmailAuditActions.EmailSent);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking().SingleAsync(o => o.CaseId == Guid.Parse(id));
            Assert.NotNull(row.FailedAt);
            Assert.Null(row.DispatchedAt);
            Assert.Equal(3, row.Attempts);
            Assert.NotNull(row.LastError);
        }
        Assert.True((bool)(await VerifyAsync(_app, id))["valid"]!);
    }

    [Fact]
    public async Task Dispatch_NoSmtpHost_WritesEmlFiles()
    {
        var folder = Path.Combine(Path.GetTempPath(), "approvals-tests", "mail-" + Guid.NewGuid().ToString("N"));
        _app = new EmailApp(provider, new Dictionary<string, string?>
        {
            ["Email:Dispatch"] = "true", ["Email:MailDirectory"] = folder, ["Email:PollInterval"] = "00:00:00.100",
        });
        try
        {
            var id = await StartVettingAsync(_app, "Written to disk");
            await WaitForAuditAsync(_app, id, EmailAuditActions.EmailSent);
            var files = Directory.GetFiles(folder, "*.eml");
            Assert.NotEmpty(files);
            foreach (var file in files)
            {
                var message = await MimeMessage.LoadAsync(file);
                Assert.StartsWith("Task: ", message.Subject, StringComparison.Ordinal);
                Assert.Contains("Written to disk", message.Subject, StringComparison.Ordinal);
                Assert.Contains("token=approve-", message.HtmlBody, StringComparison.Ordinal);
            }
        }
        finally
        {
            // The dispatcher goes on writing the case's other messages: stop the server before removing its folder.
            await _app.DisposeAsync();
            _app = null;
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task RunOnce_TwoDispatchersAtOnce_SendEachMessageOnce()
    {
        // Both servers' loops off: two dispatchers are driven by hand, at the same moment, over the same rows.
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings) { ["Email:Dispatch"] = "false" });
        for (var i = 0; i < 6; i++) await StartVettingAsync(_app, $"Concurrent {i}");
        int expected;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking().ToListAsync();
            expected = rows.Sum(r => System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.RecipientsJson)!.Count);
        }

        async Task Drive()
        {
            await using var scope = _app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().RunOnceAsync(CancellationToken.None);
        }
        await Task.WhenAll(Drive(), Drive(), Drive());

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_sink.Messages.Count < expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Task.Delay(300);
        var ids = _sink.Messages.Select(m => m.MessageId).ToList();
        Assert.Equal(expected, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    /// <summary>
    /// Steps in quick succession each wake the dispatcher; it waits <c>Email:DispatchGather</c> for more before its
    /// round, so their mail leaves in one round (here one lane: one SMTP connection), not a round per step.
    /// </summary>
    [Fact]
    public async Task StepsInQuickSuccession_TheirMailLeavesInOneRound()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings)
        {
            ["Email:Dispatch"] = "true", ["Email:DispatchConcurrency"] = "1", ["Email:DispatchGather"] = "00:00:03", ["Email:PollInterval"] = "00:10:00",
        });
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await StartVettingAsync(_app, $"Gathered {i}"));

        foreach (var i in Enumerable.Range(0, 4))
            await _sink.WaitForAsync(m => m.Subject?.Contains($"Gathered {i}", StringComparison.Ordinal) == true, $"for case {i}");
        Assert.InRange(_sink.Sessions, 1, 2); // 2 only if a start took longer than the gathering window
    }

    [Fact]
    public async Task RunOnce_ARoundOfManyMessages_SendsThemOverAFewConnections_AndEachCaseRecordsItsOwn()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings) { ["Email:Dispatch"] = "false", ["Email:DispatchConcurrency"] = "2" });
        var ids = new List<string>();
        for (var i = 0; i < 8; i++) ids.Add(await StartVettingAsync(_app, $"Round {i}"));
        var expected = await DispatchAllAsync(_app);
        Assert.True(expected >= 8, $"{expected} messages queued");

        // Every message of the round went out over the round's two connections, not one connection per message.
        Assert.Equal(expected, _sink.Messages.Count);
        Assert.Equal(expected, _sink.Messages.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(_sink.Sessions, 1, 2);
        foreach (var id in ids)
        {
            var caseId = Guid.Parse(id);
            await using var scope = _app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            Assert.False(await db.Outbox.AnyAsync(o => o.CaseId == caseId && o.DispatchedAt == null));
            var sentTo = await db.Audit.Where(a => a.CaseId == caseId && a.Action == EmailAuditActions.EmailSent).CountAsync();
            var queuedFor = (await db.Outbox.Where(o => o.CaseId == caseId).Select(o => o.RecipientsJson).ToListAsync())
                .Sum(r => System.Text.Json.JsonSerializer.Deserialize<List<string>>(r)!.Count);
            Assert.Equal(queuedFor, sentTo);
            var verdict = await VerifyAsync(_app, id);
            Assert.True((bool)verdict["valid"]!, verdict.ToJsonString());
        }
    }

    /// <summary>
    /// The dispatcher sends below the requests' priority until its mail is <see cref="OutboxDispatcher.CatchUpAfter"/>
    /// late; how late counts from when the earliest due row fell due: when it was queued, or its retry time.
    /// </summary>
    [Fact]
    public async Task Due_HowLate_CountsFromWhenTheEarliestRowFellDue()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings) { ["Email:Dispatch"] = "false" });
        await StartVettingAsync(_app, "Late mail");
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var dispatcher = scope.ServiceProvider.GetRequiredService<OutboxDispatcher>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();

        var (ids, late) = await dispatcher.DueWithLatenessAsync(CancellationToken.None);
        Assert.NotEmpty(ids);
        Assert.True(late < OutboxDispatcher.CatchUpAfter, $"just queued, yet {late} late");

        // queued two minutes ago: past the limit
        await db.Outbox.ExecuteUpdateAsync(r => r.SetProperty(o => o.CreatedAt, now - TimeSpan.FromMinutes(2)));
        (ids, late) = await dispatcher.DueWithLatenessAsync(CancellationToken.None);
        Assert.NotEmpty(ids);
        Assert.True(late >= TimeSpan.FromMinutes(2) && late > OutboxDispatcher.CatchUpAfter, $"{late} late");

        // a retry that fell due five seconds ago is five seconds late, however long ago it was queued
        await db.Outbox.ExecuteUpdateAsync(r => r.SetProperty(o => o.NextAttemptAt, now - TimeSpan.FromSeconds(5)));
        (ids, late) = await dispatcher.DueWithLatenessAsync(CancellationToken.None);
        Assert.NotEmpty(ids);
        Assert.InRange(late, TimeSpan.FromSeconds(5), OutboxDispatcher.CatchUpAfter);
        Assert.Equal(await dispatcher.DueAsync(CancellationToken.None), ids);
    }

    /// <summary>Sends every queued message in rounds of the dispatcher (as <c>Email:Dispatch=false</c> leaves them); the messages queued.</summary>
    private static async Task<int> DispatchAllAsync(EmailApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var waiting = await db.Outbox.AsNoTracking().Where(r => r.DispatchedAt == null).ToListAsync();
        Assert.Equal(waiting.Count, await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().RunOnceAsync(CancellationToken.None));
        return waiting.Sum(r => System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.RecipientsJson)!.Count);
    }

    /// <summary>All rows sent at their first attempt: nothing failed, nothing waits for a retry.</summary>
    private static async Task AssertAllSentFirstTimeAsync(EmailApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking().ToListAsync();
        Assert.All(rows, r => Assert.True(r.DispatchedAt is not null && r.FailedAt is null && r.Attempts == 0 && r.LastError is null,
            $"{r.Template} to {r.RecipientsJson}: dispatched {r.DispatchedAt}, attempts {r.Attempts}, error {r.LastError}"));
    }

    /// <summary>
    /// Rounds that follow one another closely share their SMTP connections (kept for <c>Email:Smtp:KeepIdle</c>), as a
    /// relay would expect of a busy sender, rather than each round connecting, greeting and closing anew.
    /// </summary>
    [Fact]
    public async Task RunOnce_RoundsInQuickSuccession_ShareTheKeptConnections()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings) { ["Email:Dispatch"] = "false", ["Email:DispatchConcurrency"] = "2" });
        var expected = 0;
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 3; i++) await StartVettingAsync(_app, $"Round {round} case {i}");
            expected += await DispatchAllAsync(_app);
        }

        Assert.Equal(expected, _sink.Messages.Count);
        Assert.InRange(_sink.Sessions, 1, 2);
        await AssertAllSentFirstTimeAsync(_app);
    }

    /// <summary>
    /// A relay that closes the connections it was left idle on (here after 2 s): the next round finds its kept
    /// connections dead and sends over new ones, every message at the first attempt, none twice.
    /// </summary>
    [Fact]
    public async Task RunOnce_RelayClosedTheKeptConnections_TheNextRoundSendsEverythingOverNewOnes()
    {
        await using var impatient = new SmtpSink(idleTimeout: TimeSpan.FromSeconds(2));
        _app = new EmailApp(provider, new Dictionary<string, string?>(impatient.Settings) { ["Email:Dispatch"] = "false", ["Email:DispatchConcurrency"] = "2" });
        for (var i = 0; i < 3; i++) await StartVettingAsync(_app, $"First round {i}");
        var expected = await DispatchAllAsync(_app);
        var firstSessions = impatient.Sessions;

        await Task.Delay(TimeSpan.FromSeconds(3)); // the relay has closed them; the sender still keeps them (5 s)
        for (var i = 0; i < 3; i++) await StartVettingAsync(_app, $"Second round {i}");
        expected += await DispatchAllAsync(_app);

        await AssertAllSentFirstTimeAsync(_app);
        Assert.Equal(expected, impatient.Messages.Count);
        Assert.Equal(expected, impatient.Messages.Select(m => m.MessageId).Distinct().Count());
        Assert.True(impatient.Sessions > firstSessions, $"sessions: {firstSessions} then {impatient.Sessions}");
    }

    /// <summary>With <c>Email:Smtp:KeepIdle</c> at zero each round closes its connections when it ends.</summary>
    [Fact]
    public async Task RunOnce_KeepIdleZero_EachRoundConnectsAnew()
    {
        _app = new EmailApp(provider, new Dictionary<string, string?>(_sink.Settings)
        {
            ["Email:Dispatch"] = "false", ["Email:DispatchConcurrency"] = "1", ["Email:Smtp:KeepIdle"] = "00:00:00",
        });
        for (var round = 0; round < 2; round++)
        {
            await StartVettingAsync(_app, $"Round {round}");
            await DispatchAllAsync(_app);
        }

        Assert.Equal(2, _sink.Sessions);
        await AssertAllSentFirstTimeAsync(_app);
    }
}

public sealed class EmailDeliveryTestsSqlite() : EmailDeliveryTests(StorageProvider.Sqlite);

public sealed class EmailDeliveryTestsPostgreSql() : EmailDeliveryTests(StorageProvider.PostgreSql);
