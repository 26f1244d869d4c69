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
/// <remarks>
/// A firing that throws is counted on the timer row (a conditional update, so two servers count two
/// failures, never lose one) and retried by Hangfire; at <see cref="MaxFailures"/> the timer is marked
/// <c>Failed</c> on its case (audit <c>TimerFailed</c>) and the job ends, so a poison timer is not handed out
/// forever. An administrator's retry of the case arms it again.
/// </remarks>
public sealed class FireTimerJob(ApprovalsDb db, CaseStore store, TimerScheduler scheduler, TimeProvider clock, ILogger<FireTimerJob> log)
{
    /// <summary>A job that wakes up this close before its timer waits for it rather than going back to the scheduler.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    /// <summary>Failed firings after which a timer is marked failed.</summary>
    public const int MaxFailures = 5;

    private static readonly string Pending = nameof(TimerStatus.Pending);

    [AutomaticRetry(Attempts = MaxFailures, DelaysInSeconds = [1, 5, 15, 60, 300])]
    public async Task RunAsync(Guid timerId, CancellationToken ct)
    {
        var timer = await db.Timers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == timerId, ct);
        if (timer is null) return;
        if (timer.Status != Pending)
        {
            // This job may stand for all of its case's timers due at one moment (they share its id): the others
            // still fire even when the timer it is named after was cancelled meanwhile.
            var now = clock.GetUtcNow();
            var jobId = timer.JobId;
            timer = await db.Timers.AsNoTracking()
                .Where(t => t.CaseId == timer.CaseId && t.Status == Pending && (t.DueAt <= now || (jobId != null && t.JobId == jobId)))
                .OrderBy(t => t.DueAt).ThenBy(t => t.Id).FirstOrDefaultAsync(ct);
            if (timer is null) return;
        }
        var early = timer.DueAt - clock.GetUtcNow();
        if (early > MaxWait)
        {
            // Woken too soon (a clock moved, or the job was scheduled long ago): back to the scheduler.
            await scheduler.RescheduleAsync(timer.CaseId, timer.Id, timer.DueAt, timer.JobId, ct);
            return;
        }
        // Timers may wake a little early (a millisecond or so); the engine fires only what is due by now, so wait until
        // the moment has truly come, or the timer would be left for the next alarm of its case or the sweep.
        while (early > TimeSpan.Zero)
        {
            await Task.Delay(early + TimeSpan.FromMilliseconds(1), clock, ct);
            early = timer.DueAt - clock.GetUtcNow();
        }

        try
        {
            await FireAsync(timer, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            if (!await GiveUpAsync(timer, ex, ct)) throw;
        }
    }

    private async Task FireAsync(TimerRow timer, CancellationToken ct)
    {
        var done = await store.FireDueTimersAsync(timer.CaseId, ct);
        if (done is { Step.Effects.Count: > 0 })
        {
            log.LogInformation("Fired {Count} timer(s) of case {CaseId} (job of timer {TimerId})",
                done.Value.Step.Effects.OfType<TimerFired>().Count(), timer.CaseId, timer.Id);
            return;
        }
        // Nothing to do: the case state no longer holds this timer as pending (its case closed, or an
        // earlier firing's row update was lost), or its case is Faulted and holds it. Settle the row in the
        // first case so the sweep stops handing it out.
        var state = done is { } d ? d.Step.State : null;
        var status = state?.Timers.FirstOrDefault(t => t.Id == timer.Id)?.Status ?? TimerStatus.Cancelled;
        if (status == TimerStatus.Pending && state is { IsTerminal: false }) return;
        var settled = status == TimerStatus.Pending ? nameof(TimerStatus.Cancelled) : status.ToString();
        await db.Timers.Where(t => t.Id == timer.Id && t.Status == Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, settled), ct);
    }

    /// <summary>Counts the failure; at <see cref="MaxFailures"/> marks the timer failed. True when it gave up (the job then ends).</summary>
    private async Task<bool> GiveUpAsync(TimerRow timer, Exception ex, CancellationToken ct)
    {
        var error = $"{ex.GetType().Name}: {ex.Message}";
        if (error.Length > 1_000) error = error[..1_000];
        db.ChangeTracker.Clear();
        await db.Timers.Where(t => t.Id == timer.Id && t.Status == Pending).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.FailedAttempts, t => t.FailedAttempts + 1)
            .SetProperty(t => t.LastError, error), ct);
        var attempts = await db.Timers.Where(t => t.Id == timer.Id).Select(t => t.FailedAttempts).FirstOrDefaultAsync(ct);
        log.LogWarning(ex, "Timer {TimerId} of case {CaseId} failed to fire ({Attempts} of {Max})", timer.Id, timer.CaseId, attempts, MaxFailures);
        if (attempts < MaxFailures) return false;
        var reason = $"Its firing failed {attempts} times; last: {error}";
        try
        {
            if (!await store.FailTimerAsync(timer.CaseId, timer.Id, reason, ct)) return true;
        }
        catch (Exception inner) when (inner is not OperationCanceledException)
        {
            // The case row itself cannot be written (its state unreadable, say): at least stop handing the
            // timer out. The case then does not list it as failed; the log and the row say why.
            log.LogError(inner, "Timer {TimerId} of case {CaseId} could not be marked failed on its case; marking the row only", timer.Id, timer.CaseId);
            db.ChangeTracker.Clear();
            await db.Timers.Where(t => t.Id == timer.Id && t.Status == Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, nameof(TimerStatus.Failed)), ct);
        }
        log.LogError("Timer {TimerId} of case {CaseId} marked failed after {Attempts} failed firings", timer.Id, timer.CaseId, attempts);
        return true;
    }
}
