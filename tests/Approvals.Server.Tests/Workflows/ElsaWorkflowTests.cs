using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Workflows;

public abstract class ElsaWorkflowTests(ApprovalsAppFactory app)
{
    private static string ElsaDocument() => File.ReadAllText(Path.Combine(ApprovalsAppFactory.RepositoryRoot,
        "tests", "Approvals.Engine.Tests", "Json", "ElsaFixtures", "approval.elsa.json"));

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task SaveDraft_ElsaStudioDocument_StoredInOwnFormPublishedAndRuns()
    {
        var designer = await app.ClientAsync("designer@example.org");

        var saved = await designer.PutAsync("/api/workflows/elsa-import", Json(ElsaDocument()));

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var definition = (await saved.Content.ReadFromJsonAsync<JsonObject>())!["definition"]!;
        Assert.Equal("Flowchart", (string)definition["root"]!["type"]!);
        Assert.Equal("elsa-import", (string)definition["key"]!);
        Assert.Equal("Review", (string)definition["root"]!["activities"]![1]!["type"]!);
        Assert.Equal(HttpStatusCode.OK, (await designer.PostAsync("/api/workflows/elsa-import/publish", null)).StatusCode);

        var requester = await app.ClientAsync("hr.officer@example.org");
        var started = await requester.PostAsJsonAsync("/api/cases",
            new { workflow = "elsa-import", title = "Drawn in Elsa", data = new { candidateName = "E", riskScore = 10 } });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var caseId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var intake = await app.ClientAsync("intake.officer1@example.org");
        var tasks = (await intake.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=200"))!["items"]!.AsArray();
        Assert.Contains(tasks, t => (string?)t!["caseId"] == caseId && (string?)t["activityId"] == "a1b2c3d4e5f60718");
    }

    [Fact]
    public async Task Validate_ElsaDocumentWithUnsupportedActivity_ReportsItOnceByName()
    {
        var doc = JsonNode.Parse(ElsaDocument())!.AsObject();
        var activities = doc["root"]!["activities"]!.AsArray();
        activities[3]!["type"] = "Elsa.WriteLine";
        activities[6]!["type"] = "Elsa.WriteLine";

        var response = await (await app.ClientAsync("designer@example.org")).PostAsync("/api/workflows/validate", Json(doc.ToJsonString()));

        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray();
        var error = Assert.Single(errors);
        Assert.Equal("unknown-type", (string)error!["code"]!);
        Assert.Contains("'Elsa.WriteLine'", (string)error["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportElsa_PublishedVersion_PutBackGivesTheSameFlowchart()
    {
        var designer = await app.ClientAsync("designer@example.org");
        var original = (await designer.GetFromJsonAsync<JsonObject>("/api/workflows/personnel-vetting"))!;
        var version = (int)original["version"]!;

        var elsa = (await designer.GetFromJsonAsync<JsonObject>($"/api/workflows/personnel-vetting/versions/{version}/elsa"))!;
        Assert.Equal("Elsa.Flowchart", (string)elsa["root"]!["type"]!);
        Assert.Equal("personnel-vetting", (string)elsa["definitionId"]!);
        var saved = await designer.PutAsync("/api/workflows/vetting-from-elsa", Json(elsa.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var back = (await saved.Content.ReadFromJsonAsync<JsonObject>())!["definition"]!;
        var before = original["definition"]!["root"]!;
        Assert.Equal(Ids(before), Ids(back["root"]!));
        Assert.Equal(before["connections"]!.AsArray().Count, back["root"]!["connections"]!.AsArray().Count);
        Assert.True(JsonNode.DeepEquals(original["definition"]!["inputSchema"], back["inputSchema"]));
        Assert.Equal(HttpStatusCode.NotFound, (await designer.GetAsync("/api/workflows/personnel-vetting/versions/999/elsa")).StatusCode);
    }

    private static string Ids(JsonNode root) =>
        string.Join(",", root["activities"]!.AsArray().Select(a => $"{a!["id"]}:{a["type"]}").Order(StringComparer.Ordinal));
}

public sealed class ElsaWorkflowTestsSqlite(SqliteApp app) : ElsaWorkflowTests(app), IClassFixture<SqliteApp>;

public sealed class ElsaWorkflowTestsPostgreSql(PostgreSqlApp app) : ElsaWorkflowTests(app), IClassFixture<PostgreSqlApp>;
