using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Http;

/// <summary>What an outside probe of the API found, kept found: each is a 400/409/Faulted, never a 500 or a quiet success.</summary>
public abstract class HostileInputTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<HttpClient> Admin() => _app.ClientAsync("admin@example.org", "admin1234");

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Vetting_WithoutRiskScore_IsRefused_SoTheSecurityReviewCannotBeSkipped()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var response = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title = "v", data = new { candidateName = "A", nationalId = "X1", position = "P" },
        });
        Assert.Contains("data.riskScore", Problem.Fields(await Problem.AssertAsync(response, HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("import('x') && true")]
    [InlineData("case.data.notThere")]
    [InlineData("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000) === 'timed-out'")]
    public async Task Condition_ThatCannotAnswerTrueOrFalse_FaultsTheCase_NeverA500(string condition)
    {
        var designer = await _app.ClientAsync("designer@example.org");
        var definition = new JsonObject
        {
            ["key"] = "hostile", ["name"] = "hostile",
            ["root"] = new JsonObject
            {
                ["type"] = "Flowchart",
                ["activities"] = JsonNode.Parse($$"""
                    [{"id": "start", "type": "Start"},
                     {"id": "check", "type": "Decision", "condition": {{System.Text.Json.JsonSerializer.Serialize(condition)}}},
                     {"id": "yes", "type": "End", "outcome": "Approved"},
                     {"id": "no", "type": "End", "outcome": "Rejected"}]
                    """),
                ["connections"] = JsonNode.Parse("""
                    [{"source": {"activity": "start", "port": "Done"}, "target": {"activity": "check", "port": "In"}},
                     {"source": {"activity": "check", "port": "True"}, "target": {"activity": "yes", "port": "In"}},
                     {"source": {"activity": "check", "port": "False"}, "target": {"activity": "no", "port": "In"}}]
                    """),
            },
        };
        Assert.True((await designer.PutAsJsonAsync("/api/workflows/hostile", definition)).IsSuccessStatusCode);
        Assert.True((await designer.PostAsync("/api/workflows/hostile/publish", null)).IsSuccessStatusCode);

        var hr = await _app.ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new { workflow = "hostile", title = "t", data = new { } });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var body = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Faulted", (string)body["status"]!);
        Assert.Equal("check", (string)body["fault"]!["activityId"]!);
        var withdrawn = await hr.PostAsync($"/api/cases/{body["id"]}/withdraw", null);
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
    }

    [Fact]
    public async Task Review_NamingSomeoneWhoMayNotDecide_NeverStrandsATaskWithThem()
    {
        var designer = await _app.ClientAsync("designer@example.org");
        var definition = JsonNode.Parse("""
            {"key": "to-a-requester", "name": "To a requester", "root": {"type": "Flowchart",
             "activities": [{"id": "start", "type": "Start"},
                            {"id": "review", "type": "Review", "assignees": {"users": ["hr.officer@example.org", "director@example.org"]}, "policy": {"mode": "all"}},
                            {"id": "yes", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"}],
             "connections": [{"source": {"activity": "start", "port": "Done"}, "target": {"activity": "review", "port": "In"}},
                             {"source": {"activity": "review", "port": "Approved"}, "target": {"activity": "yes", "port": "In"}},
                             {"source": {"activity": "review", "port": "Rejected"}, "target": {"activity": "no", "port": "In"}}]}}
            """)!;
        Assert.True((await designer.PutAsJsonAsync("/api/workflows/to-a-requester", definition)).IsSuccessStatusCode);
        Assert.True((await designer.PostAsync("/api/workflows/to-a-requester/publish", null)).IsSuccessStatusCode);

        var employee = await _app.ClientAsync("employee@example.org");
        var started = await employee.PostAsJsonAsync("/api/cases", new { workflow = "to-a-requester", title = "t", data = new { } });
        var body = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        var assignees = body["openTasks"]!.AsArray().Select(t => (string?)t!["assignee"]).ToList();
        Assert.Equal(["director@example.org"], assignees); // hr.officer holds only the requester role
        var audit = (await employee.GetFromJsonAsync<JsonArray>($"/api/cases/{body["id"]}/audit"))!;
        Assert.Contains(audit, a => (string)a!["action"]! == "AssigneesSkipped");
    }

    [Theory]
    [InlineData("t\u0000x")]
    [InlineData("\u202eevil")]
    [InlineData("zero\u200bwidth")]
    public async Task Titles_WithHiddenCharacters_Get400(string title)
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var response = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title, data = new { candidateName = "A", nationalId = "X1", position = "P", riskScore = 5 },
        });
        Assert.Contains("title", Problem.Fields(await Problem.AssertAsync(response, HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task Comments_WithHiddenCharacters_Get400_AndLineBreaksAreFine()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title = "v", data = new { candidateName = "A", nationalId = "X1", position = "P", riskScore = 5 },
        });
        var caseId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var officer = await _app.ClientAsync("intake.officer1@example.org");
        var task = (string)(await officer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray()
            .Single(t => (string)t!["caseId"]! == caseId)!["id"]!;

        var nul = await officer.PostAsJsonAsync($"/api/tasks/{task}/decision", new { decision = "approve", comment = "a\u0000b" });
        Assert.Contains("comment", Problem.Fields(await Problem.AssertAsync(nul, HttpStatusCode.BadRequest)));
        var bidi = await officer.PostAsJsonAsync($"/api/tasks/{task}/decision", new { decision = "approve", comment = "\u202eabc" });
        await Problem.AssertAsync(bidi, HttpStatusCode.BadRequest);
        var withdraw = await hr.PostAsJsonAsync($"/api/cases/{caseId}/withdraw", new { comment = "x\u0007" });
        await Problem.AssertAsync(withdraw, HttpStatusCode.BadRequest);

        var fine = await officer.PostAsJsonAsync($"/api/tasks/{task}/decision", new { decision = "approve", comment = "Checked.\nAll documents\tin order." });
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task PutUser_PathEmailWithSpaces_Gets400_AndDoesNotTouchTheRealUser()
    {
        var admin = await Admin();
        var response = await admin.PutAsJsonAsync("/api/directory/users/%20admin@example.org",
            new { displayName = "X", roles = new[] { "reviewer" }, password = "abcdefgh12" });
        Assert.Contains("email", Problem.Fields(await Problem.AssertAsync(response, HttpStatusCode.BadRequest)));
        Assert.Equal(HttpStatusCode.OK, (await (await Admin()).GetAsync("/api/directory/users")).StatusCode);
    }

    [Fact]
    public async Task PutUser_LastAdministratorLosingAdmin_Gets409()
    {
        var admin = await Admin();
        var demote = await admin.PutAsJsonAsync("/api/directory/users/admin@example.org", new { roles = new[] { "reviewer" } });
        await Problem.AssertAsync(demote, HttpStatusCode.Conflict);
        var disable = await admin.PutAsJsonAsync("/api/directory/users/admin@example.org", new { disabled = true });
        await Problem.AssertAsync(disable, HttpStatusCode.Conflict);

        // With a second administrator, the first may step down.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/directory/users/second.admin@example.org",
            new { displayName = "Second", roles = new[] { "admin" }, password = "a long password" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/directory/users/admin@example.org", new { roles = new[] { "reviewer" } })).StatusCode);
    }

    [Fact]
    public async Task Calendar_WithDuplicateKeys_Gets400_NotA500()
    {
        var admin = await Admin();
        var response = await admin.PutAsync("/api/calendars/dup", Json("""
            {"timeZone": "UTC", "timeZone": "Asia/Gaza", "workingDays": ["Monday"], "workingHours": {"start": "08:00", "end": "16:00"}}
            """));
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }
}

public sealed class HostileInputSqliteTests() : HostileInputTests(StorageProvider.Sqlite);

public sealed class HostileInputPostgreSqlTests() : HostileInputTests(StorageProvider.PostgreSql);
