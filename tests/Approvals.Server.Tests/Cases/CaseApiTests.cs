using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Cases;

/// <summary>Cases and tasks driven through the HTTP API only, as a client would, on each store.</summary>
public abstract class CaseApiTests(StorageProvider provider) : IAsyncLifetime
{
    protected ApprovalsAppFactory App { get; } = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();

    protected static readonly JsonObject Candidate = new()
    {
        ["candidateName"] = "Candidate A", ["nationalId"] = "900000001", ["position"] = "Police officer", ["riskScore"] = 80,
    };

    protected async Task<JsonObject> StartVetting(string requester = "hr.officer@example.org", JsonObject? data = null)
    {
        var client = await App.ClientAsync(requester);
        var response = await client.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = "Vetting of candidate A", data = data ?? Candidate.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    protected async Task<JsonObject> GetCase(string caseId, string who = "hr.officer@example.org")
    {
        var client = await App.ClientAsync(who);
        return (await client.GetFromJsonAsync<JsonObject>($"/api/cases/{caseId}"))!;
    }

    /// <summary>The open task of <paramref name="activityId"/> in the reviewer's own inbox.</summary>
    protected async Task<string?> InboxTask(string reviewer, string caseId, string activityId)
    {
        var client = await App.ClientAsync(reviewer);
        var tasks = (await client.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=200"))!["items"]!.AsArray();
        return tasks.Select(t => t!.AsObject())
            .FirstOrDefault(t => (string?)t["caseId"] == caseId && (string?)t["activityId"] == activityId)?["id"]?.GetValue<string>();
    }

    protected async Task<HttpResponseMessage> Decide(string reviewer, string taskId, string decision, string? key = null)
    {
        var client = await App.ClientAsync(reviewer);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{taskId}/decision")
        {
            Content = JsonContent.Create(new { decision, comment = $"{decision} by {reviewer}" }),
        };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    protected async Task Approve(string reviewer, string caseId, string activityId)
    {
        var task = await InboxTask(reviewer, caseId, activityId);
        Assert.True(task is not null, $"{reviewer} has no open '{activityId}' task on case {caseId}.");
        var response = await Decide(reviewer, task, "approve");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    protected async Task<string> ToBoard(string caseId)
    {
        await Approve("intake.officer1@example.org", caseId, "identity");
        await Approve("records.officer@example.org", caseId, "criminal");
        foreach (var s in new[] { "screener1", "screener2", "screener3" }) await Approve($"{s}@example.org", caseId, "affiliations");
        await Approve("liaison@example.org", caseId, "references");
        await Approve("security.lead@example.org", caseId, "security");
        return caseId;
    }

    private static async Task<List<string>> AuditActions(HttpClient client, string caseId) =>
        (await client.GetFromJsonAsync<JsonArray>($"/api/cases/{caseId}/audit"))!.Select(a => (string)a!["action"]!).ToList();

    [Fact]
    public async Task Vetting_EveryStageApproves_CaseIsApprovedAndAudited()
    {
        var id = (string)(await StartVetting())["id"]!;
        await ToBoard(id);
        Assert.Equal(["board"], (await GetCase(id))["activeActivities"]!.AsArray().Select(a => (string)a!).ToArray());
        await Approve("board.chair@example.org", id, "board");
        await Approve("board.member1@example.org", id, "board");

        var done = await GetCase(id);
        Assert.Equal("Approved", (string)done["status"]!);
        Assert.Equal("Approved", (string)done["outcome"]!);
        Assert.Empty(done["openTasks"]!.AsArray());
        Assert.Null(await InboxTask("board.member2@example.org", id, "board"));

        var audit = (await (await App.ClientAsync("hr.officer@example.org")).GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
        Assert.Equal("CaseStarted", (string)audit[0]!["action"]!);
        var completed = audit.Single(a => (string)a!["action"]! == "CaseCompleted")!;
        Assert.Equal("system", (string)completed["actor"]!);
        Assert.Equal("Approved", (string)completed["details"]!["outcome"]!);
        Assert.Contains(audit, a => (string)a!["action"]! == "TaskCancelled"); // the third board member's vote was not needed
    }

    [Fact]
    public async Task AuditChain_Verifies_AndAChangedRowIsDetected()
    {
        var id = (string)(await StartVetting())["id"]!;
        await Approve("intake.officer1@example.org", id, "identity");
        var requester = await App.ClientAsync("hr.officer@example.org");
        var verdict = (await requester.GetFromJsonAsync<JsonObject>($"/api/cases/{id}/audit/verify"))!;
        Assert.True((bool)verdict["valid"]!);

        // Someone with database access rewrites who decided the identity check.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var caseId = Guid.Parse(id);
            await db.Audit.Where(a => a.CaseId == caseId && a.Action == "TaskDecided")
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Actor, "someone.else@example.org"));
        }
        verdict = (await requester.GetFromJsonAsync<JsonObject>($"/api/cases/{id}/audit/verify"))!;
        Assert.False((bool)verdict["valid"]!);
        Assert.NotNull(verdict["firstBrokenSeq"]);
    }

    [Fact]
    public async Task Vetting_LowRisk_SkipsTheSecurityReview()
    {
        var data = Candidate.DeepClone().AsObject();
        data["riskScore"] = 10;
        var id = (string)(await StartVetting(data: data))["id"]!;
        await Approve("intake.officer1@example.org", id, "identity");
        await Approve("records.officer@example.org", id, "criminal");
        foreach (var s in new[] { "screener1", "screener2", "screener3" }) await Approve($"{s}@example.org", id, "affiliations");
        await Approve("liaison@example.org", id, "references");
        Assert.Equal(["board"], (await GetCase(id))["activeActivities"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    [Fact]
    public async Task Affiliations_OneScreenerRejects_CaseIsRejectedAndEverythingOpenIsCancelled()
    {
        var id = (string)(await StartVetting())["id"]!;
        await Approve("intake.officer1@example.org", id, "identity");
        await Approve("screener1@example.org", id, "affiliations");
        var task = await InboxTask("screener2@example.org", id, "affiliations");
        Assert.Equal(HttpStatusCode.OK, (await Decide("screener2@example.org", task!, "reject")).StatusCode);

        var done = await GetCase(id);
        Assert.Equal("Rejected", (string)done["status"]!);
        Assert.Empty(done["openTasks"]!.AsArray());
        Assert.Null(await InboxTask("records.officer@example.org", id, "criminal"));
    }

    [Fact]
    public async Task Requester_InReviewerGroup_NeverGetsOrDecidesTheirOwnTask()
    {
        // intake.officer2 is both a requester and an intake officer.
        var id = (string)(await StartVetting("intake.officer2@example.org"))["id"]!;
        Assert.Null(await InboxTask("intake.officer2@example.org", id, "identity"));
        var task = await InboxTask("intake.officer1@example.org", id, "identity");
        Assert.NotNull(task);

        var own = await Decide("intake.officer2@example.org", task, "approve");
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Equal("application/problem+json", own.Content.Headers.ContentType?.MediaType);
        Assert.Equal("InProgress", (string)(await GetCase(id, "intake.officer2@example.org"))["status"]!);
    }

    [Fact]
    public async Task CaseView_IsForTheRequester_ThoseOfferedATaskThroughAGroup_AndAdministrators()
    {
        var id = (string)(await StartVetting())["id"]!;
        async Task<HttpStatusCode> View(string who, string caseId) =>
            (await (await App.ClientAsync(who, who == "admin@example.org" ? "admin1234" : "demo1234")).GetAsync($"/api/cases/{caseId}")).StatusCode;

        Assert.Equal(HttpStatusCode.OK, await View("hr.officer@example.org", id));
        // The identity check is offered to the intake officers' group: each of them sees the case before anyone claims it.
        Assert.Equal(HttpStatusCode.OK, await View("intake.officer1@example.org", id));
        Assert.Equal(HttpStatusCode.OK, await View("intake.officer2@example.org", id));
        Assert.Equal(HttpStatusCode.OK, await View("admin@example.org", id));
        Assert.Equal(HttpStatusCode.Forbidden, await View("records.officer@example.org", id));
        Assert.Equal(HttpStatusCode.Forbidden, await View("intake.supervisor@example.org", id));
        Assert.Equal(HttpStatusCode.Forbidden, await View("employee@example.org", id)); // in no group at all
        var missing = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NotFound, await View("intake.officer1@example.org", missing));
        Assert.Equal(HttpStatusCode.NotFound, await View("admin@example.org", missing));
        Assert.Equal("Vetting of candidate A", (string)(await GetCase(id, "intake.officer1@example.org"))["title"]!);

        // The case list holds the case for exactly those who may view it (the two reads spell the rule out separately).
        foreach (var who in new[] { "hr.officer@example.org", "intake.officer1@example.org", "admin@example.org", "records.officer@example.org", "employee@example.org" })
        {
            var client = await App.ClientAsync(who, who == "admin@example.org" ? "admin1234" : "demo1234");
            var listed = (await client.GetFromJsonAsync<JsonObject>("/api/cases?limit=200"))!["items"]!.AsArray().Any(c => (string?)c!["id"] == id);
            Assert.Equal(await View(who, id) == HttpStatusCode.OK, listed);
        }
    }

    [Fact]
    public async Task Decide_NotTheirTask_Is403AndChangesNothing()
    {
        var id = (string)(await StartVetting())["id"]!;
        var task = await InboxTask("intake.officer1@example.org", id, "identity");
        var response = await Decide("records.officer@example.org", task!, "approve");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(["identity"], (await GetCase(id))["activeActivities"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    [Fact]
    public async Task Decide_Twice_Is409_AndAnIdempotentRetryReturnsTheFirstAnswer()
    {
        var id = (string)(await StartVetting())["id"]!;
        var task = (await InboxTask("intake.officer1@example.org", id, "identity"))!;
        var first = await Decide("intake.officer1@example.org", task, "approve", key: "retry-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var retry = await Decide("intake.officer1@example.org", task, "approve", key: "retry-1");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());

        var again = await Decide("intake.officer1@example.org", task, "reject");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var audit = await AuditActions(await App.ClientAsync("hr.officer@example.org"), id);
        Assert.Single(audit, a => a == "TaskDecided");
    }

    [Fact]
    public async Task BadInput_GetsA400NamingTheField()
    {
        var client = await App.ClientAsync("hr.officer@example.org");
        var missing = await client.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = "x", data = new { nationalId = "1", position = "p" } });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var problem = (await missing.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["field"] == "data.candidateName");

        var unknown = await client.PostAsJsonAsync("/api/cases", new { workflow = "no-such-flow", data = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains((await unknown.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray(), e => (string?)e!["field"] == "workflow");

        var id = (string)(await StartVetting())["id"]!;
        var task = (await InboxTask("intake.officer1@example.org", id, "identity"))!;
        var bad = await Decide("intake.officer1@example.org", task, "maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains((await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray(), e => (string?)e!["field"] == "decision");

        var list = await client.GetFromJsonAsync<JsonObject>("/api/cases");
        Assert.Single(list!["items"]!.AsArray());
        Assert.Null(list["next"]);
    }

    [Fact]
    public async Task RequestChanges_ThenResubmit_ReturnsToTheStageThatAsked()
    {
        var id = (string)(await StartVetting())["id"]!;
        var task = (await InboxTask("intake.officer1@example.org", id, "identity"))!;
        Assert.Equal(HttpStatusCode.OK, (await Decide("intake.officer1@example.org", task, "request-changes")).StatusCode);
        Assert.Equal("ChangesRequested", (string)(await GetCase(id))["status"]!);

        var requester = await App.ClientAsync("hr.officer@example.org");
        var data = Candidate.DeepClone().AsObject();
        data["nationalId"] = "900000002";
        var resubmit = await requester.PostAsJsonAsync($"/api/cases/{id}/resubmit", new { data });
        Assert.Equal(HttpStatusCode.OK, resubmit.StatusCode);
        var after = await GetCase(id);
        Assert.Equal("InProgress", (string)after["status"]!);
        Assert.Equal("900000002", (string)after["data"]!["nationalId"]!);
        var again = await InboxTask("intake.officer1@example.org", id, "identity");
        Assert.NotNull(again);
        Assert.NotEqual(task, again);

        var twice = await requester.PostAsJsonAsync($"/api/cases/{id}/resubmit", new { data });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Withdraw_ByRequester_CancelsOpenTasks_ByOthersIsForbidden()
    {
        var id = (string)(await StartVetting())["id"]!;
        var other = await App.ClientAsync("intake.officer1@example.org");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync($"/api/cases/{id}/withdraw", new { })).StatusCode);

        var requester = await App.ClientAsync("hr.officer@example.org");
        Assert.Equal(HttpStatusCode.OK, (await requester.PostAsJsonAsync($"/api/cases/{id}/withdraw", new { comment = "Candidate withdrew" })).StatusCode);
        var done = await GetCase(id);
        Assert.Equal("Withdrawn", (string)done["status"]!);
        Assert.Empty(done["openTasks"]!.AsArray());
        Assert.Null(await InboxTask("intake.officer1@example.org", id, "identity"));
    }

    [Fact]
    public async Task Claim_ThenOnlyTheClaimerDecides_AndDelegateHandsItOn()
    {
        var id = (string)(await StartVetting())["id"]!;
        var task = (await InboxTask("intake.officer1@example.org", id, "identity"))!;
        var officer1 = await App.ClientAsync("intake.officer1@example.org");
        var claimed = await officer1.PostAsync($"/api/tasks/{task}/claim", null);
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        Assert.Equal("intake.officer1@example.org", (string)(await claimed.Content.ReadFromJsonAsync<JsonObject>())!["assignee"]!);
        Assert.Equal(HttpStatusCode.Forbidden, (await Decide("intake.officer2@example.org", task, "approve")).StatusCode);

        var toRequester = await officer1.PostAsJsonAsync($"/api/tasks/{task}/delegate", new { to = "hr.officer@example.org" });
        Assert.Equal(HttpStatusCode.BadRequest, toRequester.StatusCode);
        var handed = await officer1.PostAsJsonAsync($"/api/tasks/{task}/delegate", new { to = "intake.supervisor@example.org" });
        Assert.Equal(HttpStatusCode.OK, handed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Decide("intake.supervisor@example.org", task, "approve")).StatusCode);
    }

    [Fact]
    public async Task RunningCase_StaysOnItsVersion_WhenANewVersionIsPublished()
    {
        var id = (string)(await StartVetting())["id"]!;
        Assert.Equal(1, (int)(await GetCase(id))["workflowVersion"]!);

        var designer = await App.ClientAsync("designer@example.org");
        // Version 2 of the vetting workflow: identity approval goes straight to the board.
        var vetting = (await designer.GetFromJsonAsync<JsonObject>("/api/workflows/personnel-vetting"))!;
        var v2 = (vetting["definition"] ?? vetting).DeepClone().AsObject();
        foreach (var c in v2["root"]!["connections"]!.AsArray())
            if ((string)c!["source"]!["activity"]! == "identity" && (string)c["source"]!["port"]! == "Approved")
                c["target"]!["activity"] = "board";
        v2["root"]!["activities"] = new JsonArray(v2["root"]!["activities"]!.AsArray()
            .Where(a => (string)a!["id"]! is not ("checks" or "criminal" or "affiliations" or "references" or "gathered" or "risk" or "security"))
            .Select(a => a!.DeepClone()).ToArray());
        v2["root"]!["connections"] = new JsonArray(v2["root"]!["connections"]!.AsArray()
            .Where(c => (string)c!["source"]!["activity"]! is not ("checks" or "criminal" or "affiliations" or "references" or "gathered" or "risk" or "security"))
            .Select(c => c!.DeepClone()).ToArray());
        var saved = await designer.PutAsJsonAsync("/api/workflows/personnel-vetting", v2);
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var published = await designer.PostAsync("/api/workflows/personnel-vetting/publish", null);
        Assert.Equal(2, (int)(await published.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);

        await Approve("intake.officer1@example.org", id, "identity");
        var old = await GetCase(id);
        Assert.Equal(1, (int)old["workflowVersion"]!);
        Assert.Contains("affiliations", old["activeActivities"]!.AsArray().Select(a => (string)a!));

        var id2 = (string)(await StartVetting())["id"]!;
        await Approve("intake.officer1@example.org", id2, "identity");
        var fresh = await GetCase(id2);
        Assert.Equal(2, (int)fresh["workflowVersion"]!);
        Assert.Equal(["board"], fresh["activeActivities"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    [Fact]
    public async Task QuorumVotes_AtTheSameInstant_AreEachCountedOnce()
    {
        var id = await ToBoard((string)(await StartVetting())["id"]!);
        var voters = new[] { "board.chair@example.org", "board.member1@example.org", "board.member2@example.org" };
        var tasks = new List<(string Voter, string Task)>();
        foreach (var v in voters) tasks.Add((v, (await InboxTask(v, id, "board"))!));
        var clients = new Dictionary<string, HttpClient>();
        foreach (var v in voters) clients[v] = await App.ClientAsync(v);

        using var go = new SemaphoreSlim(0);
        var votes = tasks.Select(async t =>
        {
            await go.WaitAsync();
            return await clients[t.Voter].PostAsJsonAsync($"/api/tasks/{t.Task}/decision", new { decision = "approve" });
        }).ToList();
        go.Release(voters.Length);
        var answers = await Task.WhenAll(votes);

        Assert.DoesNotContain(answers, a => (int)a.StatusCode >= 500);
        var ok = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        var conflicts = answers.Count(a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal(voters.Length, ok + conflicts);
        Assert.Equal(2, ok); // the quorum is two: the third vote finds the stage decided

        var done = await GetCase(id);
        Assert.Equal("Approved", (string)done["status"]!);
        var audit = await AuditActions(await App.ClientAsync("hr.officer@example.org"), id);
        Assert.Single(audit, a => a == "CaseCompleted");
        Assert.Equal(2, audit.Count(a => a == "TaskDecided") - 7); // identity 1, criminal 1, screeners 3, liaison 1, security 1

        // The history's times follow its order: a vote redone after another's is stamped when it ran, not when its
        // request arrived. (Mail lines carry the time the message went out, recorded with the round after it.)
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var caseId = Guid.Parse(id);
        var lines = (await db.Audit.AsNoTracking().Where(a => a.CaseId == caseId).ToListAsync())
            .Where(a => !a.Action.StartsWith("Email", StringComparison.Ordinal) && a.Action != "TemplateFailed").OrderBy(a => a.Seq).ToList();
        for (var i = 1; i < lines.Count; i++)
            Assert.True(lines[i].At >= lines[i - 1].At, $"line {lines[i].Seq} ({lines[i].Action}, {lines[i].At:O}) is earlier than line {lines[i - 1].Seq} ({lines[i - 1].Action}, {lines[i - 1].At:O})");
    }
}

public sealed class CaseApiSqliteTests() : CaseApiTests(StorageProvider.Sqlite);

public sealed class CaseApiPostgreSqlTests() : CaseApiTests(StorageProvider.PostgreSql);
