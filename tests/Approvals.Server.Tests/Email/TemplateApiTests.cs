using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Email;

/// <summary><c>/api/templates</c>: reading, saving with parse errors by line and column, previews, and who may.</summary>
public abstract class TemplateApiTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<HttpClient> Designer() => _app.ClientAsync("designer@example.org");

    [Fact]
    public async Task ListTemplates_ShowsEveryBuiltInName_WithItsDefault()
    {
        var list = (await (await Designer()).GetFromJsonAsync<JsonArray>("/api/templates"))!;
        var names = list.Select(t => (string)t!["name"]!).ToList();
        foreach (var name in new[] { "task-assigned", "task-reminder", "task-overdue", "task-escalated", "changes-requested", "case-approved", "case-rejected", "reply-refused" })
            Assert.Contains(name, names);
        Assert.All(list, t => Assert.False((bool)t!["saved"]!));
    }

    [Fact]
    public async Task PreviewTemplate_WithoutData_RendersTheSampleVettingTask()
    {
        var response = await (await Designer()).PostAsJsonAsync("/api/templates/task-assigned/preview", new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mail = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Task: Identity check — Vetting: Candidate B (Border guard)", (string)mail["subject"]!);
        Assert.Contains("token=sample-approve", (string)mail["html"]!, StringComparison.Ordinal);
        Assert.Contains("Ines Intake", (string)mail["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewTemplate_WithData_UsesIt_Escaped()
    {
        var response = await (await Designer()).PostAsJsonAsync("/api/templates/case-approved/preview",
            new { data = new { @case = new { title = "<i>Chairs</i>", url = "https://x.example/cases/1" } } });
        var mail = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Approved: <i>Chairs</i>", (string)mail["subject"]!);
        Assert.Contains("&lt;i&gt;Chairs&lt;/i&gt;", (string)mail["html"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutTemplate_ParseErrors_Are400WithFieldLineAndColumn_AndNothingIsSaved()
    {
        var designer = await Designer();
        var response = await designer.PutAsJsonAsync("/api/templates/task-assigned",
            new { name = "task-assigned", subject = "Hi {{ this.case.title + }}", html = "<p>\n{{ for x in }}</p>", text = "fine" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray();
        Assert.True(errors.Any(e => (string)e!["field"]! == "subject" && (int)e["line"]! == 1 && (int)e["column"]! > 1), errors.ToJsonString());
        Assert.True(errors.Any(e => (string)e!["field"]! == "html" && (int)e["line"]! == 2), errors.ToJsonString());
        Assert.DoesNotContain(errors, e => (string)e!["field"]! == "text");
        var stored = (await designer.GetFromJsonAsync<JsonObject>("/api/templates/task-assigned"))!;
        Assert.False((bool)stored["saved"]!);
    }

    [Fact]
    public async Task PutTemplate_Saved_IsReadBack_AndDeleteGoesBackToTheDefault()
    {
        var designer = await Designer();
        var put = await designer.PutAsJsonAsync("/api/templates/board-summary",
            new { name = "board-summary", subject = "Board: {{ this.case.title }}", html = "<p>{{ this.case.title }}</p>", text = "{{ this.case.title }}" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = (await designer.GetFromJsonAsync<JsonObject>("/api/templates/board-summary"))!;
        Assert.True((bool)saved["saved"]!);
        Assert.Equal("designer@example.org", (string)saved["updatedBy"]!);
        Assert.Contains("board-summary", (await designer.GetFromJsonAsync<JsonArray>("/api/templates"))!.Select(t => (string)t!["name"]!));

        Assert.Equal(HttpStatusCode.OK, (await designer.DeleteAsync("/api/templates/board-summary")).StatusCode);
        var back = (await designer.GetFromJsonAsync<JsonObject>("/api/templates/board-summary"))!;
        Assert.False((bool)back["saved"]!);
        Assert.Contains("event.subject", (string)back["subject"]!, StringComparison.Ordinal); // the generic notification
    }

    [Fact]
    public async Task PreviewTemplate_LoopBomb_Is400Fast_WithLineAndColumn()
    {
        var designer = await Designer();
        var watch = Stopwatch.StartNew();
        var response = await designer.PostAsJsonAsync("/api/templates/task-assigned/preview",
            new { text = "ok\n{{ for i in 1..100000000 }}{{ i }}{{ end }}" });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray().Single()!;
        Assert.Equal("text", (string)error["field"]!);
        Assert.Equal(2, (int)error["line"]!);
        Assert.Contains("LoopLimit", (string)error["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_TemplateRoutes_AndErrorsWithLineAndColumn_AreDocumented()
    {
        var doc = JsonNode.Parse(await _app.Anonymous().GetStringAsync("/openapi/v1.json"))!;
        var put = doc["paths"]!["/api/templates/{name}"]!["put"]!;
        Assert.Equal("PutTemplate", (string)put["operationId"]!);
        Assert.Equal("#/components/schemas/Problem", (string?)put["responses"]!["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
        Assert.NotNull(doc["paths"]!["/api/templates/{name}/preview"]!["post"]);
        var error = doc["components"]!["schemas"]!["ApiError"]!["properties"]!;
        Assert.Contains("integer", error["line"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("integer", error["column"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_AreForDesigners()
    {
        var reviewer = await _app.ClientAsync("intake.officer1@example.org");
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.GetAsync("/api/templates")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.PutAsJsonAsync("/api/templates/task-assigned", new { subject = "x", html = "x", text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await Designer()).GetAsync("/api/templates/Not..A..Name")).StatusCode);
    }
}

public sealed class TemplateApiTestsSqlite() : TemplateApiTests(StorageProvider.Sqlite);

public sealed class TemplateApiTestsPostgreSql() : TemplateApiTests(StorageProvider.PostgreSql);
