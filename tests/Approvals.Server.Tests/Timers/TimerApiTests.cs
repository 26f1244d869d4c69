using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Jobs;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Timers;

/// <summary>
/// Reminders, deadlines and escalations fired by Hangfire from the timer rows. The server runs on a fake
/// clock: a test moves it past a timer and runs the sweep, which hands every due timer to Hangfire.
/// </summary>
public abstract class TimerApiTests(StorageProvider provider) : IAsyncLifetime
{
    private ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static readonly object Candidate = new { candidateName = "Candidate B", nationalId = "900000003", position = "Border guard", riskScore = 20 };

    private async Task<string> StartVetting()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var response = await hr.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = "Vetting B", data = Candidate });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private async Task<JsonObject> Case(string id) =>
        (await (await _app.ClientAsync("hr.officer@example.org")).GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;

    private async Task<JsonArray> Audit(string id) =>
        (await (await _app.ClientAsync("hr.officer@example.org")).GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;

    /// <summary>Moves the clock, runs the sweep, and waits (real time) until the audit shows <paramref name="action"/> <paramref name="count"/> times.</summary>
    private async Task<JsonArray> AdvanceUntil(string id, TimeSpan by, string action, int count = 1)
    {
        _app.Clock.Advance(by);
        await using (var scope = _app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SweepTimersJob>().RunAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var audit = await Audit(id);
            if (audit.Count(a => (string)a!["action"]! == action) >= count) return audit;
            if (DateTime.UtcNow > deadline) Assert.Fail($"No {action} x{count} within 30 s; audit: {string.Join(", ", audit.Select(a => (string)a!["action"]!))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task GetCase_ListsPendingTimers_AndTheTaskDueAt()
    {
        var id = await StartVetting();
        var c = await Case(id);
        var start = _app.Clock.GetUtcNow();
        var task = c["openTasks"]!.AsArray().Single()!;
        Assert.Equal(start.AddDays(2), task["dueAt"]!.GetValue<DateTimeOffset>());
        var timers = c["timers"]!.AsArray().Select(t => ((string)t!["kind"]!, (string)t["activityId"]!, t["dueAt"]!.GetValue<DateTimeOffset>())).ToList();
        Assert.Contains(("Reminder", "identity", start.AddDays(1)), timers);
        Assert.Contains(("Deadline", "identity", start.AddDays(2)), timers);
        Assert.Contains(("Escalation", "identity", start.AddDays(3)), timers);
    }

    [Fact]
    public async Task HangfireDashboard_IsForAdministratorsOnly()
    {
        var admin = await _app.ClientAsync("admin@example.org", "admin1234");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/hangfire")).StatusCode);
        var reviewer = await _app.ClientAsync("intake.officer1@example.org");
        Assert.NotEqual(HttpStatusCode.OK, (await reviewer.GetAsync("/hangfire")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await _app.Anonymous().GetAsync("/hangfire")).StatusCode);
        // In a browser: the token once in the address, then a cookie scoped to the dashboard.
        var browser = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var token = await _app.TokenAsync("admin@example.org", "admin1234");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/hangfire?access_token={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/hangfire/jobs/scheduled")).StatusCode);
    }

    [Fact]
    public async Task Reminder_FiresOnceAtItsTime_AndIsAudited()
    {
        var id = await StartVetting();
        var audit = await AdvanceUntil(id, TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1), "ReminderSent");
        var reminder = audit.Single(a => (string)a!["action"]! == "ReminderSent")!;
        Assert.Equal("system", (string)reminder["actor"]!);
        Assert.Equal("identity", (string)reminder["activityId"]!);

        // A second sweep (a duplicate job) changes nothing.
        await using (var scope = _app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SweepTimersJob>().RunAsync(CancellationToken.None);
        await Task.Delay(1500);
        Assert.Single(await Audit(id), a => (string)a!["action"]! == "ReminderSent");
        Assert.DoesNotContain((await Case(id))["timers"]!.AsArray(), t => (string)t!["kind"]! == "Reminder");
    }

    [Fact]
    public async Task Escalation_ReassignsToSupervisors_AfterThreeDays()
    {
        var id = await StartVetting();
        await AdvanceUntil(id, TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1), "Escalated");
        var supervisor = await _app.ClientAsync("intake.supervisor@example.org");
        var tasks = (await supervisor.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray();
        var task = tasks.Single(t => (string)t!["caseId"]! == id)!;
        Assert.Equal("identity", (string)task["activityId"]!);

        var officer = await _app.ClientAsync("intake.officer1@example.org");
        Assert.DoesNotContain((await officer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray(), t => (string)t!["caseId"]! == id);
        var decided = await supervisor.PostAsJsonAsync($"/api/tasks/{task["id"]}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
    }

    [Fact]
    public async Task DecidedTask_ItsTimersAreCancelled_AndNeverFire()
    {
        var id = await StartVetting();
        var officer = await _app.ClientAsync("intake.officer1@example.org");
        var task = (await Case(id))["openTasks"]!.AsArray().Single()!;
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/tasks/{task["id"]}/decision", new { decision = "approve" })).StatusCode);
        Assert.DoesNotContain((await Case(id))["timers"]!.AsArray(), t => (string)t!["activityId"]! == "identity");

        _app.Clock.Advance(TimeSpan.FromDays(4));
        await using (var scope = _app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SweepTimersJob>().RunAsync(CancellationToken.None);
        await Task.Delay(1500);
        var audit = await Audit(id);
        Assert.DoesNotContain(audit, a => (string)a!["action"]! is "ReminderSent" or "Escalated");
    }

    [Fact]
    public async Task PendingTimers_SurviveARestart_AndFireAfterIt()
    {
        var id = await StartVetting();
        var clock = _app.Clock.GetUtcNow();
        _app = await _app.RestartAsync();
        _app.Clock.SetUtcNow(clock);
        var audit = await AdvanceUntil(id, TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1), "ReminderSent");
        Assert.Single(audit, a => (string)a!["action"]! == "ReminderSent");
    }

    [Fact]
    public async Task Calendars_PutAndGet_AndDueDatesCountWorkingTime()
    {
        var admin = await _app.ClientAsync("admin@example.org", "admin1234");
        var bad = await admin.PutAsJsonAsync("/api/calendars/gaza", new { timeZone = "Mars/Olympus", workingDays = new[] { "Sunday" }, workingHours = new { start = "08:00", end = "16:00" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains((await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray(), e => (string?)e!["field"] == "timeZone");

        var put = await admin.PutAsJsonAsync("/api/calendars/gaza", new
        {
            timeZone = "Asia/Gaza",
            workingDays = new[] { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday" },
            workingHours = new { start = "08:00", end = "16:00" },
            holidays = new[] { "2026-01-06" },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var list = (await admin.GetFromJsonAsync<JsonArray>("/api/calendars"))!;
        Assert.Equal("Asia/Gaza", (string)list.Single(c => (string)c!["name"]! == "gaza")!["timeZone"]!);
        var requester = await _app.ClientAsync("hr.officer@example.org");
        Assert.Equal(HttpStatusCode.Forbidden, (await requester.GetAsync("/api/calendars")).StatusCode);

        // A one-stage workflow on that calendar: PT4H from Monday 2026-01-05 08:00 UTC (10:00 in Gaza).
        var designer = await _app.ClientAsync("designer@example.org");
        var definition = JsonNode.Parse("""
            {"key":"gaza-check","name":"Gaza check","calendar":"gaza","root":{"type":"Flowchart","activities":[
              {"id":"start","type":"Start"},
              {"id":"check","type":"Review","assignees":{"users":["records.officer@example.org"]},"sla":"PT8H"},
              {"id":"ok","type":"End","outcome":"Approved"},{"id":"no","type":"End","outcome":"Rejected"}],
             "connections":[
              {"source":{"activity":"start","port":"Done"},"target":{"activity":"check","port":"In"}},
              {"source":{"activity":"check","port":"Approved"},"target":{"activity":"ok","port":"In"}},
              {"source":{"activity":"check","port":"Rejected"},"target":{"activity":"no","port":"In"}}]}}
            """);
        Assert.True((await designer.PutAsJsonAsync("/api/workflows/gaza-check", definition)).IsSuccessStatusCode);
        Assert.True((await designer.PostAsync("/api/workflows/gaza-check/publish", null)).IsSuccessStatusCode);
        var started = await requester.PostAsJsonAsync("/api/cases", new { workflow = "gaza-check", title = "x", data = new { } });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var task = (await started.Content.ReadFromJsonAsync<JsonObject>())!["openTasks"]!.AsArray().Single()!;
        // Monday 10:00 local + 8 working hours: 6 h on Monday, Tuesday is a holiday, 2 h on Wednesday → Wednesday 10:00 local = 08:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 8, 0, 0, TimeSpan.Zero), task["dueAt"]!.GetValue<DateTimeOffset>());
    }
}

public sealed class TimerApiSqliteTests() : TimerApiTests(StorageProvider.Sqlite);

public sealed class TimerApiPostgreSqlTests() : TimerApiTests(StorageProvider.PostgreSql);
