using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.DirectoryApi;

public abstract class DirectoryTests(ApprovalsAppFactory app)
{
    private Task<HttpClient> Admin() => app.ClientAsync("admin@example.org", "admin1234");

    private static async Task<JsonObject?> FindUser(HttpClient admin, string email) =>
        (await admin.GetFromJsonAsync<JsonArray>("/api/directory/users"))!
        .Select(u => u!.AsObject()).FirstOrDefault(u => (string?)u["email"] == email);

    [Fact]
    public async Task PutUser_New_CanSignInAndIsListedWithoutPassword()
    {
        var admin = await Admin();
        var response = await admin.PutAsJsonAsync("/api/directory/users/New.Reviewer@Example.org", new
        {
            displayName = "New Reviewer", password = "secret-123", roles = new[] { "reviewer" },
            manager = "director@example.org", groups = new[] { "finance" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var listed = await FindUser(admin, "new.reviewer@example.org");
        Assert.NotNull(listed);
        Assert.Equal("New Reviewer", (string?)listed["displayName"]);
        Assert.Equal("director@example.org", (string?)listed["manager"]);
        Assert.Equal(["reviewer"], listed["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(["finance"], listed["groups"]!.AsArray().Select(r => (string?)r));
        Assert.Null(listed["passwordHash"]);
        var raw = await admin.GetStringAsync("/api/directory/users");
        Assert.DoesNotContain("password", raw, StringComparison.OrdinalIgnoreCase);

        var groups = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/groups"))!;
        var finance = groups.Single(g => (string?)g!["name"] == "finance")!;
        Assert.Contains("new.reviewer@example.org", finance["members"]!.AsArray().Select(m => (string?)m));

        await app.ClientAsync("new.reviewer@example.org", "secret-123");
    }

    [Fact]
    public async Task PutUser_UpdateWithoutPassword_KeepsPassword()
    {
        var admin = await Admin();
        await admin.PutAsJsonAsync("/api/directory/users/keeper@example.org",
            new { displayName = "Keeper", password = "first-pass", roles = new[] { "requester" } });

        var response = await admin.PutAsJsonAsync("/api/directory/users/keeper@example.org",
            new { displayName = "Keeper Renamed", roles = new[] { "requester", "reviewer" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var listed = (await FindUser(admin, "keeper@example.org"))!;
        Assert.Equal("Keeper Renamed", (string?)listed["displayName"]);
        Assert.Equal(2, listed["roles"]!.AsArray().Count);
        await app.ClientAsync("keeper@example.org", "first-pass");
    }

    [Fact]
    public async Task PutUser_Invalid_BadRequestNamingEveryFieldAndSavesNothing()
    {
        var admin = await Admin();
        var response = await admin.PutAsJsonAsync("/api/directory/users/broken@example.org", new
        {
            displayName = "Broken", roles = new[] { "reviewer", "superuser" }, manager = "ghost@example.org", groups = new[] { "no-such-group" },
        });

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        var fields = Problem.Fields(problem).ToList();
        Assert.Contains("password", fields);
        Assert.Contains("roles[1]", fields);
        Assert.Contains("manager", fields);
        Assert.Contains("groups[0]", fields);
        Assert.Null(await FindUser(admin, "broken@example.org"));
    }

    [Fact]
    public async Task PutUser_NotAnEmail_BadRequestNamingEmail()
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(
            await admin.PutAsJsonAsync("/api/directory/users/not-an-email", new { password = "whatever-123", roles = new[] { "reviewer" } }),
            HttpStatusCode.BadRequest);

        Assert.Contains("email", Problem.Fields(problem));
    }

    [Fact]
    public async Task PutGroup_NewGroup_ListedWithMembers()
    {
        var admin = await Admin();
        var response = await admin.PutAsJsonAsync("/api/directory/groups/auditors",
            new { displayName = "Auditors", members = new[] { "legal@example.org", "Editor@example.org" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var groups = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/groups"))!;
        var auditors = groups.Single(g => (string?)g!["name"] == "auditors")!;
        Assert.Equal("Auditors", (string?)auditors["displayName"]);
        Assert.Equal(["editor@example.org", "legal@example.org"], auditors["members"]!.AsArray().Select(m => (string?)m));
    }

    [Fact]
    public async Task PutGroup_UnknownMember_BadRequestNamingMember()
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(
            await admin.PutAsJsonAsync("/api/directory/groups/ghosts", new { members = new[] { "legal@example.org", "ghost@example.org" } }),
            HttpStatusCode.BadRequest);

        Assert.Equal(["members[1]"], Problem.Fields(problem));
    }

    [Fact]
    public async Task ListGroups_DemoDirectory_HasGroupsWithMembers()
    {
        var admin = await Admin();
        var groups = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/groups"))!;

        var board = groups.Single(g => (string?)g!["name"] == "vetting-board")!;
        Assert.Equal(3, board["members"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("Mallory\u202Egnp.exe")]   // right-to-left override
    [InlineData("Ad\u200Bmin")]            // zero-width space
    [InlineData("Line\nbreak")]            // control
    [InlineData("\u2067Isolate\u2069")]   // bidirectional isolate
    public async Task PutUser_DisplayNameWithHiddenCharacters_BadRequestNamingDisplayName(string displayName)
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(
            await admin.PutAsJsonAsync("/api/directory/users/hidden.name@example.org", new { displayName, password = "whatever-123", roles = new[] { "reviewer" } }),
            HttpStatusCode.BadRequest);

        Assert.Equal(["displayName"], Problem.Fields(problem));
        Assert.Null(await FindUser(admin, "hidden.name@example.org"));
    }

    [Fact]
    public async Task PutUser_EmailWithZeroWidthCharacter_BadRequestNamingEmail()
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(
            await admin.PutAsJsonAsync("/api/directory/users/admin%E2%80%8D@example.org", new { password = "whatever-123", roles = new[] { "admin" } }),
            HttpStatusCode.BadRequest);

        Assert.Equal(["email"], Problem.Fields(problem));
    }

    [Fact]
    public async Task PutGroup_MemberWithBidiOverride_BadRequestNamingMember()
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(
            await admin.PutAsJsonAsync("/api/directory/groups/spoofed", new { members = new[] { "legal@example.org", "\u202Elegal@example.org" } }),
            HttpStatusCode.BadRequest);

        Assert.Equal(["members[1]"], Problem.Fields(problem));
    }

    [Fact]
    public async Task IssueToken_EmailWithControlCharacter_BadRequestNamingEmail()
    {
        var problem = await Problem.AssertAsync(
            await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "admin@example.org\u0000", password = "admin1234" }),
            HttpStatusCode.BadRequest);

        Assert.Equal(["email"], Problem.Fields(problem));
    }

    [Fact]
    public async Task PutUser_NonLatinDisplayName_Accepted()
    {
        var admin = await Admin();
        var response = await admin.PutAsJsonAsync("/api/directory/users/arabic.name@example.org",
            new { displayName = "\u0645\u062D\u0645\u062F \u0639\u0644\u064A", password = "whatever-123", roles = new[] { "reviewer" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PutUser_Disabled_ListedAsDisabled()
    {
        var admin = await Admin();
        await admin.PutAsJsonAsync("/api/directory/users/leaver@example.org", new { password = "whatever-123", roles = new[] { "reviewer" } });

        await admin.PutAsJsonAsync("/api/directory/users/leaver@example.org", new { disabled = true });

        Assert.True((bool)(await FindUser(admin, "leaver@example.org"))!["disabled"]!);
    }

    [Fact]
    public async Task DeleteUser_Unknown_NotFound()
    {
        await Problem.AssertAsync(await (await Admin()).DeleteAsync("/api/directory/users/nobody.here@example.org"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteUser_WhoIsSomeonesManager_ConflictAndKept()
    {
        var admin = await Admin();
        var problem = await Problem.AssertAsync(await admin.DeleteAsync("/api/directory/users/director@example.org"), HttpStatusCode.Conflict);

        Assert.Contains("finance.officer@example.org", (string?)problem["detail"]);
        Assert.NotNull(await FindUser(admin, "director@example.org"));
    }

    [Fact]
    public async Task DeleteUser_Existing_GoneFromUsersAndGroups()
    {
        var admin = await Admin();
        await admin.PutAsJsonAsync("/api/directory/users/gone@example.org", new { password = "whatever-123", roles = new[] { "reviewer" }, groups = new[] { "finance" } });

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/directory/users/gone@example.org")).StatusCode);

        Assert.Null(await FindUser(admin, "gone@example.org"));
        var groups = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/groups"))!;
        Assert.DoesNotContain("gone@example.org", groups.Single(g => (string?)g!["name"] == "finance")!["members"]!.AsArray().Select(m => (string?)m));
        await Problem.AssertAsync(await app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "gone@example.org", password = "whatever-123" }),
            HttpStatusCode.Unauthorized);
    }
}

public sealed class DirectoryTestsSqlite(SqliteApp app) : DirectoryTests(app), IClassFixture<SqliteApp>;

public sealed class DirectoryTestsPostgreSql(PostgreSqlApp app) : DirectoryTests(app), IClassFixture<PostgreSqlApp>;
