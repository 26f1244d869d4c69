using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// Stage timers: each task's deadline (<c>sla</c>) and reminders, each stage run's escalation chain, and how
/// durations are counted (elapsed time, or working time of a business calendar).
/// </summary>
/// <remarks>
/// A timer row is armed in the same step as the task or stage it belongs to and cancelled in the step that
/// closes them. Whatever fires it (a job that runs at least once, maybe late, maybe twice) must find it still
/// pending and its task or stage run still open; otherwise firing changes nothing, so a duplicate or stale
/// job is harmless.
/// </remarks>
internal sealed partial class CaseRun
{
    private readonly HashSet<string> _missingCalendars = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="duration"/>: in working time when the activity (else the
    /// workflow) names a calendar that is known, in elapsed time otherwise. A named calendar that is not known
    /// is said once per step in the history (<c>CalendarMissing</c>), never refused: the case must go on.
    /// </summary>
    private DateTimeOffset Due(DateTimeOffset from, IsoDuration duration, string? activityCalendar, string activityId)
    {
        var name = activityCalendar ?? def.Calendar;
        if (name is null) return from + duration.ToTimeSpan();
        if (calendars?.Find(name) is { } calendar) return calendar.Add(from, duration);
        if (_missingCalendars.Add(name))
            Audit(AuditActions.CalendarMissing, activityId, actor: Actors.System, details: new JsonObject
            {
                ["calendar"] = name,
                ["reason"] = $"No calendar '{name}' is defined; durations count elapsed time.",
            });
        return from + duration.ToTimeSpan();
    }

    /// <summary>One reminder timer per duration of the stage's <c>reminders</c>, counted from now (the assignment).</summary>
    private void ArmReminders(ReviewTask task, ReviewActivity review)
    {
        for (var i = 0; i < review.Reminders.Count; i++)
            NewTimer(TimerKind.Reminder, review.Id, task.Id, i, Due(At, review.Reminders[i], review.Calendar, review.Id), task.StageSequence);
    }

    /// <summary>One timer per step of the escalation chain, each counted from the start of the stage run.</summary>
    private void ArmEscalations(StageRun stage, ReviewActivity review)
    {
        for (var i = 0; i < review.Escalations.Count; i++)
            NewTimer(TimerKind.Escalation, review.Id, null, i, Due(At, review.Escalations[i].After, review.Calendar, review.Id), stage.Sequence);
    }

    private void CancelTaskTimers(Guid taskId)
    {
        foreach (var timer in state.PendingTimers.Where(t => t.TaskId == taskId).ToList()) CancelTimer(timer.Id);
    }

    /// <returns>False when the timer's task or stage run is no longer open: nothing happens.</returns>
    private bool FireStageTimer(CaseTimer timer)
    {
        switch (timer.Kind)
        {
            case TimerKind.Reminder or TimerKind.Deadline:
                if (timer.TaskId is not { } taskId || state.FindTask(taskId) is not { Status: ReviewTaskStatus.Open } task) return false;
                var people = PeopleOf(task);
                if (timer.Kind == TimerKind.Reminder)
                {
                    Notify("Reminder", "task-reminder", null, people, task.ActivityId, task.Id);
                    Audit(AuditActions.ReminderSent, task.ActivityId, task.Id, actor: Actors.System,
                        details: new JsonObject { ["index"] = timer.Index ?? 0, ["to"] = Array(people) });
                }
                else
                {
                    Notify("TaskOverdue", "task-overdue", null, people, task.ActivityId, task.Id);
                    Audit(AuditActions.DeadlinePassed, task.ActivityId, task.Id, actor: Actors.System,
                        details: new JsonObject { ["dueAt"] = timer.DueAt, ["to"] = Array(people) });
                }
                return true;
            case TimerKind.Escalation:
                var stage = state.Stages.FirstOrDefault(s => s.Sequence == timer.StageSequence);
                if (stage is null || def.Find(stage.ActivityId) is not ReviewActivity review) return false;
                if (timer.Index is not { } index || index < 0 || index >= review.Escalations.Count) return false;
                // An escalation that faults (a recipient expression fails, too many reviewers) is undone whole;
                // the retry runs this step again. The timer itself stays fired: it did come due.
                if (Guarded(review.Id, () => Escalate(stage, review, review.Escalations[index], index),
                        f => (f.EscalationStage, f.EscalationIndex) = (stage.Sequence, index)))
                    Settle();
                return true;
            default:
                return false;
        }
    }

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode)i!).ToArray());
}
