using System.Collections.Concurrent;

namespace Approvals.Server.Jobs;

/// <summary>
/// In-process alarms for timers due within minutes: at the due moment the timer's Hangfire job is
/// enqueued. Lost with the process, which is fine: the row is still pending and the sweep hands it to
/// Hangfire once it is overdue.
/// </summary>
public sealed class NearTimers(TimeProvider clock, ILogger<NearTimers> log) : IDisposable
{
    public const string JobIdPrefix = "near:";

    private readonly ConcurrentDictionary<(Guid CaseId, DateTimeOffset DueAt), (Guid TimerId, ITimer Alarm)> _armed = new();

    /// <summary>Arms an alarm for the case's timers due at <paramref name="key"/>'s moment, unless one is armed already.</summary>
    /// <returns>The timer whose job the alarm enqueues.</returns>
    public Guid Arm((Guid CaseId, DateTimeOffset DueAt) key, Guid timerId, TimeSpan delay, Action<Guid> fire)
    {
        if (_armed.TryGetValue(key, out var existing)) return existing.TimerId;
        var alarm = clock.CreateTimer(_ =>
        {
            if (_armed.TryRemove(key, out var self)) self.Alarm.Dispose();
            try
            {
                fire(timerId);
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

    public void Dispose()
    {
        foreach (var (_, alarm) in _armed.Values) alarm.Dispose();
        _armed.Clear();
    }
}
