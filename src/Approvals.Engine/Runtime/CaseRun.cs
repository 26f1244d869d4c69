using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Expressions;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// One step of one case: applies an event to a private copy of the state, follows the flowchart until
/// every branch waits (in a Review or a Wait) or the case ends, and collects the effects on the way.
/// </summary>
internal sealed partial class CaseRun(WorkflowDefinition def, CaseState state, IDirectoryView directory,
    ICalendarView? calendars, CaseEvent e, EngineLimits limits)
{
    /// <summary>Activities one step may pass through before it is taken for an endless loop.</summary>
    private const int MaxEntriesPerStep = 10_000;

    private readonly List<Effect> _effects = [];
    private readonly Queue<(string Activity, string From)> _queue = new();
    private readonly List<string> _entered = [];
    private int _entries;

    /// <summary>Set when a timer firing found nothing to do: the step is then the state as it was, with no effects.</summary>
    public bool NothingHappened { get; set; }

    private DateTimeOffset At => e.At;
    private string Actor => WorkflowEngine.Normalize(e.Actor);

    public void Begin()
    {
        Audit(AuditActions.CaseStarted, details: new JsonObject { ["workflow"] = def.Key, ["title"] = state.Title });
        var start = def.Start ?? throw new InvalidOperationException($"Workflow '{def.Key}' has no Start activity.");
        _entered.Add(start.Id);
        Follow(start.Id, Ports.Done);
        Settle();
    }

    public Step Finish() => new(state, _effects) { Entered = _entered };

    // ---- flow -------------------------------------------------------------------------------------

    private void Follow(string from, string port)
    {
        foreach (var target in def.Targets(from, port)) _queue.Enqueue((target, from));
    }

    /// <summary>
    /// Runs queued activities until none is left, then releases Joins that nothing alive can reach any
    /// more (a branch that ended elsewhere will never arrive), and goes on until the case rests.
    /// </summary>
    private void Settle()
    {
        while (true)
        {
            while (_queue.Count > 0 && !state.IsTerminal && state.Status != CaseStatus.Faulted)
            {
                var (id, from) = _queue.Dequeue();
                _entered.Add(id);
                if (++_entries > MaxEntriesPerStep)
                    throw new InvalidOperationException($"Case {state.CaseId} passed {MaxEntriesPerStep} activities in one step; the workflow loops without waiting.");
                var activity = def.Get(id);
                if (MayFault(activity))
                    Guarded(id, () => Enter(activity, from), f => f.Resume.Add(new QueuedActivity(id, from)), ChangesStateBeforeItCanFault(activity));
                else Enter(activity, from);
            }
            if (state.IsTerminal) { _queue.Clear(); return; }
            // A faulted case holds still: nothing else moves until an administrator retries it.
            if (state.Status == CaseStatus.Faulted) return;
            var stranded = state.Joins.Keys.FirstOrDefault(j => !AliveWorkCanReach(j));
            if (stranded is null) break;
            FireJoin(stranded);
        }
        if (state.Stages.Count == 0 && state.Waits.Count == 0 && state.ChangesRequestedBy.Count == 0)
            throw new InvalidOperationException($"Case {state.CaseId} would be left with nothing to wait for; the workflow '{def.Key}' has a path that does not end.");
    }

    private bool AliveWorkCanReach(string activity) =>
        state.Stages.Any(s => s.ActivityId == activity || def.CanReach(s.ActivityId, activity))
        || state.Waits.Any(w => w.ActivityId == activity || def.CanReach(w.ActivityId, activity))
        || state.ChangesRequestedBy.Any(a => def.CanReach(a, activity))
        || state.HeldForChanges.Any(a => a == activity || def.CanReach(a, activity))
        || _queue.Any(q => q.Activity == activity || def.CanReach(q.Activity, activity));

    private void Enter(Activity activity, string from)
    {
        switch (activity)
        {
            case StartActivity: Follow(activity.Id, Ports.Done); break;
            case ReviewActivity review: StartStage(review); break;
            case DecisionActivity decision: Decide(decision); break;
            case ForkActivity: Follow(activity.Id, Ports.Done); break;
            case JoinActivity join: Arrive(join, from); break;
            case NotifyActivity notify:
                var to = Recipients(notify.To, [], notify.Id);
                Notify("Notify", notify.Template, notify.Subject, to, notify.Id, null);
                Follow(activity.Id, Ports.Done);
                break;
            case WaitActivity wait: StartWait(wait); break;
            case EndActivity end:
                Complete(end.Outcome == CaseOutcome.Approved ? CaseStatus.Approved : CaseStatus.Rejected, end.Outcome, end.Id);
                break;
            default: throw new InvalidOperationException($"Activity '{activity.Id}' of type '{activity.Type}' cannot run.");
        }
    }

    private void Decide(DecisionActivity decision)
    {
        bool result;
        try
        {
            result = ScriptRunner.Condition(decision.Condition, Scope());
        }
        catch (ScriptFailedException ex)
        {
            // Never false: in vetting, false can mean "skip the security review". The case stops instead.
            throw new ActivityFault($"The condition of '{decision.Id}' failed: {ex.Message}");
        }
        Audit(AuditActions.DecisionEvaluated, decision.Id, details: new JsonObject { ["result"] = result });
        Follow(decision.Id, result ? Ports.True : Ports.False);
    }

    private void Arrive(JoinActivity join, string from)
    {
        if (join.Mode == JoinMode.Any)
        {
            // The first branch wins; every other branch that could still reach this join stops here.
            CancelBranchesReaching(join.Id);
            state.Joins.Remove(join.Id);
            Follow(join.Id, Ports.Done);
            return;
        }
        if (!state.Joins.TryGetValue(join.Id, out var run)) state.Joins[join.Id] = run = new JoinRun();
        if (!run.Arrived.Contains(from)) run.Arrived.Add(from);
        var incoming = def.Connections.Where(c => c.Target.Activity == join.Id).Select(c => c.Source.Activity).Distinct();
        if (incoming.All(run.Arrived.Contains)) FireJoin(join.Id);
    }

    private void FireJoin(string joinId)
    {
        state.Joins.Remove(joinId);
        Follow(joinId, Ports.Done);
    }

    private void CancelBranchesReaching(string joinId)
    {
        foreach (var stage in state.Stages.Where(s => def.CanReach(s.ActivityId, joinId)).ToList())
            CloseStage(stage, "Another branch reached the join first.");
        foreach (var wait in state.Waits.Where(w => def.CanReach(w.ActivityId, joinId)).ToList())
        {
            state.Waits.Remove(wait);
            CancelTimer(wait.TimerId);
        }
        var keep = _queue.Where(q => q.Activity != joinId && !def.CanReach(q.Activity, joinId)).ToList();
        _queue.Clear();
        foreach (var q in keep) _queue.Enqueue(q);
        // A branch waiting for the requester's changes would otherwise arrive again after the resubmission.
        state.ChangesRequestedBy.RemoveAll(a => def.CanReach(a, joinId));
        if (state.Status == CaseStatus.ChangesRequested && state.ChangesRequestedBy.Count == 0)
            state.Status = CaseStatus.InProgress;
    }

    private void StartWait(WaitActivity wait)
    {
        var timer = NewTimer(TimerKind.Wait, wait.Id, null, null, Due(At, wait.Duration, wait.Calendar, wait.Id));
        state.Waits.Add(new WaitRun { Sequence = NextSequence(), ActivityId = wait.Id, TimerId = timer.Id });
        Audit(AuditActions.WaitStarted, wait.Id, details: new JsonObject { ["until"] = timer.DueAt });
    }

    private void Complete(CaseStatus status, CaseOutcome? outcome, string? activityId)
    {
        foreach (var stage in state.Stages.ToList()) CloseStage(stage, "The case was closed.");
        foreach (var wait in state.Waits) CancelTimer(wait.TimerId);
        foreach (var timer in state.PendingTimers.ToList()) CancelTimer(timer.Id);
        state.Waits.Clear();
        state.Joins.Clear();
        state.ChangesRequestedBy.Clear();
        state.HeldForChanges.Clear();
        state.Fault = null;
        state.Status = status;
        state.Outcome = outcome;
        state.CompletedAt = At;
        _effects.Add(new CaseCompleted(status, outcome));
        if (status != CaseStatus.Withdrawn)
        {
            Audit(AuditActions.CaseCompleted, activityId, actor: Actors.System,
                details: new JsonObject { ["outcome"] = outcome?.ToString(), ["status"] = status.ToString() });
            Notify("CaseCompleted", outcome == CaseOutcome.Rejected ? "case-rejected" : "case-approved", null, [state.Requester], activityId, null);
        }
    }

    // ---- shared pieces ------------------------------------------------------------------------------

    private int NextSequence() => ++state.Sequence;

    /// <summary>A GUID derived from the case id and the next sequence number: unique per case, never random.</summary>
    private Guid NextId()
    {
        var seq = NextSequence();
        Span<byte> input = stackalloc byte[20];
        state.CaseId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], seq);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true);
    }

    private CaseTimer NewTimer(TimerKind kind, string activityId, Guid? taskId, int? index, DateTimeOffset dueAt, int? stageSequence = null)
    {
        if (state.PendingTimers.Count() >= limits.MaxPendingTimersPerCase)
            throw new ActivityFault($"The case would have more than {limits.MaxPendingTimersPerCase} pending timers.");
        var timer = new CaseTimer
        {
            Id = NextId(), Kind = kind, ActivityId = activityId, TaskId = taskId, Index = index, StageSequence = stageSequence, DueAt = dueAt,
        };
        state.Timers.Add(timer);
        _effects.Add(new TimerScheduled(timer));
        return timer;
    }

    private void CancelTimer(Guid id)
    {
        var timer = state.Timers.FirstOrDefault(t => t.Id == id);
        if (timer is null || timer.Status != TimerStatus.Pending) return;
        timer.Status = TimerStatus.Cancelled;
        _effects.Add(new TimerCancelled(id));
    }

    private ScriptScope Scope() => new(
        new JsonObject { ["data"] = state.Data.DeepClone(), ["requester"] = state.Requester, ["title"] = state.Title },
        state.StageResults.DeepClone().AsObject());

    private void Notify(string @event, string template, string? subject, IReadOnlyList<string> to, string? activityId, Guid? taskId)
    {
        if (to.Count == 0) return;
        _effects.Add(new NotificationRequested(@event, template, subject, to, activityId, taskId));
    }

    private void Audit(string action, string? activityId = null, Guid? taskId = null, string? comment = null,
        JsonObject? details = null, string? actor = null) =>
        _effects.Add(new AuditRecorded(new AuditEntry(At, actor ?? Actor, action, activityId, taskId, comment, details)));
}
