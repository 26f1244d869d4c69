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
/// audit rows. The case row is changed in place (its caller writes it: tracked when new, else guarded by the row as
/// read, <see cref="RowWrites.Update"/>), the rest are set out as explicit writes (<see cref="RowWrites"/>);
/// <see cref="BatchWriter"/> commits them in one transaction, so a step is written whole or not at all.
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
    /// known without reading them: each is compared with what it was, so the write is one UPDATE of the changed
    /// columns per row and the step costs no read (issue 9). A task the state before did not hold is read from the
    /// database, as every task was before.
    /// </param>
    /// <param name="auditTail">The seal of the case's last audit row, when it was read with the case row.</param>
    /// <returns>
    /// The step's rows other than the case's, to be written with it (<see cref="BatchWriter.SaveAsync"/>). The case row
    /// <paramref name="row"/> is changed in place; writing it is the caller's part.
    /// </returns>
    public static async Task<RowWrites> WriteAsync(ApprovalsDb db, CaseRow row, WorkflowDefinition? definition, CaseState? before, Step step,
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

        var rows = new RowWrites();
        // Each task the step created or changed, as it is after the step (the last effect that names it).
        var final = new Dictionary<Guid, ReviewTask>();
        var created = new HashSet<Guid>();
        foreach (var effect in step.Effects)
        {
            if (effect is TaskCreated c)
            {
                final[c.Task.Id] = c.Task;
                created.Add(c.Task.Id);
            }
            else if (effect is TaskChanged t) final[t.Task.Id] = t.Task;
        }
        // Each changed task as it was: from the state before (its activity name is not in the state: written whenever the
        // definition names the activity), or, when that state did not hold it, as read.
        var was = final.Keys.Where(id => !created.Contains(id))
            .ToDictionary(id => id, id => before?.FindTask(id) is { } w ? RowOf(w, row.Id, null) : null);
        var unknown = was.Where(w => w.Value is null).Select(w => w.Key).ToList();
        foreach (var t in await ReadInChunksAsync(unknown, chunk => db.Tasks.AsNoTracking().Include(t => t.Candidates).Where(t => chunk.Contains(t.Id)), ct))
            was[t.Id] = t;
        foreach (var (id, task) in final)
        {
            var after = RowOf(task, row.Id, definition);
            if (created.Contains(id))
            {
                rows.Insert(after);
                foreach (var candidate in after.Candidates) rows.Insert(candidate);
                after.Candidates = [];
            }
            else if (was[id] is { } old) Changes(old, after, rows); // none: gone, nothing to change
        }

        var timers = new Dictionary<Guid, TimerRow>();
        TimerRow Timer(Guid id) => timers.TryGetValue(id, out var t) ? t : timers[id] = new TimerRow { Id = id, CaseId = row.Id };
        var chain = await AuditChain.TailAsync(db, row, ct, auditTail);

        for (var i = 0; i < step.Effects.Count; i++)
        {
            switch (step.Effects[i])
            {
                case TimerScheduled scheduled:
                    var timer = new TimerRow
                    {
                        Id = scheduled.Timer.Id, CaseId = row.Id, TaskId = scheduled.Timer.TaskId, ActivityId = scheduled.Timer.ActivityId,
                        Kind = scheduled.Timer.Kind.ToString(), DueAt = scheduled.Timer.DueAt, Status = TimerStatus.Pending.ToString(),
                    };
                    rows.Insert(timer);
                    timers[timer.Id] = timer;
                    break;
                case TimerCancelled cancelled:
                    Set(rows, Timer(cancelled.TimerId), TimerStatus.Cancelled);
                    break;
                case TimerFired fired:
                    var f = Timer(fired.TimerId);
                    Set(rows, f, TimerStatus.Fired);
                    f.FiredAt = now;
                    rows.Set(f, nameof(TimerRow.FiredAt));
                    break;
                case TimerFailed failed:
                    Set(rows, Timer(failed.TimerId), TimerStatus.Failed);
                    break;
                case TimerRearmed rearmed:
                    // Pending again with a clean slate; the job is arranged after the commit, like a new timer's.
                    var r = Timer(rearmed.Timer.Id);
                    Set(rows, r, TimerStatus.Pending);
                    (r.FailedAttempts, r.LastError, r.JobId) = (0, null, null);
                    rows.Set(r, nameof(TimerRow.FailedAttempts));
                    rows.Set(r, nameof(TimerRow.LastError));
                    rows.Set(r, nameof(TimerRow.JobId));
                    break;
                case NotificationRequested n:
                    rows.Insert(new OutboxRow
                    {
                        Id = DeriveId(row.Id, row.Version, i, n), CaseId = row.Id, Event = n.Event, Template = n.Template, Subject = n.Subject,
                        RecipientsJson = JsonSerializer.Serialize(n.To), ActivityId = n.ActivityId, TaskId = n.TaskId, CreatedAt = now,
                    });
                    break;
                case AuditRecorded a:
                    rows.Insert(chain.Next(a.Entry));
                    break;
            }
        }
        return rows;
    }

    private static void Set(RowWrites rows, TimerRow row, TimerStatus status)
    {
        row.Status = status.ToString();
        rows.Set(row, nameof(TimerRow.Status));
    }

    /// <summary>The row of task <paramref name="from"/>, its candidates in <see cref="TaskRow.Candidates"/>.</summary>
    private static TaskRow RowOf(ReviewTask from, Guid caseId, WorkflowDefinition? definition) => new()
    {
        Id = from.Id, CaseId = caseId, CreatedAt = from.CreatedAt, ActivityId = from.ActivityId,
        ActivityName = definition?.Find(from.ActivityId)?.Name,
        Assignee = from.Assignee, Status = from.Status.ToString(), DueAt = from.DueAt,
        Decision = from.Decision is { } d ? DecisionNames.Of(d) : null,
        DecidedBy = from.DecidedBy, DecidedAt = from.DecidedAt, Comment = from.Comment,
        Candidates = from.CandidateUsers.Select(u => ("user", u)).Concat(from.CandidateGroups.Select(g => ("group", g))).Distinct()
            .Select(c => new TaskCandidateRow { TaskId = from.Id, Kind = c.Item1, Name = c.Item2 }).ToList(),
    };

    /// <summary>
    /// The update of task row <paramref name="was"/> to <paramref name="now"/>: the columns that differ (an activity name
    /// only where <paramref name="now"/> has one), the candidates gone and the candidates new.
    /// </summary>
    private static void Changes(TaskRow was, TaskRow now, RowWrites rows)
    {
        now.ActivityName ??= was.ActivityName;
        void Column<T>(T before, T after, string name)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after)) rows.Set(now, name);
        }
        Column(was.ActivityId, now.ActivityId, nameof(TaskRow.ActivityId));
        Column(was.ActivityName, now.ActivityName, nameof(TaskRow.ActivityName));
        Column(was.Assignee, now.Assignee, nameof(TaskRow.Assignee));
        Column(was.Status, now.Status, nameof(TaskRow.Status));
        Column(was.DueAt, now.DueAt, nameof(TaskRow.DueAt));
        Column(was.Decision, now.Decision, nameof(TaskRow.Decision));
        Column(was.DecidedBy, now.DecidedBy, nameof(TaskRow.DecidedBy));
        Column(was.DecidedAt, now.DecidedAt, nameof(TaskRow.DecidedAt));
        Column(was.Comment, now.Comment, nameof(TaskRow.Comment));
        var wanted = now.Candidates.Select(c => (c.Kind, c.Name)).ToHashSet();
        var had = was.Candidates.Select(c => (c.Kind, c.Name)).ToHashSet();
        foreach (var gone in was.Candidates.Where(c => !wanted.Contains((c.Kind, c.Name))))
            rows.Delete(new TaskCandidateRow { TaskId = now.Id, Kind = gone.Kind, Name = gone.Name });
        foreach (var added in now.Candidates.Where(c => !had.Contains((c.Kind, c.Name)))) rows.Insert(added);
        now.Candidates = [];
    }

    /// <summary>An outbox id that is the same when the same step is written again, so a message is never queued twice.</summary>
    private static Guid DeriveId(Guid caseId, int version, int index, NotificationRequested n)
    {
        var text = $"{caseId}|{version}|{index}|{n.Event}|{n.Template}|{n.ActivityId}|{n.TaskId}|{string.Join(',', n.To)}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new Guid(hash.AsSpan(0, 16));
    }
}
