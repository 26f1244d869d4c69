using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Workflows;

public abstract class WorkflowTests(ApprovalsAppFactory app)
{
    private Task<HttpClient> Designer() => app.ClientAsync("designer@example.org");

    /// <summary>Start → one review by the editor → approved or rejected.</summary>
    internal static JsonObject Simple(string key, string name = "Simple review") => new()
    {
        ["key"] = key,
        ["name"] = name,
        ["root"] = new JsonObject
        {
            ["type"] = "Flowchart",
            ["activities"] = new JsonArray(
                new JsonObject { ["id"] = "start", ["type"] = "Start" },
                new JsonObject { ["id"] = "review", ["type"] = "Review", ["assignees"] = new JsonObject { ["users"] = new JsonArray("editor@example.org") } },
                new JsonObject { ["id"] = "yes", ["type"] = "End", ["outcome"] = "Approved" },
                new JsonObject { ["id"] = "no", ["type"] = "End", ["outcome"] = "Rejected" }),
            ["connections"] = new JsonArray(
                Connect("start", "Done", "review"), Connect("review", "Approved", "yes"), Connect("review", "Rejected", "no")),
        },
    };

    private static JsonObject Connect(string from, string port, string to) => new()
    {
        ["source"] = new JsonObject { ["activity"] = from, ["port"] = port },
        ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
    };

    /// <summary>A review whose Rejected port leads nowhere and a connection to an activity that does not exist.</summary>
    private static JsonObject Faulty(string key)
    {
        var d = Simple(key);
        var connections = d["root"]!["connections"]!.AsArray();
        connections.RemoveAt(2);
        connections.Add(Connect("yes", "Done", "ghost"));
        return d;
    }

