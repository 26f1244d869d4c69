using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// Out of office: a task that would go to someone who is away goes to their delegate — following a chain of
/// absences to the first person who is present — unless the chain goes round in a circle, or the delegate is the
/// case's requester, may not decide, or already takes part in the stage (each person counts once). Then the task
/// stays with the absent person and the history says why (<c>AbsenceNotCovered</c>); a hand-over is recorded as
/// <c>TaskDelegated</c> with <c>reason: "out-of-office"</c>.
/// </summary>
internal sealed partial class CaseRun
{
    /// <summary>People a stage is about to be given tasks, while <see cref="HandTo"/> creates them one by one.</summary>
    private HashSet<string>? _planned;

    private string StandIn(StageRun stage, string person, Guid? taskId, List<(bool Delegated, JsonObject Details)> notes)
    {
        if (directory.DelegateOf(person, At) is not { } first) return person;
        var seen = new HashSet<string>(StringComparer.Ordinal) { person };
        var to = WorkflowEngine.Normalize(first);
        string? why = null;
        while (directory.DelegateOf(to, At) is { } further)
        {
            if (!seen.Add(to))
            {
                why = "the chain of delegates goes round in a circle";
                break;
            }
            to = WorkflowEngine.Normalize(further);
        }
        why ??= seen.Contains(to) ? "the chain of delegates goes round in a circle"
            : to == state.Requester ? "the delegate is the requester of this case"
            : !directory.MayDecide(to) ? "the delegate is not an active reviewer"
            : TakesPart(stage, to, taskId) ? "the delegate already takes part in this stage"
            : null;
        if (why is not null)
        {
            notes.Add((false, new JsonObject { ["person"] = person, ["delegate"] = to, ["reason"] = "out-of-office", ["why"] = why }));
            return person;
        }
        notes.Add((true, new JsonObject { ["from"] = person, ["to"] = to, ["reason"] = "out-of-office" }));
        return to;
    }

    /// <summary>
    /// Whether <paramref name="who"/> already has a say in the stage: voted, waits their turn, is about to be given a
    /// task, or holds or is offered another of its open tasks. A delegate, by hand or by absence, must not.
    /// </summary>
    private bool TakesPart(StageRun stage, string who, Guid? exceptTask) =>
        stage.Voters.Contains(who) || stage.Pending.Contains(who) || _planned?.Contains(who) == true
        || state.OpenTasks.Any(t => t.StageSequence == stage.Sequence && t.Id != exceptTask && (t.Assignee == who || t.CandidateUsers.Contains(who)));

    private void RecordCover(string activityId, Guid taskId, List<(bool Delegated, JsonObject Details)> notes)
    {
        foreach (var (delegated, details) in notes)
            Audit(delegated ? AuditActions.TaskDelegated : AuditActions.AbsenceNotCovered, activityId, taskId, actor: Actors.System, details: details);
    }

    /// <summary>Hands an open task of someone now out of office to their delegate (setting an absence with <c>moveOpenTasks</c>).</summary>
    public void CoverAbsence(CoverAbsence c)
    {
        if (state.IsTerminal || state.Status == CaseStatus.Faulted) return;
        if (state.FindTask(c.TaskId) is not { Status: ReviewTaskStatus.Open, Assignee: { } person } task) return;
        if (state.Stages.FirstOrDefault(s => s.Sequence == task.StageSequence) is not { } stage) return;
        var notes = new List<(bool Delegated, JsonObject Details)>();
        var to = StandIn(stage, person, task.Id, notes);
        if (to == person)
        {
            RecordCover(task.ActivityId, task.Id, notes);
            return;
        }
        HandOver(task, to, null, notes[0].Details);
    }

    /// <summary>The task now belongs to <paramref name="to"/> alone; they are told, and reminders count from now (the deadline stays).</summary>
    private void HandOver(ReviewTask task, string to, string? comment, JsonObject details)
    {
        task.Assignee = to;
        task.CandidateUsers = [];
        task.CandidateGroups = [];
        _effects.Add(new TaskChanged(task));
        Audit(AuditActions.TaskDelegated, task.ActivityId, task.Id, comment, details);
        var review = (ReviewActivity)def.Get(task.ActivityId);
        Notify("TaskAssigned", review.Template ?? "task-assigned", null, [to], task.ActivityId, task.Id);
        foreach (var timer in state.PendingTimers.Where(t => t.TaskId == task.Id && t.Kind == TimerKind.Reminder).ToList()) CancelTimer(timer.Id);
        ArmReminders(task, review);
    }
}
