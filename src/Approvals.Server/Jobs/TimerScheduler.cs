using Approvals.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// Gives pending timer rows their Hangfire job, after the transaction that wrote the rows has committed
/// (if the process dies in between, the sweep finds the rows without a job and schedules them).
/// A timer due soon is armed in this process and its job enqueued at the due moment, so it does not wait
/// for Hangfire's delayed-job scheduler, whose throughput is the bottleneck under load; a timer further
/// out becomes a delayed Hangfire job. Either way the row is the truth and the sweep the safety net.
/// </summary>
public sealed class TimerScheduler(ApprovalsDb db, IBackgroundJobClient jobs, NearTimers near, TimeProvider clock)
{
    /// <summary>Hangfire keeps scheduled times to about the second: a delayed job is due this much early and waits for its moment.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);

    /// <summary>Timers due within this horizon are armed in-process.</summary>
    public static readonly TimeSpan NearHorizon = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Schedules in bulk: the timers of one case due at one moment (a stage's deadlines, the reminders of its
    /// tasks) share one job, which fires them all in one step, and their rows get its id in one statement per
    /// <see cref="StepWriter.Chunk"/> timers.
    /// </summary>
    public async Task ScheduleAsync(Guid caseId, IEnumerable<(Guid Id, DateTimeOffset DueAt)> timers, CancellationToken ct)
    {
        foreach (var moment in timers.GroupBy(t => t.DueAt))
        {
            var ids = moment.Select(t => t.Id).Distinct().ToList();
            var jobId = Schedule(caseId, ids[0], moment.Key);
            foreach (var chunk in ids.Chunk(StepWriter.Chunk))
                await db.Timers.Where(t => chunk.Contains(t.Id)).ExecuteUpdateAsync(s => s.SetProperty(t => t.JobId, jobId), ct);
        }
    }

    /// <summary>
    /// Arranges one firing of the timer; returns the Hangfire job id, or <c>near:</c> and the id of the timer
    /// whose in-process alarm stands for it. Timers of one case due at the same moment (a fork of waits, the
    /// reminders of a stage's tasks) share one alarm and one job, which fires them all in one step.
    /// </summary>
    public string Schedule(Guid caseId, Guid timerId, DateTimeOffset dueAt)
    {
        var delay = dueAt - clock.GetUtcNow();
        if (delay <= TimeSpan.Zero) return Enqueue(jobs, timerId);
        if (delay <= NearHorizon)
        {
            var alarm = near.Arm((caseId, dueAt), timerId, delay, id => Enqueue(jobs, id));
            return NearTimers.JobIdPrefix + alarm.ToString("N");
        }
        return jobs.Schedule<FireTimerJob>(j => j.RunAsync(timerId, CancellationToken.None), delay - Lead);
    }

    /// <summary>As <see cref="Schedule"/>, and the new job id replaces the old one on the rows that carried it.</summary>
    public async Task RescheduleAsync(Guid caseId, Guid timerId, DateTimeOffset dueAt, string? oldJobId, CancellationToken ct)
    {
        var jobId = Schedule(caseId, timerId, dueAt);
        await db.Timers.Where(t => t.Id == timerId || (oldJobId != null && t.CaseId == caseId && t.JobId == oldJobId))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.JobId, jobId), ct);
    }

    private static string Enqueue(IBackgroundJobClient jobs, Guid timerId) =>
        jobs.Enqueue<FireTimerJob>(j => j.RunAsync(timerId, CancellationToken.None));
}
