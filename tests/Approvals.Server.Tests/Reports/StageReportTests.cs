using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Reports;

/// <summary>The manager's dashboard numbers: cases by status, overdue tasks, time per stage.</summary>
public abstract class StageReportTests(StorageProvider provider) : IAsyncLifetime
{
    private ApprovalsAppFactory App { get; } = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();

    private async Task<string> StartVetting(string title)
    {
        var client = await App.ClientAsync("hr.officer@example.org");
        var response = await client.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title,
            data = new { candidateName = "C", nationalId = "1", position = "Officer", riskScore = 10 },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private async Task ApproveIdentity(string caseId)
    {
        var client = await App.ClientAsync("intake.officer1@example.org");
        var tasks = (await client.GetFromJsonAsync<JsonNode>("/api/tasks?status=Open"))!;
        var list = tasks is JsonArray a ? a : tasks["items"]!.AsArray();
        var task = list.First(t => (string?)t!["caseId"] == caseId && (string?)t!["activityId"] == "identity")!;
        var decided = await client.PostAsJsonAsync($"/api/tasks/{task["id"]}/decision", new { decision = "approve", comment = "ok" });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
    }

    [Fact]
    public async Task StageReport_DecidedAndOverdueStages_CountedWithDurations()
    {
        var first = await StartVetting("Decided after two hours");
        App.Clock.Advance(TimeSpan.FromHours(2));
        await ApproveIdentity(first);
        await StartVetting("Left waiting");
        App.Clock.Advance(TimeSpan.FromDays(2.5)); // past the identity stage's two-day SLA, before its escalation

        var designer = await App.ClientAsync("designer@example.org");
        var report = (await designer.GetFromJsonAsync<JsonObject>("/api/reports/stages?workflow=personnel-vetting"))!;

        Assert.Equal("personnel-vetting", (string?)report["workflow"]);
        Assert.Equal(2, (int)report["casesByStatus"]!["InProgress"]!);
        var identity = report["stages"]!.AsArray().Single(s => (string?)s!["activityId"] == "identity")!;
        Assert.Equal(1, (int)identity["completed"]!);
        Assert.Equal(1, (int)identity["open"]!);
        Assert.Equal(1, (int)identity["overdueOpen"]!);
        Assert.Equal(7200, (double)identity["medianSeconds"]!, precision: 0);
        Assert.Equal(7200, (double)identity["p90Seconds"]!, precision: 0);
        Assert.True((int)report["overdueTasks"]! >= 1);
    }

    [Fact]
    public async Task StageReport_Reviewer_Forbidden()
    {
        var reviewer = await App.ClientAsync("intake.officer1@example.org");
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.GetAsync("/api/reports/stages")).StatusCode);
    }

    [Fact]
    public void Percentile_NearestRank_PicksTheRankedValue()
    {
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, Approvals.Server.Features.Reports.GetStageReport.Percentile(values, 0.5));
        Assert.Equal(9, Approvals.Server.Features.Reports.GetStageReport.Percentile(values, 0.9));
        Assert.Null(Approvals.Server.Features.Reports.GetStageReport.Percentile([], 0.5));
    }
}

public sealed class StageReportTestsSqlite() : StageReportTests(StorageProvider.Sqlite);

public sealed class StageReportTestsPostgreSql() : StageReportTests(StorageProvider.PostgreSql);
