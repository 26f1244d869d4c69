using System.Net;
using System.Net.Http.Json;
using Approvals.Server.Email;
using Approvals.Server.Tests.Infrastructure;
using static Approvals.Server.Tests.Email.EmailCases;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// A decision link only shows a page when opened (mail scanners open links); the POST from that page decides once,
/// as the link's person, through the same rules as the API. Every refusal is a clear page, changes nothing, and is
/// noted in the case's sealed history.
/// </summary>
public abstract class DecideByLinkTests(EmailAppFactory app)
{
    private static FormUrlEncodedContent Form(string token, string? comment = null) =>
        new(new Dictionary<string, string> { ["token"] = token, ["comment"] = comment ?? "" });

    private Task<HttpResponseMessage> PostAsync(string token, string? comment = null) =>
        app.Anonymous().PostAsync("/email/decide", Form(token, comment));

    [Fact]
    public async Task Get_OpenedByAScanner_ShowsThePageAndChangesNothing()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app, "Scanned <b>case</b>");
        var link = (await IssueAsync(app, taskId)).Approve;
        var path = new Uri(link).PathAndQuery;
        var version = await CaseVersionAsync(app, caseId);
        var client = app.Anonymous();

        var first = await client.GetAsync(path);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        var again = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var html = await again.Content.ReadAsStringAsync();
        Assert.Contains("Scanned &lt;b&gt;case&lt;/b&gt;", html);
        Assert.Contains("Identity and documents", html);
        Assert.Contains("<form method=\"post\" action=\"/email/decide\">", html);
        Assert.Contains("lang=\"en\" dir=\"ltr\"", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("no-store", again.Headers.CacheControl!.ToString());
        Assert.StartsWith("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'", again.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-referrer", again.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("noindex", again.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        Assert.Equal(version, await CaseVersionAsync(app, caseId));
    }

    [Fact]
    public async Task Post_FromThePage_DecidesOnceAndAReplayChangesNothing()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId)).Approve);

        var decided = await PostAsync(token, "Documents checked");
        var replay = await PostAsync(token, "Again");

        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Contains("Decision recorded", await decided.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
        var task = await TaskAsync(app, taskId);
        Assert.Equal(("Completed", "approve", Officer, "Documents checked"), (task.Status, task.Decision, task.DecidedBy, task.Comment));
        var audit = await AuditAsync(app, caseId);
        Assert.Equal("email-link", Via(audit.Single(a => a.Action == "TaskDecided" && a.TaskId == taskId)));
        Assert.Equal("used", Reason(audit.Single(a => a.Action == "EmailLinkRefused")));
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Fact]
    public async Task Post_UsedLinkPostedOverAndOver_EachRefusedButTheHistoryNotesOnlyTheFirstFew()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId)).Approve);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(token)).StatusCode);

        for (var i = 0; i < EmailDecider.MaxRefusalNotes + 5; i++)
            Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(token, "again " + i)).StatusCode);

        var audit = await AuditAsync(app, caseId);
        Assert.Equal(EmailDecider.MaxRefusalNotes, audit.Count(a => a.Action == "EmailLinkRefused"));
        Assert.Single(audit, a => a.Action == "TaskDecided" && a.TaskId == taskId);
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Fact]
    public async Task Post_ExpiredLink_GonePageAndNoted()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId)).Reject);
        app.Clock.Advance(TimeSpan.FromDays(8));

        var page = await app.Anonymous().GetAsync($"/email/decide?token={token}");
        var post = await PostAsync(token);

        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, post.StatusCode);
        Assert.Contains("expired", await post.Content.ReadAsStringAsync());
        Assert.Null((await TaskAsync(app, taskId)).Decision);
        Assert.Equal("expired", Reason((await AuditAsync(app, caseId)).Single(a => a.Action == "EmailLinkRefused")));
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Post_ForgedToken_NotFoundPageAndNothingChanges(string token)
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var version = await CaseVersionAsync(app, caseId);

        var get = await app.Anonymous().GetAsync($"/email/decide?token={token}");
        var post = await PostAsync(token);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Contains("not valid", await post.Content.ReadAsStringAsync());
        Assert.Contains("lang=\"en\"", await get.Content.ReadAsStringAsync());
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        Assert.Equal(version, await CaseVersionAsync(app, caseId));
    }

    [Fact]
    public async Task Post_TokenOfSomeoneNotOfferedTheTask_ForbiddenPageAndNoted()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId, "security.lead@example.org")).Approve);

        var post = await PostAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Contains("no longer allowed", await post.Content.ReadAsStringAsync());
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        Assert.Equal("not-entitled", Reason((await AuditAsync(app, caseId)).Single(a => a.Action == "EmailLinkRefused")));
    }

    [Fact]
    public async Task Post_AfterTheTaskWasDecidedInTheApi_ConflictPageAndNoted()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId)).Reject);
        var api = await (await app.ClientAsync("intake.officer2@example.org")).PostAsJsonAsync($"/api/tasks/{taskId}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        var post = await PostAsync(token);

        Assert.Equal(HttpStatusCode.Conflict, post.StatusCode);
        Assert.Contains("no longer open", await post.Content.ReadAsStringAsync());
        var task = await TaskAsync(app, taskId);
        Assert.Equal(("approve", "intake.officer2@example.org"), (task.Decision, task.DecidedBy));
        Assert.Equal("task-closed", Reason((await AuditAsync(app, caseId)).Single(a => a.Action == "EmailLinkRefused")));
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Fact]
    public async Task Post_UserDisabledAfterTheMail_ForbiddenPageAndNothingChanges()
    {
        var person = $"mail.{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var admin = await app.ClientAsync("admin@example.org", "admin1234");
        var user = new { displayName = "Mail Reviewer", password = "whatever-1234", roles = new[] { "reviewer" }, groups = new[] { "intake-officers" } };
        Assert.True((await admin.PutAsJsonAsync($"/api/directory/users/{person}", user)).IsSuccessStatusCode);
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId, person)).Approve);
        Assert.True((await admin.PutAsJsonAsync($"/api/directory/users/{person}", new
        {
            user.displayName, user.password, user.roles, user.groups, disabled = true,
        })).IsSuccessStatusCode);

        var post = await PostAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        Assert.Equal("not-entitled", Reason((await AuditAsync(app, caseId)).Single(a => a.Action == "EmailLinkRefused")));
    }

    [Fact]
    public async Task Post_TwiceAtOnce_DecidesOnce()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        var token = TokenOf((await IssueAsync(app, taskId)).Approve);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(token, "at once")));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Single(await AuditAsync(app, caseId), a => a.Action == "TaskDecided" && a.TaskId == taskId);
        Assert.True(await AuditHoldsAsync(app, caseId));
    }
}

public sealed class DecideByLinkTestsSqlite(EmailSqliteApp app) : DecideByLinkTests(app), IClassFixture<EmailSqliteApp>;

public sealed class DecideByLinkTestsPostgreSql(EmailPostgreSqlApp app) : DecideByLinkTests(app), IClassFixture<EmailPostgreSqlApp>;
