using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;
using Approvals.Server.Tests.Workflows;

namespace Approvals.Server.Tests.Cases;

public abstract class MigrationTests(ApprovalsAppFactory app)
{
    /// <summary>Version 2 of <see cref="WorkflowTests.Simple"/>: the review is called <c>check</c> and the publisher reviews after it.</summary>
    private static JsonObject Second(string key)
    {
        var d = WorkflowTests.Simple(key);
        var activities = d["root"]!["activities"]!.AsArray();
        activities[1]!["id"] = "check";
        activities[1]!["name"] = "Editor's check";
        activities.Add(new JsonObject { ["id"] = "extra", ["type"] = "Review", ["assignees"] = new JsonObject { ["users"] = new JsonArray("publisher@example.org") } });
        d["root"]!["connections"] = new JsonArray(
            Connect("start", "Done", "check"), Connect("check", "Approved", "extra"), Connect("check", "Rejected", "no"),
            Connect("extra", "Approved", "yes"), Connect("extra", "Rejected", "no"));
        return d;
    }

    private static JsonObject Connect(string from, string port, string to) => new()
    {
        ["source"] = new JsonObject { ["activity"] = from, ["port"] = port },
        ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
    };

    /// <summary>Publishes version 1 and 2 of a fresh workflow and starts <paramref name="cases"/> cases on version 1.</summary>
    private async Task<List<string>> ArrangeAsync(string key, int cases)
    {
        var designer = await app.ClientAsync("designer@example.org");
        Assert.Equal(HttpStatusCode.OK, (await designer.PutAsJsonAsync($"/api/workflows/{key}", WorkflowTests.Simple(key))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await designer.PostAsync($"/api/workflows/{key}/publish", null)).StatusCode);
        var requester = await app.ClientAsync("hr.officer@example.org");
        var ids = new List<string>();
        for (var i = 0; i < cases; i++)
        {
            var started = await requester.PostAsJsonAsync("/api/cases", new { workflow = key, title = $"Case {i}", data = new { } });
            ids.Add((string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }
        Assert.Equal(HttpStatusCode.OK, (await designer.PutAsJsonAsync($"/api/workflows/{key}", Second(key))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await designer.PostAsync($"/api/workflows/{key}/publish", null)).StatusCode);
        return ids;
    }

    [Fact]
    public async Task MigrateCase_MappedStage_FollowsTheNewVersionsStages()
    {
        var id = (await ArrangeAsync("migrate-one", 1))[0];
        var admin = await app.ClientAsync("admin@example.org", "admin1234");

        var response = await admin.PostAsJsonAsync($"/api/cases/{id}/migrate", new { toVersion = 2, activityMap = new Dictionary<string, string> { ["review"] = "check" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, (int)view["workflowVersion"]!);
        var task = Assert.Single(view["openTasks"]!.AsArray())!;
        Assert.Equal("check", (string)task["activityId"]!);
        Assert.Equal("Editor's check", (string)task["activityName"]!);
        var editor = await app.ClientAsync("editor@example.org");
        Assert.Equal(HttpStatusCode.OK, (await editor.PostAsJsonAsync($"/api/tasks/{task["id"]}/decision", new { decision = "approve" })).StatusCode);
        var after = (await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;
        Assert.Equal("extra", (string)Assert.Single(after["openTasks"]!.AsArray())!["activityId"]!);
        var audit = (await admin.GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
        Assert.Contains(audit, a => (string?)a!["action"] == "CaseMigrated" && (int?)a["details"]!["to"] == 2);
        Assert.True((bool)(await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}/audit/verify"))!["valid"]!);
    }

    [Fact]
    public async Task MigrateCase_ActiveStageMissing_409NamesItAndChangesNothing()
    {
        var id = (await ArrangeAsync("migrate-impossible", 1))[0];
        var admin = await app.ClientAsync("admin@example.org", "admin1234");

        var response = await admin.PostAsJsonAsync($"/api/cases/{id}/migrate", new { toVersion = 2 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var error = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray())!;
        Assert.Equal("review", (string)error["activityId"]!);
        var view = (await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;
        Assert.Equal(1, (int)view["workflowVersion"]!);
        Assert.Equal("review", (string)Assert.Single(view["openTasks"]!.AsArray())!["activityId"]!);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await (await app.ClientAsync("designer@example.org")).PostAsJsonAsync($"/api/cases/{id}/migrate", new { toVersion = 2 })).StatusCode);
    }

    [Fact]
    public async Task MigrateWorkflow_DryRunThenRun_ReportsEachCaseAndMovesThemAll()
    {
        var ids = await ArrangeAsync("migrate-many", 3);
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        var body = new { fromVersion = 1, toVersion = 2, activityMap = new Dictionary<string, string> { ["review"] = "check" }, dryRun = true };

        var dry = (await (await admin.PostAsJsonAsync("/api/workflows/migrate-many/migrate", body)).Content.ReadFromJsonAsync<JsonObject>())!;
        var stillOne = (await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{ids[0]}"))!;
        var run = (await (await admin.PostAsJsonAsync("/api/workflows/migrate-many/migrate", body with { dryRun = false })).Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal(3, dry["cases"]!.AsArray().Count(c => (bool)c!["ok"]!));
        Assert.Equal(0, (int)dry["migrated"]!);
        Assert.Equal(1, (int)stillOne["workflowVersion"]!);
        Assert.Equal(3, (int)run["migrated"]!);
        foreach (var id in ids)
            Assert.Equal(2, (int)(await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!["workflowVersion"]!);
    }
}

public sealed class MigrationTestsSqlite(SqliteApp app) : MigrationTests(app), IClassFixture<SqliteApp>;

public sealed class MigrationTestsPostgreSql(PostgreSqlApp app) : MigrationTests(app), IClassFixture<PostgreSqlApp>;
