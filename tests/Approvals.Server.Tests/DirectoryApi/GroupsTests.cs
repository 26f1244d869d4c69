using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.DirectoryApi;

public abstract class GroupsTests(ApprovalsAppFactory app)
{
    private static async Task<List<JsonObject>> Items(HttpClient client, string query)
    {
        var body = (await client.GetFromJsonAsync<JsonObject>("/api/groups" + query))!;
        return body["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
    }

    [Fact]
    public async Task FindGroups_Designer_GetsGroupsByNameWithMemberCounts()
    {
        var designer = await app.ClientAsync("designer@example.org", "demo1234");

        var items = await Items(designer, "?limit=50");
        var names = items.Select(i => (string)i["name"]!).ToList();

        Assert.Contains("affiliation-screeners", names);
        Assert.Contains("vetting-board", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(items, i => Assert.Equal(["name", "displayName", "members"], i.Select(p => p.Key)));
        var screeners = items.Single(i => (string?)i["name"] == "affiliation-screeners");
        Assert.Equal(3, (int)screeners["members"]!);
    }

    [Fact]
    public async Task FindGroups_Admin_MaySearchToo()
    {
        var admin = await app.ClientAsync("admin@example.org", "admin1234");

        Assert.NotEmpty(await Items(admin, ""));
    }

    [Theory]
    [InlineData("?q=SCREEN", new[] { "affiliation-screeners" })]
    [InlineData("?q=intake", new[] { "intake-officers", "intake-supervisors" })]
    [InlineData("?q=nobody-at-all", new string[0])]
    public async Task FindGroups_Query_FiltersOnNameIgnoringCase(string query, string[] expected)
    {
        var designer = await app.ClientAsync("designer@example.org", "demo1234");

        var names = (await Items(designer, query)).Select(i => (string?)i["name"]);

        Assert.Equal(expected, names);
    }

    [Fact]
    public async Task FindGroups_Query_FiltersOnDisplayName()
    {
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        (await admin.PutAsJsonAsync("/api/directory/groups/night-desk", new { displayName = "Owls Of The Night Desk", members = Array.Empty<string>() })).EnsureSuccessStatusCode();
        var designer = await app.ClientAsync("designer@example.org", "demo1234");

        var items = await Items(designer, "?q=owls of");

        var only = Assert.Single(items);
        Assert.Equal("night-desk", (string?)only["name"]);
        Assert.Equal("Owls Of The Night Desk", (string?)only["displayName"]);
        Assert.Equal(0, (int)only["members"]!);
    }

    [Fact]
    public async Task FindGroups_LimitIsHonoured()
    {
        var designer = await app.ClientAsync("designer@example.org", "demo1234");

        Assert.Equal(2, (await Items(designer, "?limit=2")).Count);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=51")]
    [InlineData("?limit=-3")]
    public async Task FindGroups_LimitOutOfRange_BadRequestNamingLimit(string query)
    {
        var designer = await app.ClientAsync("designer@example.org", "demo1234");

        var problem = await Problem.AssertAsync(await designer.GetAsync("/api/groups" + query), HttpStatusCode.BadRequest);

        Assert.Equal(["limit"], Problem.Fields(problem));
    }

    [Fact]
    public async Task FindGroups_Reviewer_Forbidden()
    {
        var reviewer = await app.ClientAsync("screener1@example.org", "demo1234");

        var response = await reviewer.GetAsync("/api/groups");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task FindGroups_Anonymous_Unauthorized()
    {
        var response = await app.CreateClient().GetAsync("/api/groups");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class GroupsTestsSqlite(SqliteApp app) : GroupsTests(app), IClassFixture<SqliteApp>;

public sealed class GroupsTestsPostgreSql(PostgreSqlApp app) : GroupsTests(app), IClassFixture<PostgreSqlApp>;