    [Fact]
    public async Task Validate_GoodDefinition_Valid()
    {
        var response = await (await Designer()).PostAsJsonAsync("/api/workflows/validate", Simple("anything"));

        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)body["valid"]!, body.ToJsonString());
        Assert.Empty(body["errors"]!.AsArray());
    }

    [Fact]
    public async Task Validate_FaultyDefinition_ListsErrorsWithPathCodeAndActivity()
    {
        var response = await (await Designer()).PostAsJsonAsync("/api/workflows/validate", Faulty("anything"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False((bool)body["valid"]!);
        var errors = body["errors"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.True(errors.Count >= 2, body.ToJsonString());
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty((string?)e["code"])));
        Assert.Contains(errors, e => (string?)e["activityId"] == "review");
        Assert.All(errors, e => Assert.StartsWith("$", (string?)e["field"]));
    }

    [Fact]
    public async Task Validate_NotJson_InvalidNamingRoot()
    {
        var response = await (await Designer()).PostAsync("/api/workflows/validate", new StringContent("{ not json", Encoding.UTF8, "application/json"));

        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False((bool)body["valid"]!);
        Assert.Equal("$", (string?)body["errors"]![0]!["field"]);
    }

    [Fact]
    public async Task SaveDraft_Faulty_BadRequestListingFaultsAndNothingSaved()
    {
        var designer = await Designer();
        var problem = await Problem.AssertAsync(await designer.PutAsJsonAsync("/api/workflows/faulty-one", Faulty("faulty-one")), HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]!.AsArray().Count >= 2);
        Assert.All(problem["errors"]!.AsArray(), e => Assert.NotNull((string?)e!["code"]));
        await Problem.AssertAsync(await designer.GetAsync("/api/workflows/faulty-one"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SaveDraft_BadKey_BadRequestNamingKey()
    {
        var problem = await Problem.AssertAsync(await (await Designer()).PutAsJsonAsync("/api/workflows/Bad_Key", Simple("x")), HttpStatusCode.BadRequest);

        Assert.Contains("key", Problem.Fields(problem));
    }

    [Fact]
    public async Task SaveDraftThenPublish_Twice_VersionsIncrement()
    {
        var designer = await Designer();
        var saved = await designer.PutAsJsonAsync("/api/workflows/expense-check", Simple("some-other-key", "Expense check"));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var draft = (await saved.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("expense-check", (string?)draft["key"]);
        Assert.True((bool)draft["draft"]!);
        Assert.Equal("expense-check", (string?)draft["definition"]!["key"]); // the route's key wins

        var first = await designer.PostAsync("/api/workflows/expense-check/publish", null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var v1 = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("expense-check", (string?)v1["key"]);
        Assert.Equal(1, (int)v1["version"]!);

        await Problem.AssertAsync(await designer.PostAsync("/api/workflows/expense-check/publish", null), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.OK, (await designer.PutAsJsonAsync("/api/workflows/expense-check", Simple("expense-check", "Expense check v2"))).StatusCode);
        var second = (await (await designer.PostAsync("/api/workflows/expense-check/publish", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, (int)second["version"]!);

        var reader = await app.ClientAsync("employee@example.org");
        var latest = (await reader.GetFromJsonAsync<JsonObject>("/api/workflows/expense-check"))!;
        Assert.Equal(2, (int)latest["version"]!);
        Assert.Equal("Expense check v2", (string?)latest["name"]);
        Assert.Equal("Expense check v2", (string?)latest["definition"]!["name"]);
        var old = (await reader.GetFromJsonAsync<JsonObject>("/api/workflows/expense-check/versions/1"))!;
        Assert.Equal("Expense check", (string?)old["definition"]!["name"]);
        await Problem.AssertAsync(await reader.GetAsync("/api/workflows/expense-check/versions/3"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await reader.GetAsync("/api/workflows/expense-check/versions/first"), HttpStatusCode.BadRequest);

        var list = (await reader.GetFromJsonAsync<JsonArray>("/api/workflows"))!;
        var item = list.Single(w => (string?)w!["key"] == "expense-check")!;
        Assert.Equal(2, (int)item["latestVersion"]!);
        Assert.False((bool)item["hasDraft"]!);
    }

    [Fact]
    public async Task GetWorkflow_DraftOnly_DesignerSeesDraftOthersDoNot()
    {
        var designer = await Designer();
        Assert.Equal(HttpStatusCode.OK, (await designer.PutAsJsonAsync("/api/workflows/draft-only", Simple("draft-only"))).StatusCode);

        var seen = (await designer.GetFromJsonAsync<JsonObject>("/api/workflows/draft-only"))!;
        Assert.Null(seen["version"]);
        Assert.NotNull(seen["draft"]!["definition"]);
        var list = (await designer.GetFromJsonAsync<JsonArray>("/api/workflows"))!;
        Assert.Contains(list, w => (string?)w!["key"] == "draft-only" && (bool)w["hasDraft"]!);

        var requester = await app.ClientAsync("employee@example.org");
        await Problem.AssertAsync(await requester.GetAsync("/api/workflows/draft-only"), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await requester.GetFromJsonAsync<JsonArray>("/api/workflows"))!, w => (string?)w!["key"] == "draft-only");
    }

    [Fact]
    public async Task Writes_AsRequester_Forbidden()
    {
        var requester = await app.ClientAsync("employee@example.org");

        await Problem.AssertAsync(await requester.PutAsJsonAsync("/api/workflows/mine", Simple("mine")), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await requester.PostAsync("/api/workflows/purchase-approval/publish", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Publish_ConcurrentPublishersOfDifferentDrafts_GetDistinctVersions()
    {
        var designer = await Designer();
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        Assert.Equal(HttpStatusCode.OK, (await designer.PutAsJsonAsync("/api/workflows/race", Simple("race"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await designer.PostAsync("/api/workflows/race/publish", null)).StatusCode);

        // Two drafts saved and published back to back, many times over, from two clients at once.
        async Task<List<int>> Run(HttpClient c)
        {
            var versions = new List<int>();
            for (var i = 0; i < 4; i++)
            {
                await c.PutAsJsonAsync("/api/workflows/race", Simple("race"));
                var r = await c.PostAsync("/api/workflows/race/publish", null);
                if (r.StatusCode == HttpStatusCode.OK)
                    versions.Add((int)(await r.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
                else Assert.Equal(HttpStatusCode.NotFound, r.StatusCode); // the other client published this draft first
            }
            return versions;
        }
        var results = await Task.WhenAll(Run(designer), Run(admin));

        var all = results.SelectMany(v => v).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        var latest = (await designer.GetFromJsonAsync<JsonObject>("/api/workflows/race"))!;
        Assert.Equal(all.Max(), (int)latest["version"]!);
    }

    [Fact]
    public async Task Examples_Loaded_ThreeWorkflowsPublishedAndDemoUsersSignIn()
    {
        var client = await app.ClientAsync("hr.officer@example.org");
        var list = (await client.GetFromJsonAsync<JsonArray>("/api/workflows"))!;

        foreach (var key in new[] { "personnel-vetting", "purchase-approval", "document-review" })
            Assert.Contains(list, w => (string?)w!["key"] == key && (int?)w["latestVersion"] >= 1);
        await app.ClientAsync("board.chair@example.org");
        await app.ClientAsync("admin@example.org", "admin1234");
    }
}

public sealed class WorkflowTestsSqlite(SqliteApp app) : WorkflowTests(app), IClassFixture<SqliteApp>;

public sealed class WorkflowTestsPostgreSql(PostgreSqlApp app) : WorkflowTests(app), IClassFixture<PostgreSqlApp>;
