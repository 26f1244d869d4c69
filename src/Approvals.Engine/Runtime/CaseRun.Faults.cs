using System.Text.Json.Nodes;
using Approvals.Engine.Expressions;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// Failing closed: an activity that cannot go on safely is undone whole and the case stops in
/// <see cref="CaseStatus.Faulted"/> until an administrator retries it; no port is taken for it, and nothing
/// else of the case moves meanwhile (decisions on other open tasks are refused, timers hold). Also the other
/// whole-case pause: a request for changes, which sends the file back to the requester.
/// </summary>
internal sealed partial class CaseRun
{
    /// <summary>Activities that run scripts, count reviewers or arm timers, and so may fault.</summary>
    private static bool MayFault(Activity activity) => activity is ReviewActivity or DecisionActivity or NotifyActivity or WaitActivity;

    /// <summary>
    /// Activities whose work changes the state before it can fault: a Review (its stage run exists before
    /// its reviewers are counted and their timers armed). A Decision, Notify or Wait faults before it changes
    /// anything but effects, so it needs no copy of the state to go back to.
    /// </summary>
    private static bool ChangesStateBeforeItCanFault(Activity activity) => activity is ReviewActivity;

    /// <summary>
    /// Runs <paramref name="work"/>; when it faults, puts back the effects (and, with <paramref name="snapshot"/>,
    /// the state) from before it, so a half-assigned stage never survives, and faults the case.
    /// <paramref name="describe"/> records what a retry must run again.
    /// </summary>
    /// <returns>False when the work faulted.</returns>
    private bool Guarded(string activityId, Action work, Action<CaseFault> describe, bool snapshot = true)
    {
        var saved = snapshot ? state.Clone() : null;
        var mark = _effects.Count;
        try
        {
            work();
            return true;
        }
        catch (ActivityFault f)
        {
            if (saved is not null) state = saved;
            _effects.RemoveRange(mark, _effects.Count - mark);
            var fault = new CaseFault { ActivityId = activityId, Message = f.Message, At = At };
            describe(fault);
            // What was queued behind the faulted activity (other branches of a Fork) waits for the retry too.
            fault.Resume.AddRange(_queue.Select(q => new QueuedActivity(q.Activity, q.From)));
            _queue.Clear();
            state.Status = CaseStatus.Faulted;
            state.Fault = fault;
            Audit(AuditActions.ActivityFaulted, activityId, actor: Actors.System, details: new JsonObject { ["message"] = f.Message });
            return false;
        }
    }

    /// <summary>The people an assignee or recipient expression names. A failure, or more people than a stage may have, faults the case.</summary>
    private IReadOnlyList<string> RunAssigneeScript(string script, string activityId)
    {
        IReadOnlyList<string> emails;
        try
        {
            emails = ScriptRunner.Emails(script, Scope());
        }
        catch (ScriptFailedException ex)
        {
            throw new ActivityFault($"The expression of '{activityId}' failed: {ex.Message}");
        }
        CheckStageSize(emails.Count, activityId, "The expression of");
        return emails;
    }

    /// <summary>More reviewers than <see cref="EngineLimits.MaxTasksPerStage"/> fault the case before any task exists.</summary>
    private void CheckStageSize(int people, string activityId, string what = "The stage")
    {
        if (people > limits.MaxTasksPerStage)
            throw new ActivityFault($"{what} '{activityId}' names {people} people; a stage may have at most {limits.MaxTasksPerStage}.");
    }

    /// <summary>
    /// Runs again the activity the case faulted at (after corrected data, when given) and arms failed timers
    /// again. Deterministic like every step: the same state, data and definition fault or route the same way.
    /// </summary>
    public void Retry(RetryCase r)
    {
        if (!e.ActorIsAdmin) throw new EngineRefusal(RefusalKind.Forbidden, "Only an administrator may retry a case.");
        if (state.IsTerminal) throw new EngineRefusal(RefusalKind.Conflict, $"The case is already closed ({state.Status}).");
        var failed = state.FailedTimers.ToList();
        var fault = state.Status == CaseStatus.Faulted ? state.Fault : null;
        if (fault is null && failed.Count == 0)
            throw new EngineRefusal(RefusalKind.Conflict, $"There is nothing to retry: the case is {state.Status} and none of its timers failed.");
        if (r.Data is not null && fault is null)
            throw new EngineRefusal(RefusalKind.Conflict, "Corrected data can only be given to a Faulted case.", "data");
        if (r.Data is not null) state.Data = WorkflowEngine.PlainCopy(r.Data);

        var details = new JsonObject { ["dataChanged"] = r.Data is not null };
        if (fault is not null) details["fault"] = fault.Message;
        if (failed.Count > 0) details["timers"] = Array(failed.Select(t => t.Id.ToString()));
        Audit(AuditActions.CaseRetried, fault?.ActivityId, comment: r.Comment, details: details);

        foreach (var timer in failed)
        {
            timer.Status = TimerStatus.Pending;
            _effects.Add(new TimerRearmed(timer));
        }
        if (fault is null) return;

        state.Fault = null;
        state.Status = state.ChangesRequestedBy.Count > 0 ? CaseStatus.ChangesRequested : CaseStatus.InProgress;
        if (fault is { EscalationStage: { } sequence, EscalationIndex: { } index }
            && state.Stages.FirstOrDefault(s => s.Sequence == sequence) is { } stage
            && def.Find(stage.ActivityId) is ReviewActivity review && index < review.Escalations.Count
            && !Guarded(review.Id, () => Escalate(stage, review, review.Escalations[index], index),
                f => (f.EscalationStage, f.EscalationIndex) = (sequence, index)))
        {
            state.Fault!.Resume.AddRange(fault.Resume);
            return;
        }
        foreach (var q in fault.Resume) _queue.Enqueue((q.Activity, q.From));
        Settle();
    }

    /// <summary>
    /// A stage asked for changes: every other open stage and wait of the case is cancelled and remembered, and
    /// starts afresh when the requester resubmits (unless the resubmission's path leads to it anyway). Without
    /// this, a loop back above a Fork would start its branches a second time beside the first.
    /// </summary>
    private void HoldOtherWork(string asking)
    {
        var reason = $"Changes were requested at '{asking}'; the case went back to the requester.";
        foreach (var other in state.Stages.ToList())
        {
            CloseStage(other, reason);
            if (!state.HeldForChanges.Contains(other.ActivityId)) state.HeldForChanges.Add(other.ActivityId);
        }
        foreach (var wait in state.Waits.ToList())
        {
            state.Waits.Remove(wait);
            CancelTimer(wait.TimerId);
            Audit(AuditActions.WaitEnded, wait.ActivityId, actor: Actors.System, details: new JsonObject { ["reason"] = reason });
            if (!state.HeldForChanges.Contains(wait.ActivityId)) state.HeldForChanges.Add(wait.ActivityId);
        }
    }
}
