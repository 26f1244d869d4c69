using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

public enum CaseStatus { InProgress, Approved, Rejected, Withdrawn, ChangesRequested, Faulted }

public enum ReviewTaskStatus { Open, Completed, Cancelled }

public enum Decision { Approve, Reject, RequestChanges }

public enum TimerKind { Wait, Reminder, Deadline, Escalation }

/// <summary><c>Failed</c>: its firing failed again and again and the server gave up; a retry of the case arms it again.</summary>
public enum TimerStatus { Pending, Fired, Cancelled, Failed }

/// <summary>
/// Everything the engine knows of one case. It is plain data: the server keeps it as JSON beside the
/// case row and hands it back on the next event. The engine never mutates the instance it is given.
/// </summary>
public sealed class CaseState
{
    public Guid CaseId { get; set; }
    public string Requester { get; set; } = "";
    public string Title { get; set; } = "";
    public JsonObject Data { get; set; } = [];
    public CaseStatus Status { get; set; } = CaseStatus.InProgress;
    public CaseOutcome? Outcome { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Counter behind every id the engine derives (tasks, timers, stage runs), so ids are deterministic.</summary>
    public int Sequence { get; set; }

    public List<ReviewTask> Tasks { get; set; } = [];
    public List<StageRun> Stages { get; set; } = [];
    public List<WaitRun> Waits { get; set; } = [];
    public List<CaseTimer> Timers { get; set; } = [];
    public Dictionary<string, JoinRun> Joins { get; set; } = [];

    /// <summary>Review stages that asked for changes and restart when the requester resubmits.</summary>
    public List<string> ChangesRequestedBy { get; set; } = [];

    /// <summary>
    /// Stages and waits that were open elsewhere in the case when a stage asked for changes: they were
    /// cancelled (the file went back to the requester) and start afresh on resubmission, unless the
    /// resubmission's path leads to them anyway.
    /// </summary>
    public List<string> HeldForChanges { get; set; } = [];

    /// <summary>Why the case stopped, while it is <see cref="CaseStatus.Faulted"/>.</summary>
    public CaseFault? Fault { get; set; }

    /// <summary>Decisions made so far, by activity id: what expressions see as <c>stages</c>.</summary>
    public JsonObject StageResults { get; set; } = [];

    [JsonIgnore] public bool IsTerminal => Status is CaseStatus.Approved or CaseStatus.Rejected or CaseStatus.Withdrawn;

    [JsonIgnore] public IEnumerable<ReviewTask> OpenTasks => Tasks.Where(t => t.Status == ReviewTaskStatus.Open);

    [JsonIgnore] public IEnumerable<CaseTimer> PendingTimers => Timers.Where(t => t.Status == TimerStatus.Pending);

    [JsonIgnore] public IEnumerable<CaseTimer> FailedTimers => Timers.Where(t => t.Status == TimerStatus.Failed);

    /// <summary>Activities a case is waiting in: open review stages and pending waits, in the order they began.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ActiveActivities =>
        Stages.Select(s => (s.Sequence, s.ActivityId)).Concat(Waits.Select(w => (w.Sequence, w.ActivityId)))
            .OrderBy(x => x.Sequence).Select(x => x.ActivityId).Distinct().ToList();

    public ReviewTask? FindTask(Guid id) => Tasks.FirstOrDefault(t => t.Id == id);

    public CaseState Clone() => CaseStateJson.Deserialize(CaseStateJson.Serialize(this));
}

/// <summary>One reviewer's piece of work. Either <see cref="Assignee"/> is set, or it is offered to candidates.</summary>
public sealed class ReviewTask
{
    public Guid Id { get; set; }
    public string ActivityId { get; set; } = "";
    public int StageSequence { get; set; }
    public string? Assignee { get; set; }
    public List<string> CandidateUsers { get; set; } = [];
    public List<string> CandidateGroups { get; set; } = [];
    public ReviewTaskStatus Status { get; set; } = ReviewTaskStatus.Open;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public Decision? Decision { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? Comment { get; set; }

    [JsonIgnore] public bool IsGroupTask => Assignee is null;
}

/// <summary>An open Review stage: its tasks and, for sequential stages, who is still to come.</summary>
public sealed class StageRun
{
    public int Sequence { get; set; }
    public string ActivityId { get; set; } = "";
    public PolicyMode Mode { get; set; }
    public int Required { get; set; }
    public List<string> Pending { get; set; } = [];
    public int Approvals { get; set; }
    public int Rejections { get; set; }
    public List<string> Voters { get; set; } = [];
}

public sealed class WaitRun
{
    public int Sequence { get; set; }
    public string ActivityId { get; set; } = "";
    public Guid TimerId { get; set; }
}

/// <summary>
/// An activity that could not go on safely: a condition, assignee or recipient expression that failed,
/// or more reviewers or timers than the limits allow. Nothing of that activity happened; a retry runs it again.
/// </summary>
public sealed class CaseFault
{
    public string ActivityId { get; set; } = "";
    public string Message { get; set; } = "";
    public DateTimeOffset At { get; set; }

    /// <summary>The work to run again on retry, in order: the activity that faulted first, then what was queued behind it.</summary>
    public List<QueuedActivity> Resume { get; set; } = [];

    /// <summary>Set when a step of an escalation chain faulted: the stage run and the step to run again.</summary>
    public int? EscalationStage { get; set; }
    public int? EscalationIndex { get; set; }
}

/// <summary>An activity about to be entered, and the activity the flow came from (which a Join needs).</summary>
public sealed record QueuedActivity(string Activity, string From);

/// <summary>Incoming branches that reached a Join and are waiting for the others.</summary>
public sealed class JoinRun
{
    public List<string> Arrived { get; set; } = [];
}

/// <summary>A durable timer. The row is the truth; whatever fires it must find it still pending.</summary>
public sealed class CaseTimer
{
    public Guid Id { get; set; }
    public TimerKind Kind { get; set; }
    public string ActivityId { get; set; } = "";
    public Guid? TaskId { get; set; }
    /// <summary>Which reminder (of the stage's <c>reminders</c>) or escalation step (of its <c>escalations</c>) this is.</summary>
    public int? Index { get; set; }

    /// <summary>The stage run a reminder, deadline or escalation timer belongs to; null for a Wait.</summary>
    public int? StageSequence { get; set; }

    public DateTimeOffset DueAt { get; set; }
    public TimerStatus Status { get; set; } = TimerStatus.Pending;
}

public static class CaseStateJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(CaseState state) => JsonSerializer.Serialize(state, Options);

    public static CaseState Deserialize(string json) =>
        JsonSerializer.Deserialize<CaseState>(json, Options) ?? throw new JsonException("A case state was empty.");
}
