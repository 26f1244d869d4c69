using Approvals.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// Gives pending timer rows their Hangfire job. Called after the transaction that wrote the rows has
/// committed; if the process dies in between, the sweep finds the rows without a job and schedules them.
/// </summary>
public sealed class TimerScheduler(ApprovalsDb db, IBackgroundJobClient jobs, TimeProvider clock)
{
    /// <summary>Hangfire keeps scheduled times to about the second: the job is due this much early and waits for its moment.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);

    public async Task ScheduleAsync(IEnumerable<(Guid Id, DateTimeOffset DueAt)> timers, CancellationToken ct)
    {
        foreach (var (id, dueAt) in timers)
        {
            var jobId = Schedule(id, dueAt);
            await db.Timers.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.JobId, jobId), ct);
        }
    }

    /// <summary>Schedules (or enqueues, when due) one firing of the timer.</summary>
    public string Schedule(Guid timerId, DateTimeOffset dueAt)
    {
        var delay = dueAt - clock.GetUtcNow() - Lead;
        return delay <= TimeSpan.Zero
            ? jobs.Enqueue<FireTimerJob>(j => j.RunAsync(timerId, CancellationToken.None))
            : jobs.Schedule<FireTimerJob>(j => j.RunAsync(timerId, CancellationToken.None), delay);
    }
}
