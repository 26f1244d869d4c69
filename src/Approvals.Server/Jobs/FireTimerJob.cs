using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// Fires one timer (and any other timer of its case that is due by now). Hangfire runs a job at least
/// once, possibly twice or on two servers at once, so this only triggers: the engine finds the timer
/// still pending in the case state or does nothing, and the case's version column lets exactly one of
/// two racing firings commit.
/// </summary>
public sealed class FireTimerJob(ApprovalsDb db, CaseStore store, TimerScheduler scheduler, TimeProvider clock, ILogger<FireTimerJob> log)
{
    /// <summary>A job that wakes up this close before its timer waits for it rather than going back to the scheduler.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [1, 2, 5, 10, 30, 60, 120, 300, 600, 900])]
    public async Task RunAsync(Guid timerId, CancellationToken ct)
    {
        var timer = await db.Timers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == timerId, ct);
        if (timer is null) return;
        var pending = nameof(TimerStatus.Pending);
        if (timer.Status != pending)
        {
            // This job may stand for all of its case's timers due at one moment: the others still fire
            // even when the timer it is named after was cancelled meanwhile.
            var now = clock.GetUtcNow();
            if (!await db.Timers.AnyAsync(t => t.CaseId == timer.CaseId && t.Status == pending && t.DueAt <= now, ct)) return;
        }
        else
        {
            var early = timer.DueAt - clock.GetUtcNow();
            if (early > MaxWait)
            {
                // Woken too soon (a clock moved, or the job was scheduled long ago): back to the scheduler.
                scheduler.Schedule(timer.CaseId, timerId, timer.DueAt);
                return;
            }
            if (early > TimeSpan.Zero) await Task.Delay(early, clock, ct);
        }

        var done = await store.FireDueTimersAsync(timer.CaseId, ct);
        if (done is { Step.Effects.Count: > 0 })
        {
            log.LogInformation("Fired {Count} timer(s) of case {CaseId} (job of timer {TimerId})",
                done.Value.Step.Effects.OfType<TimerFired>().Count(), timer.CaseId, timerId);
            return;
        }
        // Nothing to do: the case state no longer holds this timer as pending (its case closed, or an
        // earlier firing's row update was lost). Settle the row so the sweep stops handing it out.
        var state = done is { } d ? d.Step.State : null;
        var status = state?.Timers.FirstOrDefault(t => t.Id == timerId)?.Status ?? TimerStatus.Cancelled;
        if (status == TimerStatus.Pending && state is { IsTerminal: false }) return;
        var settled = status == TimerStatus.Pending ? nameof(TimerStatus.Cancelled) : status.ToString();
        await db.Timers.Where(t => t.Id == timerId && t.Status == pending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, settled), ct);
    }
}
