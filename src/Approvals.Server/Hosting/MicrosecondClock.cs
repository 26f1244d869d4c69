namespace Approvals.Server.Hosting;

/// <summary>
/// The system clock cut to whole microseconds, the finest time PostgreSQL keeps. Every time the server records (a
/// decision, a task's creation, a history line) then reads back the same from the case's state and from the rows:
/// before, the case view showed a task's times with .NET's seven fractional digits and the task view and the inbox with
/// PostgreSQL's six, for the same instant (found by an outside probe). Timers and timestamps are the system's.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public static readonly MicrosecondClock Instance = new();

    private MicrosecondClock() { }

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
