using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Auth;

public abstract class AuthTests(ApprovalsAppFactory app)
{
    [Fact]
    public async Task IssueToken_DemoUser_ReturnsBearerTokenForEightHours()
    {
        var response = await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "Designer@Example.org", password = "demo1234" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(string.IsNullOrEmpty((string?)body["accessToken"]));
        Assert.Equal(8 * 3600, (int)body["expiresIn"]!);
    }

    [Fact]
    public async Task IssueToken_WrongPasswordOrUnknownUser_SameUnauthorizedProblem()
    {
        var wrong = await Problem.AssertAsync(
            await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "designer@example.org", password = "wrong-password" }),
            HttpStatusCode.Unauthorized);
        var unknown = await Problem.AssertAsync(
            await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "nobody@example.org", password = "wrong-password" }),
            HttpStatusCode.Unauthorized);

        Assert.Equal((string?)wrong["detail"], (string?)unknown["detail"]);
    }

    [Fact]
    public async Task IssueToken_MissingPassword_BadRequestNamingField()
    {
        var problem = await Problem.AssertAsync(
            await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "designer@example.org" }), HttpStatusCode.BadRequest);

        Assert.Contains("password", Problem.Fields(problem));
    }

    [Fact]
    public async Task Api_WithoutToken_UnauthorizedProblem()
    {
        await Problem.AssertAsync(await app.Anonymous().GetAsync("/api/workflows"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Api_WithForgedToken_Unauthorized()
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbkBleGFtcGxlLm9yZyJ9.c2lnbmF0dXJl");

        await Problem.AssertAsync(await client.GetAsync("/api/directory/users"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_AfterItsLifetime_IsRefused()
    {
        var fresh = new ApprovalsAppFactory(app.Provider);
        await using var _ = fresh;
        var client = await fresh.ClientAsync("designer@example.org");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflows")).StatusCode);

        fresh.Clock.Advance(TimeSpan.FromHours(9));

        await Problem.AssertAsync(await client.GetAsync("/api/workflows"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_UsedThenAltered_AlteredCopyRefusedAndOriginalStillAccepted()
    {
        var token = await app.TokenAsync("admin@example.org", "admin1234");
        var genuine = app.Anonymous();
        genuine.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await genuine.GetAsync("/api/directory/users")).StatusCode);

        // The server remembers tokens that passed; a copy with its payload or its signature changed must not ride on that.
        var parts = token.Split('.');
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1])))!;
        payload["exp"] = (long)payload["exp"]! + 3600;
        var longer = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
        var resigned = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        foreach (var altered in new[] { longer, resigned })
        {
            var client = app.Anonymous();
            client.DefaultRequestHeaders.Authorization = new("Bearer", altered);
            await Problem.AssertAsync(await client.GetAsync("/api/directory/users"), HttpStatusCode.Unauthorized);
        }
        Assert.Equal(HttpStatusCode.OK, (await genuine.GetAsync("/api/directory/users")).StatusCode);
    }

    [Fact]
    public async Task DirectoryRoutes_AsRequester_ForbiddenProblem()
    {
        var client = await app.ClientAsync("employee@example.org");

        await Problem.AssertAsync(await client.GetAsync("/api/directory/users"), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await client.PutAsJsonAsync("/api/directory/groups/finance", new { members = Array.Empty<string>() }),
            HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MalformedJsonBody_BadRequestProblem()
    {
        var client = await app.ClientAsync("admin@example.org", "admin1234");
        var response = await client.PutAsync("/api/directory/users/x@example.org",
            new StringContent("{\"displayName\": \"X\", \"roles\": \"admin\"}", Encoding.UTF8, "application/json"));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("$.roles", Problem.Fields(problem));
    }

    [Fact]
    public async Task MissingBody_BadRequestProblem()
    {
        var client = await app.ClientAsync("admin@example.org", "admin1234");
        var response = await client.PutAsync("/api/directory/users/x@example.org", new StringContent("", Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownRoute_NotFoundProblem()
    {
        var client = await app.ClientAsync("admin@example.org", "admin1234");

        await Problem.AssertAsync(await client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await app.Anonymous().GetAsync("/nothing-here"), HttpStatusCode.NotFound);
    }
}

public sealed class AuthTestsSqlite(SqliteApp app) : AuthTests(app), IClassFixture<SqliteApp>;

public sealed class AuthTestsPostgreSql(PostgreSqlApp app) : AuthTests(app), IClassFixture<PostgreSqlApp>;
