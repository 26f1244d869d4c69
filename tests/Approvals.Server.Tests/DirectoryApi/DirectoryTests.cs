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
}

public sealed class DirectoryTestsSqlite(SqliteApp app) : DirectoryTests(app), IClassFixture<SqliteApp>;

public sealed class DirectoryTestsPostgreSql(PostgreSqlApp app) : DirectoryTests(app), IClassFixture<PostgreSqlApp>;
