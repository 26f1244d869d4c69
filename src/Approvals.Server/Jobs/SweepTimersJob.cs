using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Jobs;

/// <summary>
/// The safety net behind the timer rows: schedules every pending timer that has no job (the process died
/// between commit and scheduling), and every overdue one whose job is gone (it ran and found nothing to do,
/// it was deleted, the in-process alarm standing for it died with its process) or late (a delayed job that
/// Hangfire has not yet enqueued). A timer whose job is queued, running or waiting to retry a failed firing
/// is left to it: re-enqueuing every overdue timer each minute would multiply the jobs of one that keeps failing. Timers of a Faulted case are held
/// (its retry schedules them). Runs at start-up and every minute; a duplicate firing changes nothing.
/// </summary>
public sealed class SweepTimersJob(ApprovalsDb db, TimerScheduler scheduler, JobStorage storage, TimeProvider clock, IOptions<JobsOptions> options,
    ILogger<SweepTimersJob> log)
{
    public const int Batch = 20_000;

    /// <summary>
    /// Hangfire states in which a job will still run soon. Not <c>Processing</c>: a firing takes milliseconds,
    /// so a job still processing a timer that is this late ran on a server that died (Hangfire hands such a
    /// job out again only after its invisibility timeout); a second job changes nothing.
    /// </summary>
    private static readonly HashSet<string> Alive = new(StringComparer.OrdinalIgnoreCase) { "Enqueued", "Awaiting" };

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
        var now = clock.GetUtcNow();
        var late = now - options.Value.OverdueAfter; // how late a timer must be before its job is taken for lost
        // At start-up, timers due within the in-process horizon too: their alarm, or the job it had enqueued
        // and a worker of the dead process had taken, may have died with the previous process.
        var soon = rearmNear ? now + TimerScheduler.NearHorizon : late;
        var pending = nameof(TimerStatus.Pending);
        var faulted = nameof(CaseStatus.Faulted);
        var timers = await db.Timers.AsNoTracking()
            .Where(t => t.Status == pending && (t.JobId == null || t.DueAt <= soon
                || (rearmNear && t.JobId!.StartsWith(NearTimers.JobIdPrefix))))
            .Where(t => db.Cases.Any(c => c.Id == t.CaseId && c.Status != faulted))
            .OrderBy(t => t.DueAt).Take(Batch)
            .Select(t => new { t.Id, t.CaseId, t.DueAt, t.JobId, t.FailedAttempts }).ToListAsync(ct);
        if (timers.Count == 0) return;
        // A job Hangfire holds as Scheduled is waiting for a retry of a failed firing when its timer counted a
        // failure (leave it: it ends with the timer marked Failed); otherwise it is the original delayed job,
        // and an overdue timer means Hangfire's delayed scheduler is behind: enqueue it now.
        var retrying = timers.Where(t => t.FailedAttempts > 0 && t.JobId is not null).Select(t => t.JobId!).ToHashSet();
        var gone = JobsGone(timers.Where(t => t.JobId is not null).Select(t => t.JobId!).Distinct(), retrying);
        var lost = timers.Where(t => t.JobId is null || gone.Contains(t.JobId)).ToList();
        if (lost.Count == 0) return;
        foreach (var byCase in lost.GroupBy(t => t.CaseId))
            await scheduler.ScheduleAsync(byCase.Key, byCase.Select(t => (t.Id, t.DueAt)), ct);
        log.LogInformation("Timer sweep scheduled {Count} pending timers", lost.Count);
    }

    /// <summary>
    /// The job ids (of overdue timers) that will not run any more. A <c>near:</c> alarm of an overdue timer
    /// never turned into a job (its process died), and none survives a restart.
    /// </summary>
    private HashSet<string> JobsGone(IEnumerable<string> jobIds, IReadOnlySet<string> retrying)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        using var connection = storage.GetConnection();
        foreach (var id in jobIds)
        {
            if (id.StartsWith(NearTimers.JobIdPrefix, StringComparison.Ordinal)) { gone.Add(id); continue; }
            string? state;
            try
            {
                state = connection.GetJobData(id)?.State;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
            {
                state = null; // not an id this storage ever gave out
            }
            var alive = state is not null && (Alive.Contains(state) || (state == "Scheduled" && retrying.Contains(id)));
            if (!alive) gone.Add(id);
        }
        return gone;
    }
}
