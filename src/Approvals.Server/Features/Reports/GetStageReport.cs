using Approvals.Server.Http;
using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Reports;

/// <summary>
/// <c>GET /api/reports/stages?workflow=</c> (designers and administrators): cases by status, overdue open
/// tasks, and per stage how long it took — from its first task being created to its last decision, per case —
/// as median and 90th percentile. Without <c>workflow</c> every workflow is counted.
/// </summary>
public static class GetStageReport
{
    public sealed record Query(string? Workflow) : IQuery<StageReport>;

    public sealed record StageReport(string? Workflow, IReadOnlyDictionary<string, int> CasesByStatus, int OverdueTasks, IReadOnlyList<StageStats> Stages, DateTimeOffset At);

    /// <summary>One stage: how many times it finished, how many tasks of it are open, and its durations in seconds.</summary>
    public sealed record StageStats(string ActivityId, string? Name, int Completed, int Open, int OverdueOpen, double? MedianSeconds, double? P90Seconds);

    public sealed class Handler(ApprovalsDb db, TimeProvider clock) : IQueryHandler<Query, StageReport>
    {
        public async ValueTask<StageReport> Handle(Query q, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var cases = db.Cases.AsNoTracking().AsQueryable();
            if (q.Workflow is { } w) cases = cases.Where(c => c.WorkflowKey == w);
            var byStatus = (await cases.GroupBy(c => c.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                .OrderBy(x => x.Key, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.Count);

            var tasks = await db.Tasks.AsNoTracking().Where(t => cases.Any(c => c.Id == t.CaseId))
                .Select(t => new { t.CaseId, t.ActivityId, t.ActivityName, t.Status, t.CreatedAt, t.DueAt, t.DecidedAt })
                .ToListAsync(ct);
            // DateTimeOffset comparisons are done here, not in SQL: SQLite stores them as numbers the provider cannot always compare.
            bool Overdue(DateTimeOffset? due, string status) => status == "Open" && due is { } d && d < now;

            var stages = tasks.GroupBy(t => t.ActivityId).Select(g =>
            {
                var durations = g.GroupBy(t => t.CaseId)
                    .Where(s => s.All(t => t.Status != "Open") && s.Any(t => t.DecidedAt is not null))
                    .Select(s => (s.Max(t => t.DecidedAt)!.Value - s.Min(t => t.CreatedAt)).TotalSeconds)
                    .Order().ToList();
                return new StageStats(g.Key, g.Select(t => t.ActivityName).FirstOrDefault(n => n is not null),
                    durations.Count, g.Count(t => t.Status == "Open"), g.Count(t => Overdue(t.DueAt, t.Status)),
                    Percentile(durations, 0.5), Percentile(durations, 0.9));
            }).OrderBy(s => s.ActivityId, StringComparer.Ordinal).ToList();

            return new StageReport(q.Workflow, byStatus, tasks.Count(t => Overdue(t.DueAt, t.Status)), stages, now);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static void Map(RouteGroupBuilder reports) =>
        reports.MapGet("/stages", async Task<Ok<StageReport>> (string? workflow, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(string.IsNullOrWhiteSpace(workflow) ? null : workflow), ct)))
            .RequireAuthorization(Policies.Designer)
            .WithName("GetStageReport")
            .WithSummary("Cases by status, overdue tasks, and median and 90th-percentile time per stage.")
            .ProducesErrors(StatusCodes.Status403Forbidden);
}

public static class ReportsApi
{
    public static RouteGroupBuilder MapReportEndpoints(this RouteGroupBuilder api)
    {
        GetStageReport.Map(api.MapGroup("/reports").WithTags("Reports"));
        return api;
    }
}
