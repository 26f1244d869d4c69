using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// Fires one timer. Hangfire runs a job at least once, possibly twice or on two servers at once, so this
/// only triggers: the engine finds the timer still pending in the case state or does nothing, and the
/// case's version column lets exactly one of two racing firings commit.
/// </summary>
public sealed class FireTimerJob(ApprovalsDb db, CaseStore store, TimerScheduler scheduler, TimeProvider clock, ILogger<FireTimerJob> log)
{
    /// <summary>A job that wakes up this close before its timer waits for it rather than going back to the scheduler.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [1, 2, 5, 10, 30, 60, 120, 300, 600, 900])]
    public async Task RunAsync(Guid timerId, CancellationToken ct)
    {
        var timer = await db.Timers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == timerId, ct);
        if (timer is null || timer.Status != nameof(TimerStatus.Pending)) return;

        var early = timer.DueAt - clock.GetUtcNow();
        if (early > MaxWait)
        {
            // Woken too soon (a clock moved, or the job was scheduled long ago): back to the scheduler.
            scheduler.Schedule(timerId, timer.DueAt);
            return;
        }
        if (early > TimeSpan.Zero) await Task.Delay(early, clock, ct);

        var done = await store.ApplyAsync(timer.CaseId, _ => new FireTimer(timerId, clock.GetUtcNow()), ct);
        if (done is { Step.Effects.Count: > 0 })
            log.LogInformation("Timer {TimerId} ({Kind}) of case {CaseId} fired", timerId, timer.Kind, timer.CaseId);
    }
}
