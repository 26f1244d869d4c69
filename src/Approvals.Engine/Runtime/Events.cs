using System.Text.Json.Nodes;

namespace Approvals.Engine.Runtime;

/// <summary>
/// What happened to a case. Every event carries the time it happened at and who did it, so the engine
/// never reads a clock. <paramref name="Actor"/> is <c>system</c> for automatic steps.
/// </summary>
public abstract record CaseEvent(string Actor, DateTimeOffset At)
{
    /// <summary>True when the actor holds the admin role: admins may act on any task but never on their own case.</summary>
    public bool ActorIsAdmin { get; init; }
}

public sealed record StartCase(Guid CaseId, string Requester, string Title, JsonObject Data, DateTimeOffset At)
    : CaseEvent(Requester, At);

public sealed record DecideTask(Guid TaskId, Decision Decision, string? Comment, string Actor, DateTimeOffset At)
    : CaseEvent(Actor, At);

public sealed record ClaimTask(Guid TaskId, string Actor, DateTimeOffset At) : CaseEvent(Actor, At);

public sealed record DelegateTask(Guid TaskId, string To, string? Comment, string Actor, DateTimeOffset At) : CaseEvent(Actor, At);

public sealed record WithdrawCase(string? Comment, string Actor, DateTimeOffset At) : CaseEvent(Actor, At);

public sealed record ResubmitCase(JsonObject? Data, string? Comment, string Actor, DateTimeOffset At) : CaseEvent(Actor, At);

/// <summary>An administrator's retry: runs again the activity a Faulted case stopped at (with corrected data if given), and arms failed timers again.</summary>
public sealed record RetryCase(JsonObject? Data, string? Comment, string Actor, DateTimeOffset At) : CaseEvent(Actor, At);

/// <summary>The task's assignee is out of office: the task goes to their delegate, by the rules every new task follows.</summary>
public sealed record CoverAbsence(Guid TaskId, DateTimeOffset At) : CaseEvent(Actors.System, At);

public sealed record FireTimer(Guid TimerId, DateTimeOffset At) : CaseEvent(Actors.System, At);

public static class Actors
{
    public const string System = "system";
}
