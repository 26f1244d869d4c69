using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.DirectoryApi;

public abstract class PeopleTests(ApprovalsAppFactory app)
{
    private static async Task<List<JsonObject>> Items(HttpClient client, string query)
    {
        var body = (await client.GetFromJsonAsync<JsonObject>("/api/people" + query))!;
        return body["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
    }

    [Fact]
    public async Task FindPeople_Reviewer_GetsEnabledReviewersOnlyByDisplayNameWithEmailAndName()
    {
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        await admin.PutAsJsonAsync("/api/directory/users/gone.reviewer@example.org",
            new { displayName = "Gone Reviewer", password = "whatever-123", roles = new[] { "reviewer" }, disabled = true });
        var reviewer = await app.ClientAsync("screener1@example.org", "demo1234");

        var items = await Items(reviewer, "?limit=50");
        var emails = items.Select(i => (string?)i["email"]).ToList();

        Assert.Contains("screener2@example.org", emails);
        Assert.Contains("hr.manager@example.org", emails);       // requester and reviewer
        Assert.Contains("admin@example.org", emails);            // administrators may decide too
        Assert.DoesNotContain("hr.officer@example.org", emails); // requester only
        Assert.DoesNotContain("designer@example.org", emails);
        Assert.DoesNotContain("gone.reviewer@example.org", emails);
        var names = items.Select(i => (string)i["displayName"]!).ToList();
        Assert.Equal(names.Order(StringComparer.OrdinalIgnoreCase), names);
        Assert.All(items, i => Assert.Equal(["email", "displayName"], i.Select(p => p.Key)));
    }

    [Fact]
    public async Task FindPeople_Requester_MaySearchToo()
    {
        var requester = await app.ClientAsync("hr.officer@example.org", "demo1234");

        var items = await Items(requester, "?q=board");

        Assert.Equal(3, items.Count);
    }

    [Theory]
    [InlineData("?q=SCREENER", new[] { "screener1@example.org", "screener2@example.org", "screener3@example.org" })]
    [InlineData("?q=lucia", new[] { "legal@example.org" })]                 // display name
    [InlineData("?q=Finance.O", new[] { "finance.officer@example.org" })]    // email
    [InlineData("?q=nobody-at-all", new string[0])]
    public async Task FindPeople_Query_FiltersOnEmailOrDisplayNameIgnoringCase(string query, string[] expected)
    {
        var reviewer = await app.ClientAsync("screener1@example.org", "demo1234");

        var emails = (await Items(reviewer, query)).Select(i => (string?)i["email"]).Order(StringComparer.Ordinal);

        Assert.Equal(expected, emails);
    }

    [Fact]
    public async Task FindPeople_NoLimit_AtMostTwenty_AndLimitIsHonoured()
    {
        var reviewer = await app.ClientAsync("screener1@example.org", "demo1234");

        Assert.Equal(20, (await Items(reviewer, "")).Count);
        Assert.Equal(2, (await Items(reviewer, "?limit=2")).Count);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=51")]
    [InlineData("?limit=-3")]
    public async Task FindPeople_LimitOutOfRange_BadRequestNamingLimit(string query)
    {
        var reviewer = await app.ClientAsync("screener1@example.org", "demo1234");

        var problem = await Problem.AssertAsync(await reviewer.GetAsync("/api/people" + query), HttpStatusCode.BadRequest);

        Assert.Equal(["limit"], Problem.Fields(problem));
    }

    [Fact]
    public async Task FindPeople_Anonymous_Unauthorized()
    {
        var response = await app.CreateClient().GetAsync("/api/people");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class PeopleTestsSqlite(SqliteApp app) : PeopleTests(app), IClassFixture<SqliteApp>;

public sealed class PeopleTestsPostgreSql(PostgreSqlApp app) : PeopleTests(app), IClassFixture<PostgreSqlApp>;
