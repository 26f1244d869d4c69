using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Jobs;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Cases;

/// <summary>Routing fails closed, amounts a user controls are bounded, poison timers end: through the HTTP API, on each store.</summary>
public abstract class FaultApiTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private const string Hr = "hr.officer@example.org";
    private const string Lead = "security.lead@example.org";
    private const string Chair = "board.chair@example.org";

    private Task<HttpClient> Admin() => _app.ClientAsync("admin@example.org", "admin1234");

    private static JsonObject Connect(string line)
    {
        var parts = line.Split("->", StringSplitOptions.TrimEntries);
        var source = parts[0].Split('.');
        return new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = source[0], ["port"] = source[1] },
            ["target"] = new JsonObject { ["activity"] = parts[1], ["port"] = "In" },
        };
    }

    /// <summary>Saves and publishes a workflow given its activities (a JSON array) and connections ("from.Port -> to").</summary>
    private async Task Publish(string key, string activities, params string[] connections)
    {
        var designer = await _app.ClientAsync("designer@example.org");
        var definition = new JsonObject
        {
            ["key"] = key, ["name"] = key,
            ["root"] = new JsonObject
            {
                ["type"] = "Flowchart", ["activities"] = JsonNode.Parse(activities),
                ["connections"] = new JsonArray(connections.Select(c => (JsonNode)Connect(c)).ToArray()),
            },
        };
        var saved = await designer.PutAsJsonAsync($"/api/workflows/{key}", definition);
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var published = await designer.PostAsync($"/api/workflows/{key}/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }

    private async Task<JsonObject> Start(string workflow, JsonObject? data = null)
    {
        var response = await (await _app.ClientAsync(Hr)).PostAsJsonAsync("/api/cases", new { workflow, title = "t", data = data ?? [] });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonObject> Case(string id) => (await (await _app.ClientAsync(Hr)).GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;

    private async Task<List<JsonObject>> Audit(string id) =>
        (await (await _app.ClientAsync(Hr)).GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!.Select(a => a!.AsObject()).ToList();

    private static async Task<HttpResponseMessage> Retry(HttpClient client, string id, JsonObject? data = null) =>
        await client.PostAsJsonAsync($"/api/cases/{id}/retry", new { data, comment = "fixed" });

    private async Task<string> OpenTask(string reviewer, string caseId, string activityId)
    {
        var tasks = (await (await _app.ClientAsync(reviewer)).GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray();
        return (string)tasks.Single(t => (string?)t!["caseId"] == caseId && (string?)t["activityId"] == activityId)!["id"]!;
    }

    private async Task<HttpResponseMessage> Approve(string reviewer, string taskId) =>
        await (await _app.ClientAsync(reviewer)).PostAsJsonAsync($"/api/tasks/{taskId}/decision", new { decision = "approve" });

    /// <summary>start → fork → a (security lead) and risk (condition) → True: b (board chair), False: join; a, b → join → yes.</summary>
    private Task PublishForkWithRisk() => Publish("fork-risk", """
        [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
          {"id": "a", "type": "Review", "assignees": {"users": ["security.lead@example.org"]}},
          {"id": "risk", "type": "Decision", "condition": "case.data.risk.score >= 70"},
          {"id": "b", "type": "Review", "assignees": {"users": ["board.chair@example.org"]}},
          {"id": "join", "type": "Join", "mode": "all"},
          {"id": "yes", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> fork", "fork.Done -> a", "fork.Done -> risk", "risk.True -> b", "risk.False -> join",
        "a.Approved -> join", "a.Rejected -> no", "b.Approved -> join", "b.Rejected -> no", "join.Done -> yes");

    [Fact]
    public async Task Start_ConditionFails_CaseFaultedOtherBranchHeldAndAdminRetryRoutes()
    {
        await PublishForkWithRisk();

        var started = await Start("fork-risk");

        Assert.Equal("Faulted", (string)started["status"]!);
        var fault = started["fault"]!;
        Assert.Equal("risk", (string)fault["activityId"]!);
        Assert.Contains("risk", (string)fault["message"]!);
        var id = (string)started["id"]!;
        var audit = await Audit(id);
        Assert.Contains(audit, a => (string)a["action"]! == "ActivityFaulted" && (string?)a["activityId"] == "risk");
        Assert.DoesNotContain(audit, a => (string)a["action"]! == "DecisionEvaluated");

        // The other branch's reviewer may not move the case on while it is Faulted.
        var a = await OpenTask(Lead, id, "a");
        var refused = await Problem.AssertAsync(await Approve(Lead, a), HttpStatusCode.Conflict);
        Assert.Contains("Faulted", refused.ToJsonString());

        await Problem.AssertAsync(await Retry(await _app.ClientAsync(Hr), id), HttpStatusCode.Forbidden);
        var retried = await Retry(await Admin(), id, new JsonObject { ["risk"] = new JsonObject { ["score"] = 80 } });
        Assert.True(retried.StatusCode == HttpStatusCode.OK, await retried.Content.ReadAsStringAsync());
        var view = (await retried.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("InProgress", (string)view["status"]!);
        Assert.Null(view["fault"]);
        var audited = Assert.Single(await Audit(id), x => (string)x["action"]! == "CaseRetried");
        Assert.Equal("admin@example.org", (string)audited["actor"]!);

        Assert.Equal(HttpStatusCode.OK, (await Approve(Lead, a)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Approve(Chair, await OpenTask(Chair, id, "b"))).StatusCode);
        Assert.Equal("Approved", (string)(await Case(id))["status"]!);
        await Problem.AssertAsync(await Retry(await Admin(), id), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Start_AssigneeExpressionNamesTwentyThousandPeople_FaultedQuicklyAndWithdrawable()
    {
        await Publish("crowd", """
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "policy": {"mode": "all"}, "sla": "P1D", "reminders": ["PT4H", "PT8H"],
               "assignees": {"expression": "Array.from({length: 20000}, (_, i) => 'r' + i + '@example.org')"}},
              {"id": "yes", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> review", "review.Approved -> yes", "review.Rejected -> no");

        var clock = Stopwatch.StartNew();
        var started = await Start("crowd");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The start took {clock.Elapsed}.");
        Assert.Equal("Faulted", (string)started["status"]!);
        var message = (string)started["fault"]!["message"]!;
        Assert.Contains("20000", message);
        Assert.Contains("500", message);
        Assert.Empty(started["openTasks"]!.AsArray());
        Assert.Empty(started["timers"]!.AsArray());

        var id = (string)started["id"]!;
        var withdrawn = await (await _app.ClientAsync(Hr)).PostAsJsonAsync($"/api/cases/{id}/withdraw", new { comment = "too many" });
        Assert.True(withdrawn.StatusCode == HttpStatusCode.OK, await withdrawn.Content.ReadAsStringAsync());
        Assert.Equal("Withdrawn", (string)(await Case(id))["status"]!);
    }

    [Fact]
    public async Task FireTimer_FailsFiveTimes_TimerFailedVisibleAndRetryRearmsIt()
    {
        await Publish("deadline", """
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"users": ["security.lead@example.org"]}, "sla": "PT1H"},
              {"id": "yes", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> review", "review.Approved -> yes", "review.Rejected -> no");
        var id = (string)(await Start("deadline"))["id"]!;
        var caseId = Guid.Parse(id);
        var timerId = Guid.Parse((string)(await Case(id))["timers"]!.AsArray().Single()!["id"]!);
        // A poison firing: the case's pinned workflow version cannot be found.
        await Db(db => db.Cases.Where(c => c.Id == caseId).ExecuteUpdateAsync(s => s.SetProperty(c => c.WorkflowVersion, 99)));
        _app.Clock.Advance(TimeSpan.FromHours(2));

        for (var attempt = 1; attempt < FireTimerJob.MaxFailures; attempt++)
            await Assert.ThrowsAsync<InvalidOperationException>(() => Fire(timerId));
        await Fire(timerId); // the last failure ends the job: the timer is marked failed

        var timer = (await Case(id))["timers"]!.AsArray().Single()!;
        Assert.Equal("Failed", (string)timer["status"]!);
        var failed = Assert.Single(await Audit(id), a => (string)a["action"]! == "TimerFailed");
        Assert.Contains("missing", (string)failed["details"]!["reason"]!);
        await Fire(timerId); // a late duplicate job changes nothing
        Assert.Single(await Audit(id), a => (string)a["action"]! == "TimerFailed");

        await Db(db => db.Cases.Where(c => c.Id == caseId).ExecuteUpdateAsync(s => s.SetProperty(c => c.WorkflowVersion, 1)));
        var retried = await Retry(await Admin(), id);
        Assert.True(retried.StatusCode == HttpStatusCode.OK, await retried.Content.ReadAsStringAsync());
        Assert.Equal("Pending", (string)(await retried.Content.ReadFromJsonAsync<JsonObject>())!["timers"]![0]!["status"]!);
        var row = await Db(db => db.Timers.AsNoTracking().SingleAsync(t => t.Id == timerId));
        Assert.Equal(0, row.FailedAttempts);

        // The retry handed the overdue timer to Hangfire again: it fires.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await Audit(id)).Any(a => (string)a["action"]! == "DeadlinePassed"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The re-armed deadline did not fire within 30 s.");
            await Task.Delay(100);
        }
    }

    private async Task Fire(Guid timerId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<FireTimerJob>().RunAsync(timerId, CancellationToken.None);
    }

    private async Task<T> Db<T>(Func<ApprovalsDb, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ApprovalsDb>());
    }
}

public sealed class FaultApiSqliteTests() : FaultApiTests(StorageProvider.Sqlite);

public sealed class FaultApiPostgreSqlTests() : FaultApiTests(StorageProvider.PostgreSql);
