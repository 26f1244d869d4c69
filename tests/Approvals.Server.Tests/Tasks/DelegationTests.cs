using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Tasks;

/// <summary>A task is handed on only to someone who may decide it; anyone else would leave it stranded.</summary>
public abstract class DelegationTests(ApprovalsAppFactory app)
{
    private static readonly object Candidate = new { candidateName = "Candidate D", nationalId = "900000009", position = "Clerk", riskScore = 10 };

    /// <summary>A vetting case started by <paramref name="requester"/>, and its identity task as intake.officer1 sees it.</summary>
    private async Task<string> IdentityTaskAsync(string requester = "hr.officer@example.org")
    {
        var started = await (await app.ClientAsync(requester)).PostAsJsonAsync("/api/cases",
            new { workflow = "personnel-vetting", title = "Delegation", data = Candidate });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var caseId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var tasks = (await (await app.ClientAsync("intake.officer1@example.org")).GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray();
        return (string)tasks.Single(t => (string?)t!["caseId"] == caseId && (string?)t!["activityId"] == "identity")!["id"]!;
    }

    private async Task<HttpResponseMessage> DelegateAsync(string taskId, string to) =>
        await (await app.ClientAsync("intake.officer1@example.org")).PostAsJsonAsync($"/api/tasks/{taskId}/delegate", new { to });

    [Theory]
    [InlineData("nobody.at.all@example.org")]   // not in the directory
    [InlineData("employee@example.org")]        // a requester only: could never decide
    [InlineData("designer@example.org")]        // a designer only
    public async Task Delegate_ToSomeoneWhoCannotDecide_BadRequestNamingTo(string to)
    {
        var task = await IdentityTaskAsync();

        var problem = await Problem.AssertAsync(await DelegateAsync(task, to), HttpStatusCode.BadRequest);

        Assert.Equal(["to"], Problem.Fields(problem));
    }

    [Fact]
    public async Task Delegate_ToDisabledReviewer_BadRequestNamingTo()
    {
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        await admin.PutAsJsonAsync("/api/directory/users/away.reviewer@example.org",
            new { password = "whatever-123", roles = new[] { "reviewer" }, disabled = true });
        var task = await IdentityTaskAsync();

        var problem = await Problem.AssertAsync(await DelegateAsync(task, "away.reviewer@example.org"), HttpStatusCode.BadRequest);

        Assert.Equal(["to"], Problem.Fields(problem));
    }

    [Fact]
    public async Task Delegate_ToTheCasesRequesterWhoIsAlsoAReviewer_BadRequestNamingTo()
    {
        var task = await IdentityTaskAsync(requester: "intake.officer2@example.org");

        var problem = await Problem.AssertAsync(await DelegateAsync(task, "intake.officer2@example.org"), HttpStatusCode.BadRequest);

        Assert.Equal(["to"], Problem.Fields(problem));
    }

    [Fact]
    public async Task Delegate_ToAnEnabledReviewer_AssignedToThem()
    {
        var task = await IdentityTaskAsync();

        var response = await DelegateAsync(task, "Security.Lead@example.org");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("security.lead@example.org", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["assignee"]);
    }
}

public sealed class DelegationTestsSqlite(SqliteApp app) : DelegationTests(app), IClassFixture<SqliteApp>;

public sealed class DelegationTestsPostgreSql(PostgreSqlApp app) : DelegationTests(app), IClassFixture<PostgreSqlApp>;
