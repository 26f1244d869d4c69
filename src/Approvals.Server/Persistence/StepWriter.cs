using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

/// <summary>
/// Turns one engine step into rows: the case's new state, its task rows, timer rows, outbox rows and
/// audit rows. Everything is added to the context and committed by one SaveChanges, so a step is
/// written whole or not at all.
/// </summary>
public static class StepWriter
{
    /// <summary>
    /// Ids per <c>IN (...)</c> query. SQLite allows 32,766 variables in one statement; a step that touches
    /// thousands of tasks or timers (a withdrawal of a large stage) must never come near it.
    /// </summary>
    public const int Chunk = 500;

    /// <param name="definition">Gives tasks their activity names; null when it cannot be loaded (a timer marked failed).</param>
    public static async Task WriteAsync(ApprovalsDb db, CaseRow row, WorkflowDefinition? definition, Step step,
        DateTimeOffset now, CancellationToken ct)
    {
        var state = step.State;
        row.Status = state.Status.ToString();
        row.Outcome = state.Outcome?.ToString();
        row.Title = state.Title;
        row.DataJson = state.Data.ToJsonString();
        row.StateJson = CaseStateJson.Serialize(state);
        row.UpdatedAt = now;
        row.CompletedAt = state.CompletedAt;
        row.Version++;

        var changedTaskIds = step.Effects.OfType<TaskChanged>().Select(t => t.Task.Id).Distinct().ToList();
        var changedTimerIds = step.Effects.OfType<TimerCancelled>().Select(t => t.TimerId)
            .Concat(step.Effects.OfType<TimerFired>().Select(t => t.TimerId))
            .Concat(step.Effects.OfType<TimerFailed>().Select(t => t.TimerId))
            .Concat(step.Effects.OfType<TimerRearmed>().Select(t => t.Timer.Id)).Distinct().ToList();
        var tasks = new Dictionary<Guid, TaskRow>();
        foreach (var chunk in changedTaskIds.Chunk(Chunk))
            foreach (var t in await db.Tasks.Include(t => t.Candidates).Where(t => chunk.Contains(t.Id)).ToListAsync(ct))
                tasks[t.Id] = t;
        var timers = new Dictionary<Guid, TimerRow>();
        foreach (var chunk in changedTimerIds.Chunk(Chunk))
            foreach (var t in await db.Timers.Where(t => chunk.Contains(t.Id)).ToListAsync(ct))
                timers[t.Id] = t;
        var chain = await AuditChain.TailAsync(db, row, ct);

        for (var i = 0; i < step.Effects.Count; i++)
        {
            switch (step.Effects[i])
            {
                case TaskCreated created:
                    var task = new TaskRow { Id = created.Task.Id, CaseId = row.Id, CreatedAt = created.Task.CreatedAt };
                    Copy(created.Task, task, definition);
                    db.Tasks.Add(task);
                    tasks[task.Id] = task;
                    break;
                case TaskChanged changed:
                    if (tasks.TryGetValue(changed.Task.Id, out var existing)) Copy(changed.Task, existing, definition);
                    break;
                case TimerScheduled scheduled:
                    var timer = new TimerRow
                    {
                        Id = scheduled.Timer.Id, CaseId = row.Id, TaskId = scheduled.Timer.TaskId, ActivityId = scheduled.Timer.ActivityId,
                        Kind = scheduled.Timer.Kind.ToString(), DueAt = scheduled.Timer.DueAt, Status = TimerStatus.Pending.ToString(),
                    };
                    db.Timers.Add(timer);
                    timers[timer.Id] = timer;
                    break;
                case TimerCancelled cancelled:
                    if (timers.TryGetValue(cancelled.TimerId, out var t)) t.Status = TimerStatus.Cancelled.ToString();
                    break;
                case TimerFired fired:
                    if (timers.TryGetValue(fired.TimerId, out var f))
                    {
                        f.Status = TimerStatus.Fired.ToString();
                        f.FiredAt = now;
                    }
                    break;
                case TimerFailed failed:
                    if (timers.TryGetValue(failed.TimerId, out var x)) x.Status = TimerStatus.Failed.ToString();
                    break;
                case TimerRearmed rearmed:
                    // Pending again with a clean slate; the job is arranged after the commit, like a new timer's.
                    if (timers.TryGetValue(rearmed.Timer.Id, out var r))
                    {
                        r.Status = TimerStatus.Pending.ToString();
                        r.FailedAttempts = 0;
                        r.LastError = null;
                        r.JobId = null;
                    }
                    break;
                case NotificationRequested n:
                    db.Outbox.Add(new OutboxRow
                    {
                        Id = DeriveId(row.Id, row.Version, i, n), CaseId = row.Id, Event = n.Event, Template = n.Template, Subject = n.Subject,
                        RecipientsJson = JsonSerializer.Serialize(n.To), ActivityId = n.ActivityId, TaskId = n.TaskId, CreatedAt = now,
                    });
                    break;
                case AuditRecorded a:
                    db.Audit.Add(chain.Next(a.Entry));
                    break;
            }
        }
    }

    private static void Copy(ReviewTask from, TaskRow to, WorkflowDefinition? definition)
    {
        to.ActivityId = from.ActivityId;
        to.ActivityName = definition?.Find(from.ActivityId)?.Name ?? to.ActivityName;
        to.Assignee = from.Assignee;
        to.Status = from.Status.ToString();
        to.DueAt = from.DueAt;
        to.Decision = from.Decision is { } d ? DecisionNames.Of(d) : null;
        to.DecidedBy = from.DecidedBy;
        to.DecidedAt = from.DecidedAt;
        to.Comment = from.Comment;
        var wanted = from.CandidateUsers.Select(u => ("user", u)).Concat(from.CandidateGroups.Select(g => ("group", g))).ToHashSet();
        to.Candidates.RemoveAll(c => !wanted.Contains((c.Kind, c.Name)));
        foreach (var (kind, name) in wanted)
            if (!to.Candidates.Any(c => c.Kind == kind && c.Name == name))
                to.Candidates.Add(new TaskCandidateRow { TaskId = from.Id, Kind = kind, Name = name });
    }

    /// <summary>An outbox id that is the same when the same step is written again, so a message is never queued twice.</summary>
    private static Guid DeriveId(Guid caseId, int version, int index, NotificationRequested n)
    {
        var text = $"{caseId}|{version}|{index}|{n.Event}|{n.Template}|{n.ActivityId}|{n.TaskId}|{string.Join(',', n.To)}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new Guid(hash.AsSpan(0, 16));
    }
}
