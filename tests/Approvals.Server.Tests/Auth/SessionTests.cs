using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Tests.Auth;

/// <summary>Sessions end when the person's standing changes; each test works on a user of its own.</summary>
public abstract class SessionTests(ApprovalsAppFactory app)
{
    private const string Password = "first-password";

    private Task<HttpClient> Admin() => app.ClientAsync("admin@example.org", "admin1234");

    /// <summary>A new reviewer in the finance group, and a fresh token of theirs (never the factory's cached one).</summary>
    private async Task<(string Email, string Token)> NewReviewerAsync()
    {
        var email = $"session.{Guid.NewGuid():N}@example.org";
        var put = await (await Admin()).PutAsJsonAsync($"/api/directory/users/{email}",
            new { displayName = "Session User", password = Password, roles = new[] { "reviewer" }, groups = new[] { "finance" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (email, await SignInAsync(email));
    }

    private async Task<string> SignInAsync(string email, string password = Password)
    {
        var response = await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!;
    }

    private HttpClient With(string token)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task AssertSignedInAsync(string token) =>
        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/api/tasks")).StatusCode);

    private async Task AssertRefusedAsync(string token) =>
        await Problem.AssertAsync(await With(token).GetAsync("/api/tasks"), HttpStatusCode.Unauthorized);

    [Fact]
    public async Task Token_AfterPasswordChange_Unauthorized()
    {
        var (email, token) = await NewReviewerAsync();
        await AssertSignedInAsync(token);

        await (await Admin()).PutAsJsonAsync($"/api/directory/users/{email}", new { password = "second-password" });

        await AssertRefusedAsync(token);
        await AssertSignedInAsync(await SignInAsync(email, "second-password"));
    }

    [Fact]
    public async Task Token_AfterRoleChange_Unauthorized()
    {
        var (email, token) = await NewReviewerAsync();
        await AssertSignedInAsync(token);

        await (await Admin()).PutAsJsonAsync($"/api/directory/users/{email}", new { roles = new[] { "requester" } });

        await AssertRefusedAsync(token);
    }

    [Fact]
    public async Task Token_AfterGroupMembershipChange_Unauthorized()
    {
        var (email, token) = await NewReviewerAsync();
        await AssertSignedInAsync(token);
        var admin = await Admin();

        // Removed from a group through the group itself.
        var group = $"g-{Guid.NewGuid():N}"[..20];
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/directory/groups/{group}", new { members = new[] { email } })).StatusCode);
        await AssertRefusedAsync(token);
        var second = await SignInAsync(email);
        await AssertSignedInAsync(second);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/directory/groups/{group}", new { members = Array.Empty<string>() })).StatusCode);
        await AssertRefusedAsync(second);

        // And through the user's own groups.
        var third = await SignInAsync(email);
        await admin.PutAsJsonAsync($"/api/directory/users/{email}", new { groups = Array.Empty<string>() });
        await AssertRefusedAsync(third);
    }

    [Fact]
    public async Task Token_AfterDisplayNameChange_StillValid()
    {
        var (email, token) = await NewReviewerAsync();

        await (await Admin()).PutAsJsonAsync($"/api/directory/users/{email}", new { displayName = "Renamed", roles = new[] { "reviewer" } });

        await AssertSignedInAsync(token);
    }

    [Fact]
    public async Task Token_AfterUserDisabled_UnauthorizedAndSignInRefused()
    {
        var (email, token) = await NewReviewerAsync();
        var admin = await Admin();

        var put = await admin.PutAsJsonAsync($"/api/directory/users/{email}", new { disabled = true });

        Assert.True((bool)(await put.Content.ReadFromJsonAsync<JsonObject>())!["disabled"]!);
        await AssertRefusedAsync(token);
        await Problem.AssertAsync(await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email, password = Password }), HttpStatusCode.Unauthorized);

        await admin.PutAsJsonAsync($"/api/directory/users/{email}", new { disabled = false });
        await AssertSignedInAsync(await SignInAsync(email));
        await AssertRefusedAsync(token); // enabling again does not bring old tokens back
    }

    [Fact]
    public async Task Token_AfterUserDeleted_Unauthorized()
    {
        var (email, token) = await NewReviewerAsync();
        var admin = await Admin();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/directory/users/{email}")).StatusCode);

        await AssertRefusedAsync(token);
        var users = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/users"))!;
        Assert.DoesNotContain(users, u => (string?)u!["email"] == email);
        // The same address created again is a new person: the old token stays refused.
        await admin.PutAsJsonAsync($"/api/directory/users/{email}", new { password = Password, roles = new[] { "reviewer" } });
        await AssertRefusedAsync(token);
    }

    [Fact]
    public async Task Logout_EndsThatTokenOnly()
    {
        var (email, token) = await NewReviewerAsync();
        var other = await SignInAsync(email);

        Assert.Equal(HttpStatusCode.NoContent, (await With(token).PostAsync("/api/auth/logout", null)).StatusCode);

        await AssertRefusedAsync(token);
        await AssertSignedInAsync(other);
        await Problem.AssertAsync(await With(token).PostAsync("/api/auth/logout", null), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_WithoutExpiry_Unauthorized()
    {
        var (email, _) = await NewReviewerAsync();
        var forged = Forge(new Dictionary<string, object> { ["sub"] = email, ["email"] = email, ["jti"] = "x", ["stamp"] = "x" }, expires: false);

        await AssertRefusedAsync(forged);
    }

    [Fact]
    public async Task Token_WithoutIdentity_Unauthorized()
    {
        var forged = Forge(new Dictionary<string, object> { ["role"] = "admin", ["jti"] = "x", ["stamp"] = "x" }, expires: true);

        await Problem.AssertAsync(await With(forged).GetAsync("/api/directory/users"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_WithoutStamp_Unauthorized()
    {
        // A well-signed token of the kind issued before stamps existed (or forged with a leaked key).
        var forged = Forge(new Dictionary<string, object>
        {
            ["sub"] = "admin@example.org", ["email"] = "admin@example.org", ["role"] = "admin", ["jti"] = "x",
        }, expires: true);

        await Problem.AssertAsync(await With(forged).GetAsync("/api/directory/users"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Dashboard_CookieOnlyForValidAdminToken()
    {
        var reviewer = await SignInAsync("intake.officer1@example.org", ApprovalsAppFactory.DemoPassword);
        var (_, stale) = await NewReviewerAsync();
        var admin = await SignInAsync("admin@example.org", "admin1234");

        Assert.False((await app.Anonymous().GetAsync($"/hangfire?access_token={reviewer}")).Headers.Contains("Set-Cookie"));
        Assert.False((await app.Anonymous().GetAsync("/hangfire?access_token=not-a-token")).Headers.Contains("Set-Cookie"));
        Assert.False((await app.Anonymous().GetAsync($"/hangfire?access_token={stale}")).Headers.Contains("Set-Cookie"));
        var ok = await app.Anonymous().GetAsync($"/hangfire?access_token={admin}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains(ok.Headers.GetValues("Set-Cookie"), c => c.StartsWith("approvals_dashboard=", StringComparison.Ordinal));
    }

    private string Forge(Dictionary<string, object> claims, bool expires)
    {
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims, Issuer = "approvals", Audience = "approvals", IssuedAt = now, NotBefore = now,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ApprovalsAppFactory.SigningKey)),
                SecurityAlgorithms.HmacSha256),
        };
        if (expires) descriptor.Expires = now.AddHours(1);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}

public sealed class SessionTestsSqlite(SqliteApp app) : SessionTests(app), IClassFixture<SqliteApp>;

public sealed class SessionTestsPostgreSql(PostgreSqlApp app) : SessionTests(app), IClassFixture<PostgreSqlApp>;
