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

    /// <summary>The rows <paramref name="query"/> finds for <paramref name="keys"/>, read <see cref="Chunk"/> keys per query.</summary>
    public static async Task<List<T>> ReadInChunksAsync<TKey, T>(IEnumerable<TKey> keys, Func<TKey[], IQueryable<T>> query, CancellationToken ct)
    {
        var rows = new List<T>();
        foreach (var chunk in keys.Chunk(Chunk)) rows.AddRange(await query(chunk).ToListAsync(ct));
        return rows;
    }

    /// <param name="definition">Gives tasks their activity names; null when it cannot be loaded (a timer marked failed).</param>
    /// <param name="before">
    /// The state the step started from (null for a new case). The task and timer rows a step changes are then
    /// known without reading them: each is attached as it was and changed to what it is now, so the write is one
    /// UPDATE of the changed columns per row and the step costs no read (issue 9). A task the state before did
    /// not hold is read from the database, as every task was before.
    /// </param>
    /// <param name="auditTail">The seal of the case's last audit row, when it was read with the case row.</param>
    public static async Task WriteAsync(ApprovalsDb db, CaseRow row, WorkflowDefinition? definition, CaseState? before, Step step,
        DateTimeOffset now, CancellationToken ct, string? auditTail = null)
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
        var unknownTasks = new List<Guid>();
        var createdIds = step.Effects.OfType<TaskCreated>().Select(t => t.Task.Id).ToHashSet();
        foreach (var id in changedTaskIds.Where(id => !createdIds.Contains(id)))
        {
            if (before?.FindTask(id) is { } was) tasks[id] = AttachAsItWas(db, row.Id, was, definition);
            else unknownTasks.Add(id);
        }
        foreach (var t in await ReadInChunksAsync(unknownTasks, chunk => db.Tasks.Include(t => t.Candidates).Where(t => chunk.Contains(t.Id)), ct))
            tasks[t.Id] = t;
        var timers = new Dictionary<Guid, TimerRow>();
        foreach (var id in changedTimerIds) timers[id] = AttachTimer(db, row.Id, id);
        var chain = await AuditChain.TailAsync(db, row, ct, auditTail);

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
                    if (timers.TryGetValue(cancelled.TimerId, out var t)) Set(db, t, TimerStatus.Cancelled);
                    break;
                case TimerFired fired:
                    if (timers.TryGetValue(fired.TimerId, out var f))
                    {
                        Set(db, f, TimerStatus.Fired);
                        f.FiredAt = now;
                        db.Entry(f).Property(x => x.FiredAt).IsModified = true;
                    }
                    break;
                case TimerFailed failed:
                    if (timers.TryGetValue(failed.TimerId, out var x)) Set(db, x, TimerStatus.Failed);
                    break;
                case TimerRearmed rearmed:
                    // Pending again with a clean slate; the job is arranged after the commit, like a new timer's.
                    if (timers.TryGetValue(rearmed.Timer.Id, out var r))
                    {
                        Set(db, r, TimerStatus.Pending);
                        var entry = db.Entry(r);
                        (r.FailedAttempts, r.LastError, r.JobId) = (0, null, null);
                        entry.Property(y => y.FailedAttempts).IsModified = true;
                        entry.Property(y => y.LastError).IsModified = true;
                        entry.Property(y => y.JobId).IsModified = true;
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

    /// <summary>
    /// The task's row as the state before the step describes it, attached unchanged (candidates included), so that
    /// copying the new task over it marks exactly the columns and candidates that changed.
    /// </summary>
    private static TaskRow AttachAsItWas(ApprovalsDb db, Guid caseId, ReviewTask was, WorkflowDefinition? definition)
    {
        var row = new TaskRow { Id = was.Id, CaseId = caseId, CreatedAt = was.CreatedAt };
        Copy(was, row, definition);
        row.ActivityName = null; // not in the state: written whenever the definition names the activity
        db.Tasks.Attach(row);
        return row;
    }

    /// <summary>A timer row by its key only: the columns a step sets are marked changed one by one.</summary>
    private static TimerRow AttachTimer(ApprovalsDb db, Guid caseId, Guid id)
    {
        var row = new TimerRow { Id = id, CaseId = caseId };
        db.Timers.Attach(row);
        return row;
    }

    private static void Set(ApprovalsDb db, TimerRow row, TimerStatus status)
    {
        row.Status = status.ToString();
        db.Entry(row).Property(x => x.Status).IsModified = true;
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
