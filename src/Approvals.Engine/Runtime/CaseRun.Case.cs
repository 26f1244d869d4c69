using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>Events on the case as a whole: withdrawal, resubmission after changes, and timers.</summary>
internal sealed partial class CaseRun
{
    public void Withdraw(WithdrawCase w)
    {
        if (state.IsTerminal) throw new EngineRefusal(RefusalKind.Conflict, $"The case is already closed ({state.Status}).");
        if (Actor != state.Requester && !e.ActorIsAdmin)
            throw new EngineRefusal(RefusalKind.Forbidden, "Only the requester or an administrator may withdraw a case.");
        Audit(AuditActions.CaseWithdrawn, comment: w.Comment);
        Complete(CaseStatus.Withdrawn, null, null);
    }

    public void Resubmit(ResubmitCase r)
    {
        if (state.Status != CaseStatus.ChangesRequested)
            throw new EngineRefusal(RefusalKind.Conflict, $"Only a case waiting for changes can be resubmitted; this one is {state.Status}.");
        if (Actor != state.Requester && !e.ActorIsAdmin)
            throw new EngineRefusal(RefusalKind.Forbidden, "Only the requester or an administrator may resubmit a case.");
        if (r.Data is not null) state.Data = WorkflowEngine.PlainCopy(r.Data);
        state.Status = CaseStatus.InProgress;
        var stages = state.ChangesRequestedBy.ToList();
        var held = state.HeldForChanges.ToList();
        state.ChangesRequestedBy.Clear();
        state.HeldForChanges.Clear();
        Audit(AuditActions.CaseResubmitted, comment: r.Comment,
            details: new JsonObject { ["returnsTo"] = new JsonArray(stages.Concat(held).Select(s => (JsonNode)s!).ToArray()) });
        var starts = new List<string>();
        foreach (var id in stages)
        {
            var targets = def.Targets(id, Ports.ChangesRequested);
            if (targets.Count > 0)
            {
                // The flow goes round again (say, back above a Fork): Joins it will reach start afresh, or the
                // arrivals of the first round would release them before this round's branches are done.
                foreach (var join in state.Joins.Keys.Where(j => targets.Any(t => t == j || def.CanReach(t, j))).ToList())
                    state.Joins.Remove(join);
                starts.AddRange(targets);
                Follow(id, Ports.ChangesRequested);
            }
            else
            {
                starts.Add(id);
                _queue.Enqueue((id, id)); // a Review entered again starts a fresh stage run
            }
        }
        // Work cancelled when the changes were asked for starts again, unless the flow will reach it anyway.
        foreach (var id in held.Where(h => !starts.Any(s => s == h || def.CanReach(s, h))))
            _queue.Enqueue((id, id));
        Settle();
    }

    /// <returns>False when the timer is no longer pending or the case has closed: firing it changes nothing.</returns>
    public bool FireTimer(FireTimer f)
    {
        var timer = state.Timers.FirstOrDefault(t => t.Id == f.TimerId)
            ?? throw new EngineRefusal(RefusalKind.NotFound, $"Timer {f.TimerId} is not part of this case.");
        // A Faulted case holds its timers: they stay pending and come due once an administrator has retried it.
        if (timer.Status != TimerStatus.Pending || state.IsTerminal || state.Status == CaseStatus.Faulted) return false;
        timer.Status = TimerStatus.Fired;
        _effects.Add(new TimerFired(timer.Id));
        switch (timer.Kind)
        {
            case TimerKind.Wait:
                var wait = state.Waits.FirstOrDefault(w => w.TimerId == timer.Id);
                if (wait is null) return false;
                state.Waits.Remove(wait);
                Audit(AuditActions.WaitEnded, wait.ActivityId);
                Follow(wait.ActivityId, Ports.Done);
                Settle();
                return true;
            default:
                return FireStageTimer(timer);
        }
    }

    /// <summary>
    /// Resolves recipients to addresses. <paramref name="tasks"/> (a stage's open tasks, for an escalation) give
    /// meaning to <c>assignee</c> (everyone those tasks are offered to) and <c>assigneeManager</c> (their managers).
    /// </summary>
    private List<string> Recipients(Recipients r, IReadOnlyList<ReviewTask> tasks, string activityId)
    {
        var to = new List<string>(r.Users.Select(WorkflowEngine.Normalize));
        foreach (var g in r.Groups) to.AddRange(directory.MembersOf(g));
        if (r.Requester) to.Add(state.Requester);
        if (r.RequesterManager && directory.ManagerOf(state.Requester) is { } rm) to.Add(rm);
        var assignees = tasks.SelectMany(PeopleOf).Distinct().ToList();
        if (r.Assignee) to.AddRange(assignees);
        if (r.AssigneeManager)
            foreach (var a in assignees)
                if (directory.ManagerOf(a) is { } am) to.Add(am);
        if (r.Expression is { } script) to.AddRange(RunAssigneeScript(script, activityId));
        return to.Distinct().ToList();
    }
}
