using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Tasks;

/// <summary>
/// With the real clock, a task's times read the same wherever a client reads them: the case view (from the case's
/// state), the task view and the inbox (from the task rows), the decision's own answer. PostgreSQL keeps microseconds;
/// a time with a finer part used to read back with seven fractional digits in one place and six in another.
/// </summary>
public abstract class TaskTimesTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider, store: null, settings: null, realClock: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task TaskTimes_CaseViewTaskViewInboxAndDecision_ReadTheSame()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title = "Times", data = new { candidateName = "T", nationalId = "900000012", position = "Guard", riskScore = 10 },
        });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var caseId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var view = (await hr.GetFromJsonAsync<JsonObject>($"/api/cases/{caseId}"))!;
        var open = view["openTasks"]!.AsArray().Select(t => t!.AsObject()).First(t => (string?)t["activityId"] == "identity");
        var taskId = (string)open["id"]!;

        var reviewer = await _app.ClientAsync("intake.officer1@example.org");
        var task = (await reviewer.GetFromJsonAsync<JsonObject>($"/api/tasks/{taskId}"))!;
        var listed = (await reviewer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=200"))!["items"]!.AsArray()
            .Select(t => t!.AsObject()).Single(t => (string?)t["id"] == taskId);
        Assert.Equal((string?)open["createdAt"], (string?)task["createdAt"]);
        Assert.Equal((string?)open["createdAt"], (string?)listed["createdAt"]);

        var decided = await reviewer.PostAsJsonAsync($"/api/tasks/{taskId}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var answer = (await decided.Content.ReadFromJsonAsync<JsonObject>())!;
        var after = (await reviewer.GetFromJsonAsync<JsonObject>($"/api/tasks/{taskId}"))!;
        Assert.NotNull((string?)answer["decidedAt"]);
        Assert.Equal((string?)answer["decidedAt"], (string?)after["decidedAt"]);
        Assert.Equal((string?)answer["createdAt"], (string?)after["createdAt"]);
    }
}

public sealed class TaskTimesTestsSqlite() : TaskTimesTests(StorageProvider.Sqlite);

public sealed class TaskTimesTestsPostgreSql() : TaskTimesTests(StorageProvider.PostgreSql);
