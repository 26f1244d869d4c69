using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;
using Approvals.Server.Tests.Workflows;

namespace Approvals.Server.Tests.DirectoryApi;

public abstract class OutOfOfficeTests(ApprovalsAppFactory app)
{
    private async Task<string> StartAsync(string key)
    {
        var designer = await app.ClientAsync("designer@example.org");
        await designer.PutAsJsonAsync($"/api/workflows/{key}", WorkflowTests.Simple(key));
        await designer.PostAsync($"/api/workflows/{key}/publish", null);
        var started = await (await app.ClientAsync("hr.officer@example.org")).PostAsJsonAsync("/api/cases", new { workflow = key, data = new { } });
        return (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private object Absence(string delegateTo, bool move = false) =>
        new { from = app.Clock.GetUtcNow().AddHours(-1), until = app.Clock.GetUtcNow().AddDays(5), @delegate = delegateTo, moveOpenTasks = move };

    [Fact]
    public async Task SetOutOfOffice_ByTheUser_NewTaskGoesToDelegateAndRecordShowsIt()
    {
        var editor = await app.ClientAsync("editor@example.org");
        var set = await editor.PutAsJsonAsync("/api/directory/users/editor@example.org/out-of-office", Absence("publisher@example.org"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        var id = await StartAsync("ooo-new");

        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        var view = (await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;
        Assert.Equal("publisher@example.org", (string)Assert.Single(view["openTasks"]!.AsArray())!["assignee"]!);
        var audit = (await admin.GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
        Assert.Contains(audit, a => (string?)a!["action"] == "TaskDelegated" && (string?)a["details"]!["reason"] == "out-of-office");
        var users = (await admin.GetFromJsonAsync<JsonArray>("/api/directory/users"))!;
        Assert.Equal("publisher@example.org", (string)users.Single(u => (string?)u!["email"] == "editor@example.org")!["outOfOffice"]!["delegate"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await editor.DeleteAsync("/api/directory/users/editor@example.org/out-of-office")).StatusCode);
    }

    [Fact]
    public async Task SetOutOfOffice_MoveOpenTasks_HandsOverAtOnceButNeverToTheRequester()
    {
        var id = await StartAsync("ooo-move");
        var admin = await app.ClientAsync("admin@example.org", "admin1234");

        var toRequester = await admin.PutAsJsonAsync("/api/directory/users/editor@example.org/out-of-office", Absence("hr.officer@example.org", move: true));
        var toPublisher = await admin.PutAsJsonAsync("/api/directory/users/editor@example.org/out-of-office", Absence("publisher@example.org", move: true));

        // The requester may not decide at all: refused as a delegate before anything is set.
        Assert.Equal(HttpStatusCode.BadRequest, toRequester.StatusCode);
        Assert.Equal(HttpStatusCode.OK, toPublisher.StatusCode);
        Assert.True((int)(await toPublisher.Content.ReadFromJsonAsync<JsonObject>())!["movedTasks"]! >= 1);
        var view = (await admin.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;
        Assert.Equal("publisher@example.org", (string)Assert.Single(view["openTasks"]!.AsArray())!["assignee"]!);
        await admin.DeleteAsync("/api/directory/users/editor@example.org/out-of-office");
    }

    [Fact]
    public async Task SetOutOfOffice_SomeoneElse_ForbiddenAndBadInputNamed()
    {
        var legal = await app.ClientAsync("legal@example.org");

        var other = await legal.PutAsJsonAsync("/api/directory/users/editor@example.org/out-of-office", Absence("publisher@example.org"));
        var self = await legal.PutAsJsonAsync("/api/directory/users/legal@example.org/out-of-office", new { until = "2020-01-01T00:00:00Z", @delegate = "legal@example.org" });

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        var fields = (await self.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray().Select(e => (string)e!["field"]!).ToList();
        Assert.Contains("until", fields);
        Assert.Contains("delegate", fields);
    }
}

public sealed class OutOfOfficeTestsSqlite(SqliteApp app) : OutOfOfficeTests(app), IClassFixture<SqliteApp>;

public sealed class OutOfOfficeTestsPostgreSql(PostgreSqlApp app) : OutOfOfficeTests(app), IClassFixture<PostgreSqlApp>;
