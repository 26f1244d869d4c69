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

    private readonly ConcurrentDictionary<Guid, ITimer> _armed = new();

    public void Arm(Guid timerId, TimeSpan delay, Action<Guid> fire)
    {
        ITimer? alarm = null;
        alarm = clock.CreateTimer(_ =>
        {
            if (_armed.TryRemove(timerId, out var self)) self.Dispose();
            try
            {
                fire(timerId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The sweep will find the row overdue and hand it to Hangfire.
                log.LogWarning(ex, "Could not enqueue timer {TimerId}; the sweep will retry it", timerId);
            }
        }, null, delay, Timeout.InfiniteTimeSpan);
        if (!_armed.TryAdd(timerId, alarm)) alarm.Dispose();
    }

    public void Dispose()
    {
        foreach (var alarm in _armed.Values) alarm.Dispose();
        _armed.Clear();
    }
}
