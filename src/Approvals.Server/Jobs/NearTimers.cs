using System.Collections.Concurrent;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Jobs;

/// <summary>
/// In-process alarms for timers due within minutes: at the due moment the timer's Hangfire job is
/// enqueued and its id replaces the <c>near:</c> placeholder on the rows. Lost with the process, which is
/// fine: the row is still pending, still says <c>near:</c>, and the sweep hands it to Hangfire once it is overdue.
/// </summary>
public sealed class NearTimers(TimeProvider clock, IServiceScopeFactory scopes, ILogger<NearTimers> log) : IDisposable
{
    public const string JobIdPrefix = "near:";

    private readonly ConcurrentDictionary<(Guid CaseId, DateTimeOffset DueAt), (Guid TimerId, ITimer Alarm)> _armed = new();

    /// <summary>Arms an alarm for the case's timers due at <paramref name="key"/>'s moment, unless one is armed already.</summary>
    /// <param name="fire">Enqueues the job for the timer and returns its id.</param>
    /// <returns>The timer whose job the alarm enqueues.</returns>
    public Guid Arm((Guid CaseId, DateTimeOffset DueAt) key, Guid timerId, TimeSpan delay, Func<Guid, string> fire)
    {
        if (_armed.TryGetValue(key, out var existing)) return existing.TimerId;
        var alarm = clock.CreateTimer(_ =>
        {
            if (_armed.TryRemove(key, out var self)) self.Alarm.Dispose();
            try
            {
                var jobId = fire(timerId);
                _ = StoreJobIdAsync(key.CaseId, JobIdPrefix + timerId.ToString("N"), jobId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The sweep will find the row overdue and hand it to Hangfire.
                log.LogWarning(ex, "Could not enqueue timer {TimerId}; the sweep will retry it", timerId);
            }
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
