using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// What the server must carry out after a step, in the same transaction as the new state: task rows,
/// timer rows, outbox rows and audit rows. The engine performs none of it.
/// </summary>
public abstract record Effect;

public sealed record TaskCreated(ReviewTask Task) : Effect;

/// <summary>A task changed: decided, cancelled, claimed or delegated. The task is its new form.</summary>
public sealed record TaskChanged(ReviewTask Task) : Effect;

public sealed record TimerScheduled(CaseTimer Timer) : Effect;

public sealed record TimerCancelled(Guid TimerId) : Effect;

/// <summary>A pending timer came due and was acted on; its row is marked fired.</summary>
public sealed record TimerFired(Guid TimerId) : Effect;

/// <summary>The server gave up on firing a timer; its row is marked failed.</summary>
public sealed record TimerFailed(Guid TimerId) : Effect;

/// <summary>A failed timer is pending again (a retry of its case): its row is pending again and needs a job.</summary>
public sealed record TimerRearmed(CaseTimer Timer) : Effect;

/// <summary>
/// A message to send. <paramref name="Event"/> names why (TaskAssigned, Notify, CaseCompleted, ...),
/// <paramref name="Template"/> which template writes it, <paramref name="To"/> the resolved addresses.
/// </summary>
public sealed record NotificationRequested(string Event, string Template, string? Subject, IReadOnlyList<string> To,
    string? ActivityId, Guid? TaskId) : Effect;

public sealed record CaseCompleted(CaseStatus Status, CaseOutcome? Outcome) : Effect;

public sealed record AuditRecorded(AuditEntry Entry) : Effect;

/// <summary>One line of a case's history.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string? ActivityId = null,
    Guid? TaskId = null, string? Comment = null, JsonObject? Details = null);

public static class AuditActions
{
    public const string CaseStarted = "CaseStarted";
    public const string TaskAssigned = "TaskAssigned";
    public const string TaskClaimed = "TaskClaimed";
    public const string TaskDecided = "TaskDecided";
    public const string TaskCancelled = "TaskCancelled";
    public const string TaskDelegated = "TaskDelegated";
    public const string StageCompleted = "StageCompleted";
    public const string ChangesRequested = "ChangesRequested";
    public const string CaseResubmitted = "CaseResubmitted";
    public const string CaseWithdrawn = "CaseWithdrawn";
    public const string DecisionEvaluated = "DecisionEvaluated";
    /// <summary>Written by earlier versions, when a failing expression counted as false; a failure now faults the case.</summary>
    public const string ExpressionFailed = "ExpressionFailed";
    public const string NoEligibleAssignees = "NoEligibleAssignees";
    public const string AssigneesSkipped = "AssigneesSkipped";
    public const string NotificationQueued = "NotificationQueued";
    public const string WaitStarted = "WaitStarted";
    public const string WaitEnded = "WaitEnded";
    public const string ReminderSent = "ReminderSent";
    public const string DeadlinePassed = "DeadlinePassed";
    public const string CalendarMissing = "CalendarMissing";
    public const string Escalated = "Escalated";
    public const string CaseCompleted = "CaseCompleted";
    public const string ActivityFaulted = "ActivityFaulted";
    public const string CaseRetried = "CaseRetried";
    public const string TimerFailed = "TimerFailed";
    public const string CaseMigrated = "CaseMigrated";
    public const string AbsenceNotCovered = "AbsenceNotCovered";
}

/// <summary>The new state and what to do about it.</summary>
public sealed record Step(CaseState State, IReadOnlyList<Effect> Effects)
{
    /// <summary>The activities this step entered, in order (a dry run's path); the server stores nothing of it.</summary>
    public IReadOnlyList<string> Entered { get; init; } = [];

    public IEnumerable<AuditEntry> Audit => Effects.OfType<AuditRecorded>().Select(a => a.Entry);
}
