using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Hosting;

/// <summary>Routes every deployment relies on, on a shared server.</summary>
public abstract class HostTests(ApprovalsAppFactory app)
{
    [Fact]
    public async Task Healthz_Anonymous_Healthy()
    {
        var response = await app.Anonymous().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
    }

    [Fact]
    public async Task WorkflowSchema_Anonymous_IsJsonSchema()
    {
        var response = await app.Anonymous().GetAsync("/api/schema/workflow.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schema = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.NotNull(schema["$schema"]);
        Assert.NotNull(schema["properties"]?["root"]);
    }

    [Fact]
    public async Task OpenApiAndScalar_Anonymous_Served()
    {
        var doc = await app.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        var paths = JsonNode.Parse(await doc.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/auth/token"));
        Assert.True(paths.ContainsKey("/api/workflows/{key}/publish"));

        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/scalar")).StatusCode);
    }

    [Theory]
    [InlineData("/api/auth/token", "post", "IssueTokenRequest", "AccessToken")]
    [InlineData("/api/cases", "post", "StartCaseRequest", "CaseView")]
    [InlineData("/api/tasks/{id}/decision", "post", "DecideTaskRequest", "TaskView")]
    [InlineData("/api/tasks/{id}/delegate", "post", "DelegateTaskRequest", "TaskView")]
    [InlineData("/api/cases/{id}/withdraw", "post", "WithdrawCaseRequest", "CaseView")]
    [InlineData("/api/directory/groups/{name}", "put", "PutGroupRequest", "GroupView")]
    [InlineData("/healthz", "get", null, "Health")]
    public async Task OpenApi_Operation_NamesItsOwnBodies(string path, string method, string? request, string answer)
    {
        var doc = JsonNode.Parse(await app.Anonymous().GetStringAsync("/openapi/v1.json"))!;
        var operation = doc["paths"]![path]![method]!;

        // An optional body is "null or the record": the reference then sits in a oneOf.
        var body = operation["requestBody"]?["content"]?["application/json"]?["schema"];
        var bodyRef = (string?)body?["$ref"] ?? body?["oneOf"]?.AsArray().Select(s => (string?)s!["$ref"]).FirstOrDefault(r => r is not null);
        Assert.Equal(request is null ? null : "#/components/schemas/" + request, bodyRef);
        var ok = operation["responses"]!.AsObject().First(r => r.Key.StartsWith('2')).Value!;
        Assert.Equal("#/components/schemas/" + answer, (string?)ok["content"]!["application/json"]!["schema"]!["$ref"]);
        foreach (var (status, response) in operation["responses"]!.AsObject().Where(r => r.Key[0] is '4' or '5'))
            Assert.Equal("#/components/schemas/Problem", (string?)response!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
    }

    [Fact]
    public async Task OpenApi_Document_DeclaresBearerAndExemptsAnonymousRoutes()
    {
        var doc = JsonNode.Parse(await app.Anonymous().GetStringAsync("/openapi/v1.json"))!;

        Assert.Equal("bearer", (string?)doc["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);
        Assert.NotNull(doc["security"]![0]!["Bearer"]);
        Assert.Empty(doc["paths"]!["/api/auth/token"]!["post"]!["security"]!.AsArray());
        Assert.Null(doc["paths"]!["/api/cases"]!["post"]!["security"]);
        Assert.All(doc["servers"]!.AsArray(), s => Assert.False(((string)s!["url"]!).EndsWith('/')));
    }
}

public sealed class HostTestsSqlite(SqliteApp app) : HostTests(app), IClassFixture<SqliteApp>;

public sealed class HostTestsPostgreSql(PostgreSqlApp app) : HostTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>Start-up behaviour: each test starts its own servers.</summary>
public abstract class StartupTests(StorageProvider provider)
{
    [Fact]
    public async Task BootstrapAdmin_Configured_CanSignInAsAdminAndPasswordIsReapplied()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bootstrap:AdminEmail"] = "Ops@Example.org", ["Bootstrap:AdminPassword"] = "first-password", ["Examples:Load"] = "false",
        };
        var app = new ApprovalsAppFactory(provider, null, settings);
        try
        {
            var ops = await app.ClientAsync("ops@example.org", "first-password");
            var users = (await ops.GetFromJsonAsync<JsonArray>("/api/directory/users"))!;
            Assert.Equal(["ops@example.org"], users.Select(u => (string?)u!["email"])); // no examples: only the bootstrap admin

            app = await app.RestartAsync(new Dictionary<string, string?>(settings) { ["Bootstrap:AdminPassword"] = "second-password" });
            await app.ClientAsync("ops@example.org", "second-password");
            await Problem.AssertAsync(
                await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "ops@example.org", password = "first-password" }),
                HttpStatusCode.Unauthorized);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Restart_WithGeneratedSigningKey_KeepsDataAndTokens()
    {
        var folder = CopyOfWorkflows();
        var settings = new Dictionary<string, string?> { ["Auth:SigningKey"] = "", ["Examples:Path"] = folder };
        var app = new ApprovalsAppFactory(provider, null, settings);
        try
        {
            var token = await app.TokenAsync("admin@example.org", "admin1234");
            var admin = await app.ClientAsync("admin@example.org", "admin1234");
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/directory/users/survivor@example.org",
                new { displayName = "Survivor", password = "survive-123", roles = new[] { "requester" } })).StatusCode);

            // One example changes on disk and one becomes invalid: the first is republished, the second skipped.
            var purchase = Path.Combine(folder, "purchase-approval.json");
            var changed = JsonNode.Parse(File.ReadAllText(purchase))!.AsObject();
            changed["name"] = "Purchase approval (revised)";
            File.WriteAllText(purchase, changed.ToJsonString());
            File.WriteAllText(Path.Combine(folder, "broken.json"), """{"key": "broken", "name": "Broken", "root": {"type": "Flowchart", "activities": []}}""");

            app = await app.RestartAsync();

            var client = app.Anonymous();
            client.DefaultRequestHeaders.Authorization = new("Bearer", token); // signed before the restart
            var users = (await client.GetFromJsonAsync<JsonArray>("/api/directory/users"))!;
            Assert.Contains(users, u => (string?)u!["email"] == "survivor@example.org");
            var list = (await client.GetFromJsonAsync<JsonArray>("/api/workflows"))!;
            Assert.Equal(2, (int)list.Single(w => (string?)w!["key"] == "purchase-approval")!["latestVersion"]!);
            Assert.Equal(1, (int)list.Single(w => (string?)w!["key"] == "document-review")!["latestVersion"]!);
            Assert.DoesNotContain(list, w => (string?)w!["key"] == "broken");
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task TwoServers_StartingAtOnceOnOneStore_BothSeedWithoutError()
    {
        var first = new ApprovalsAppFactory(provider);
        var second = new ApprovalsAppFactory(provider, first.Store, first.Settings);
        try
        {
            await Task.WhenAll(Task.Run(() => first.CreateClient()), Task.Run(() => second.CreateClient()));

            var client = await second.ClientAsync("designer@example.org");
            var list = (await client.GetFromJsonAsync<JsonArray>("/api/workflows"))!;
            Assert.All(list, w => Assert.Equal(1, (int)w!["latestVersion"]!));
            Assert.Equal(HttpStatusCode.OK, (await (await first.ClientAsync("designer@example.org")).GetAsync("/api/workflows")).StatusCode);
        }
        finally
        {
            await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Auth:TokenLifetime", "banana")]
    [InlineData("Auth:TokenLifetime", "-01:00:00")]
    [InlineData("Auth:SigningKey", "too-short")]
    [InlineData("Jobs:Workers", "0")]
    [InlineData("Jobs:OverdueAfter", "soon")]
    [InlineData("Storage:Provider", "Oracle")]
    [InlineData("Bootstrap:AdminEmail", "ops@example.org")]
    public async Task Startup_BadSetting_StopsNamingTheSetting(string key, string value)
    {
        var app = new ApprovalsAppFactory(provider, null, new Dictionary<string, string?> { [key] = value });
        try
        {
            var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());
            Assert.Contains(key, e.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static string CopyOfWorkflows()
    {
        var folder = Path.Combine(Path.GetTempPath(), "approvals-tests", "workflows-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(ApprovalsAppFactory.WorkflowsFolder, "*.json"))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }
}

public sealed class StartupTestsSqlite() : StartupTests(StorageProvider.Sqlite);

public sealed class StartupTestsPostgreSql() : StartupTests(StorageProvider.PostgreSql);
