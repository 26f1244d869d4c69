using System.Collections.Concurrent;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// In-process alarms for timers due within minutes: at the due moment the timer is fired in this process (see
/// <see cref="FireAsync"/>); only when that fails is its Hangfire job enqueued, whose id then replaces the
/// <c>near:</c> placeholder on the rows. Lost with the process, which is fine: the row is still pending, still
/// says <c>near:</c>, and the sweep hands it to Hangfire once it is overdue.
/// </summary>
public sealed class NearTimers(TimeProvider clock, IServiceScopeFactory scopes, ILogger<NearTimers> log) : IDisposable
{
    public const string JobIdPrefix = "near:";

    private readonly ConcurrentDictionary<(Guid CaseId, DateTimeOffset DueAt), (Guid TimerId, ITimer Alarm)> _armed = new();

    /// <summary>Arms an alarm for the case's timers due at <paramref name="key"/>'s moment, unless one is armed already.</summary>
    /// <param name="fire">Enqueues the job for the timer and returns its id (when firing it in process failed).</param>
    /// <returns>The timer whose job the alarm enqueues.</returns>
    public Guid Arm((Guid CaseId, DateTimeOffset DueAt) key, Guid timerId, TimeSpan delay, Func<Guid, string> fire)
    {
        if (_armed.TryGetValue(key, out var existing)) return existing.TimerId;
        var alarm = clock.CreateTimer(_ =>
        {
            if (_armed.TryRemove(key, out var self)) self.Alarm.Dispose();
            _ = FireAsync(key.CaseId, timerId, fire);
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (!_armed.TryAdd(key, (timerId, alarm)))
        {
            alarm.Dispose();
            return _armed.TryGetValue(key, out existing) ? existing.TimerId : timerId;
        }
        alarm.Change(delay, Timeout.InfiniteTimeSpan);
        return timerId;
    }

    /// <summary>
    /// Fires at the due moment in this process, as the timer's job would (<see cref="FireTimerJob"/>: the case's due
    /// timers in one step, guarded by the case row's version), without waiting in Hangfire's queue: a timer due alone
    /// then costs one step instead of a job's enqueue, fetch and state changes (issue 9). At most
    /// <see cref="Parallel"/> firings run at once. A firing that fails (the failure is counted on the row) is handed to
    /// Hangfire, whose job retries it; if even that fails, the sweep finds the row overdue.
    /// </summary>
    private async Task FireAsync(Guid caseId, Guid timerId, Func<Guid, string> enqueue)
    {
        await _gate.WaitAsync();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<FireTimerJob>().RunAsync(timerId, CancellationToken.None);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogDebug(ex, "Timer {TimerId} did not fire in process; handing it to Hangfire", timerId);
        }
        finally
        {
            _gate.Release();
        }
        try
        {
            var jobId = enqueue(timerId);
            await StoreJobIdAsync(caseId, JobIdPrefix + timerId.ToString("N"), jobId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The sweep will find the row overdue and hand it to Hangfire.
            log.LogWarning(ex, "Could not enqueue timer {TimerId}; the sweep will retry it", timerId);
        }
    }

    /// <summary>Firings in process at once; more wait their turn (their cases' rows are the contended resource).</summary>
    public const int Parallel = 8;

    private readonly SemaphoreSlim _gate = new(Parallel, Parallel);

    /// <summary>
    /// The rows now have a real job: the sweep can tell whether it still exists. Best effort; when this
    /// fails the rows keep <c>near:</c> and an overdue one is enqueued again (a second firing changes nothing).
    /// </summary>
    private async Task StoreJobIdAsync(Guid caseId, string placeholder, string jobId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            await db.Timers.Where(t => t.CaseId == caseId && t.JobId == placeholder)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.JobId, jobId));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogDebug(ex, "Could not store job {JobId} on the timers of case {CaseId}", jobId, caseId);
        }
    }

    public void Dispose()
    {
        foreach (var (_, alarm) in _armed.Values) alarm.Dispose();
        _armed.Clear();
    }
}
