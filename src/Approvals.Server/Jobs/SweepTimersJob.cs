using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Jobs;

/// <summary>
/// The safety net behind the timer rows: schedules every pending timer that has no job (the process died
/// between commit and scheduling) and fires again every timer that is overdue (its job was lost). Runs at
/// start-up and every minute; a duplicate firing changes nothing.
/// </summary>
public sealed class SweepTimersJob(ApprovalsDb db, TimerScheduler scheduler, TimeProvider clock, IOptions<JobsOptions> options, ILogger<SweepTimersJob> log)
{
    public const int Batch = 20_000;

    /// <summary>The minute-by-minute sweep (a Hangfire recurring job).</summary>
    public Task RunAsync(CancellationToken ct) => SweepAsync(rearmNear: false, ct);

    /// <summary>
    /// The sweep when a server starts. In-process alarms died with the process that armed them, so every
    /// timer armed that way is armed again here; if the server that armed it is still alive, the timer gets
    /// two jobs and the second changes nothing.
    /// </summary>
    public Task RunAtStartupAsync(CancellationToken ct) => SweepAsync(rearmNear: true, ct);

    private async Task SweepAsync(bool rearmNear, CancellationToken ct)
    {
        // How late a timer must be before the sweep takes its job for lost (Jobs:OverdueAfter).
        var late = clock.GetUtcNow() - options.Value.OverdueAfter;
        var pending = nameof(TimerStatus.Pending);
        var timers = await db.Timers.AsNoTracking()
            .Where(t => t.Status == pending && (t.JobId == null || t.DueAt <= late
                || (rearmNear && t.JobId!.StartsWith(NearTimers.JobIdPrefix))))
            .OrderBy(t => t.DueAt).Take(Batch)
            .Select(t => new { t.Id, t.CaseId, t.DueAt }).ToListAsync(ct);
        if (timers.Count == 0) return;
        foreach (var byCase in timers.GroupBy(t => t.CaseId))
            await scheduler.ScheduleAsync(byCase.Key, byCase.Select(t => (t.Id, t.DueAt)), ct);
        log.LogInformation("Timer sweep scheduled {Count} pending timers", timers.Count);
    }
}
