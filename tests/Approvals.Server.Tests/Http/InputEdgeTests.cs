using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Http;

/// <summary>What the API does with bodies, media types, duplicate keys, filters and retried requests, on each store.</summary>
public abstract class InputEdgeTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static readonly JsonObject Candidate = new()
    {
        ["candidateName"] = "Candidate A", ["nationalId"] = "900000001", ["position"] = "Police officer", ["riskScore"] = 20,
    };

    private async Task<string> StartVetting()
    {
        var client = await _app.ClientAsync("hr.officer@example.org");
        var response = await client.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = "Vetting", data = Candidate.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private static StringContent Raw(string text, string mediaType) => new(text, Encoding.UTF8, mediaType);

    private async Task<int> CaseCount() =>
        (await (await _app.ClientAsync("admin@example.org", "admin1234")).GetFromJsonAsync<JsonObject>("/api/cases?limit=200"))!["items"]!.AsArray().Count;

    [Fact]
    public async Task Withdraw_WithoutBodyOrContentType_Withdraws()
    {
        var id = await StartVetting();
        var client = await _app.ClientAsync("hr.officer@example.org");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{id}/withdraw");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Withdrawn", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
    }

    [Fact]
    public async Task AnonymousCalls_Get401_BeforeAnythingElse()
    {
        var id = await StartVetting();
        var anonymous = _app.Anonymous();
        await Problem.AssertAsync(await anonymous.PostAsync($"/api/cases/{id}/withdraw", null), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.PostAsync($"/api/cases/{id}/withdraw", Raw("x", "text/plain")), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.GetAsync("/api/no-such-thing"), HttpStatusCode.Unauthorized);
        var signedIn = await _app.ClientAsync("hr.officer@example.org");
        await Problem.AssertAsync(await signedIn.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bodies_OfAnotherMediaType_Get415_AndChangeNothing()
    {
        var client = await _app.ClientAsync("hr.officer@example.org");
        var json = """{"workflow": "personnel-vetting", "data": {"candidateName": "A", "nationalId": "1", "position": "P", "riskScore": 1}}""";
        var problem = await Problem.AssertAsync(await client.PostAsync("/api/cases", Raw(json, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Type", Problem.Fields(problem));
        await Problem.AssertAsync(await client.PostAsync("/api/cases", Raw(json, "application/x-www-form-urlencoded")), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await CaseCount());

        var designer = await _app.ClientAsync("designer@example.org");
        await Problem.AssertAsync(await designer.PutAsync("/api/workflows/plain-text", Raw("{}", "text/plain")), HttpStatusCode.UnsupportedMediaType);

        // application/json with a charset, and +json types, are JSON.
        var ok = await client.PostAsync("/api/cases", Raw(json, "application/json"));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }

    [Fact]
    public async Task DuplicateKeys_InCaseData_Get400_AndNothingIsStored()
    {
        var client = await _app.ClientAsync("hr.officer@example.org");
        var json = """{"workflow": "personnel-vetting", "data": {"candidateName": "A", "nationalId": "1", "position": "P", "riskScore": 10, "riskScore": 90}}""";
        var problem = await Problem.AssertAsync(await client.PostAsync("/api/cases", Raw(json, "application/json")), HttpStatusCode.BadRequest);
        Assert.Contains(Problem.Fields(problem), f => f is not null && f.Contains("riskScore", StringComparison.Ordinal));
        Assert.Equal(0, await CaseCount());
    }

    [Fact]
    public async Task DuplicateKeys_InDefinitions_Get400_NotA500()
    {
        var designer = await _app.ClientAsync("designer@example.org");
        var definition = await File.ReadAllTextAsync(Path.Combine(ApprovalsAppFactory.WorkflowsFolder, "document-review.json"));
        var duplicated = definition.Replace("\"name\":", "\"name\": \"first\", \"name\":", StringComparison.Ordinal);
        Assert.NotEqual(definition, duplicated);

        var saved = await designer.PutAsync("/api/workflows/duplicate-keys", Raw(duplicated, "application/json"));
        await Problem.AssertAsync(saved, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NotFound, (await designer.GetAsync("/api/workflows/duplicate-keys")).StatusCode);

        var validated = await designer.PostAsync("/api/workflows/validate", Raw(duplicated, "application/json"));
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.False((bool)(await validated.Content.ReadFromJsonAsync<JsonObject>())!["valid"]!);
    }

    [Fact]
    public async Task StatusFilter_WithSeveralNames_MeansExactlyThose()
    {
        var withdrawn = await StartVetting();
        var open = await StartVetting();
        var requester = await _app.ClientAsync("hr.officer@example.org");
        Assert.Equal(HttpStatusCode.OK, (await requester.PostAsync($"/api/cases/{withdrawn}/withdraw", null)).StatusCode);

        async Task<List<string>> Ids(string query) =>
            (await requester.GetFromJsonAsync<JsonObject>("/api/cases?" + query))!["items"]!.AsArray().Select(c => (string)c!["id"]!).ToList();

        Assert.Empty(await Ids("status=Approved,Rejected"));
        Assert.Equal([withdrawn], await Ids("status=Withdrawn"));
        Assert.Equal([open], await Ids("status=inprogress"));
        Assert.Equal(new[] { open, withdrawn }.Order(), (await Ids("status=Withdrawn,InProgress")).Order());
        foreach (var bad in new[] { "status=1", "status=Bogus", "status=Approved,,Rejected", "status=" })
            Assert.Contains("status", Problem.Fields(await Problem.AssertAsync(await requester.GetAsync("/api/cases?" + bad), HttpStatusCode.BadRequest)));
        var officer = await _app.ClientAsync("intake.officer1@example.org");
        Assert.Contains("status", Problem.Fields(await Problem.AssertAsync(await officer.GetAsync("/api/tasks?status=Open,Done"), HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task PagingParameters_OutOfRange_Get400_NeverOverflow()
    {
        var client = await _app.ClientAsync("intake.officer1@example.org");
        foreach (var (query, field) in new[]
                 {
                     ("/api/tasks?limit=0", "limit"), ("/api/tasks?limit=201", "limit"), ("/api/tasks?limit=99999999999", "limit"),
                     ("/api/tasks?limit=-2147483648", "limit"), ("/api/tasks?cursor=not-a-cursor", "cursor"),
                     ("/api/cases?page=0", "page"), ("/api/cases?page=2147483647", "page"), ("/api/cases?page=99999999999", "page"),
                     ("/api/cases?cursor=" + new string('A', 5000), "cursor"),
                 })
            Assert.Contains(field, Problem.Fields(await Problem.AssertAsync(await client.GetAsync(query), HttpStatusCode.BadRequest)));

        // A cursor that decodes but could not have ended a page: a time out of range, a field missing.
        static string Forged(string json) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));
        const string Id = "03a58951-5abe-82d9-b619-880f06bc943b";
        foreach (var query in new[]
                 {
                     "/api/tasks?cursor=" + Forged($$$"""{"list":"tasks","key":{"due":null,"created":-1,"id":"{{{Id}}}"}}"""),
                     "/api/tasks?cursor=" + Forged($$$"""{"list":"tasks","key":{"due":null,"created":9223372036854775807,"id":"{{{Id}}}"}}"""),
                     "/api/tasks?cursor=" + Forged($$$"""{"list":"tasks","key":{"due":-5,"created":0,"id":"{{{Id}}}"}}"""),
                     "/api/tasks?cursor=" + Forged("""{"list":"tasks","key":{}}"""),
                     "/api/tasks?cursor=" + Forged($$$"""{"list":"tasks","key":{"created":0,"id":"{{{Id}}}"}}"""),
                     "/api/cases?cursor=" + Forged($$$"""{"list":"cases","key":{"created":-1,"id":"{{{Id}}}"}}"""),
                     "/api/cases?cursor=" + Forged("""{"list":"cases","key":{"id":"00000000-0000-0000-0000-000000000000"}}"""),
                 })
            Assert.Contains("cursor", Problem.Fields(await Problem.AssertAsync(await client.GetAsync(query), HttpStatusCode.BadRequest)));

        // A cursor of one list is not a cursor of the other.
        for (var i = 0; i < 3; i++) await StartVetting();
        var first = (await client.GetFromJsonAsync<JsonObject>("/api/tasks?limit=1"))!;
        var next = (string)first["next"]!;
        Assert.Contains("cursor", Problem.Fields(await Problem.AssertAsync(await client.GetAsync("/api/cases?cursor=" + next), HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task IdempotencyKey_ReusedWithAnotherBody_Gets422_AndTheSameBodyGetsTheFirstAnswer()
    {
        var first = await StartVetting();
        var second = await StartVetting();
        var officer = await _app.ClientAsync("intake.officer1@example.org");
        var tasks = (await officer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray();
        var taskOf = (string caseId) => (string)tasks.Single(t => (string)t!["caseId"]! == caseId)!["id"]!;

        Task<HttpResponseMessage> Send(string task, string decision, string comment)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{task}/decision") { Content = JsonContent.Create(new { decision, comment }) };
            request.Headers.Add("Idempotency-Key", "retry-me-1");
            return officer.SendAsync(request);
        }

        var answer = await Send(taskOf(first), "approve", "Documents verified.");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var replay = await Send(taskOf(first), "approve", "Documents verified.");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(await answer.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());

        var otherBody = await Problem.AssertAsync(await Send(taskOf(first), "reject", "Documents verified."), (HttpStatusCode)422);
        Assert.Contains("Idempotency-Key", Problem.Fields(otherBody));
        await Problem.AssertAsync(await Send(taskOf(first), "approve", "Another comment."), (HttpStatusCode)422);
        await Problem.AssertAsync(await Send(taskOf(second), "approve", "Documents verified."), (HttpStatusCode)422);

        // Nothing was decided by the refused requests: the second case's identity task is still open.
        var still = (await officer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray();
        Assert.Contains(still, t => (string)t!["caseId"]! == second);
    }
}

public sealed class InputEdgeSqliteTests() : InputEdgeTests(StorageProvider.Sqlite);

public sealed class InputEdgePostgreSqlTests() : InputEdgeTests(StorageProvider.PostgreSql);
