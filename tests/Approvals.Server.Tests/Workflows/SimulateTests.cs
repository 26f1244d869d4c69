using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Workflows;

public abstract class SimulateTests(ApprovalsAppFactory app)
{
    private static readonly object Candidate = new { candidateName = "C", nationalId = "1", position = "Guard", riskScore = 90 };

    [Fact]
    public async Task Simulate_DraftOfExample_AnswersPathAndOpenTasksAndStoresNothing()
    {
        var designer = await app.ClientAsync("designer@example.org");
        var casesBefore = (await (await app.ClientAsync("admin@example.org", "admin1234")).GetFromJsonAsync<JsonObject>("/api/cases?limit=200"))!["items"]!.AsArray().Count;

        var response = await designer.PostAsJsonAsync("/api/workflows/simulate", new
        {
            workflow = "personnel-vetting",
            data = Candidate,
            requester = "hr.officer@example.org",
            decisions = new object[]
            {
                new { activityId = "identity", decision = "approve" },
                new { activityId = "criminal", decision = "approve", comment = "Clean record" },
                new { activityId = "affiliations", decision = "approve" }, new { activityId = "affiliations", decision = "approve" },
                new { activityId = "affiliations", decision = "approve" },
                new { activityId = "references", decision = "approve" },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("InProgress", (string)body["status"]!);
        var path = body["path"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal("start", path[0]);
        Assert.Equal("security", path[^1]);
        var open = Assert.Single(body["openTasks"]!.AsArray());
        Assert.Equal("security", (string)open!["activityId"]!);
        Assert.Contains(body["audit"]!.AsArray(), a => (string?)a!["comment"] == "Clean record");
        var casesAfter = (await (await app.ClientAsync("admin@example.org", "admin1234")).GetFromJsonAsync<JsonObject>("/api/cases?limit=200"))!["items"]!.AsArray().Count;
        Assert.Equal(casesBefore, casesAfter);
    }

    [Fact]
    public async Task Simulate_GivenDefinitionWithAdvance_FiresRemindersOnTheSimulatedClock()
    {
        var designer = await app.ClientAsync("designer@example.org");
        var definition = WorkflowTests.Simple("dry");
        definition["root"]!["activities"]![1]!["reminders"] = new JsonArray("P1D");

        var response = await designer.PostAsJsonAsync("/api/workflows/simulate",
            new { definition, at = "2026-03-02T09:00:00Z", advance = "P2D" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(body["audit"]!.AsArray(), a => (string?)a!["action"] == "ReminderSent");
        Assert.Contains(body["notifications"]!.AsArray(), n => (string?)n!["template"] == "task-reminder");
        Assert.Equal(DateTimeOffset.Parse("2026-03-04T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)body["at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Simulate_BadInput_ClearErrorsNamingTheField()
    {
        var designer = await app.ClientAsync("designer@example.org");
        var faulty = WorkflowTests.Simple("dry");
        faulty["root"]!["connections"]!.AsArray().RemoveAt(2);

        var invalid = await designer.PostAsJsonAsync("/api/workflows/simulate", new { definition = faulty });
        var noTask = await designer.PostAsJsonAsync("/api/workflows/simulate",
            new { workflow = "personnel-vetting", data = Candidate, decisions = new[] { new { activityId = "board", decision = "approve" } } });
        var badData = await designer.PostAsJsonAsync("/api/workflows/simulate", new { workflow = "personnel-vetting", data = new { candidateName = "C" } });
        var requester = await (await app.ClientAsync("hr.officer@example.org")).PostAsJsonAsync("/api/workflows/simulate", new { workflow = "personnel-vetting" });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains((await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray(), e => (string?)e!["code"] == "port-unconnected");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noTask.StatusCode);
        Assert.Equal("decisions[0]", (string)(await noTask.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["field"]!);
        Assert.Equal(HttpStatusCode.BadRequest, badData.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, requester.StatusCode);
        var endOfTime = await designer.PostAsJsonAsync("/api/workflows/simulate",
            new { workflow = "personnel-vetting", data = Candidate, at = "9999-12-31T23:59:30Z", advance = "P30D" });
        Assert.Equal(HttpStatusCode.BadRequest, endOfTime.StatusCode);
        Assert.Equal("at", (string)(await endOfTime.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["field"]!);
    }
}

public sealed class SimulateTestsSqlite(SqliteApp app) : SimulateTests(app), IClassFixture<SqliteApp>;

public sealed class SimulateTestsPostgreSql(PostgreSqlApp app) : SimulateTests(app), IClassFixture<PostgreSqlApp>;
