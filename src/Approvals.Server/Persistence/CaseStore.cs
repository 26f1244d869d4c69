using System.Data.Common;
using Approvals.Engine.Calendars;
using Approvals.Engine.Runtime;
using Approvals.Server.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Persistence;

/// <summary>
/// Runs one event against one case: loads the case and its pinned definition, asks the engine for the
/// step, and writes the step in one transaction. The case row's version guards the write: when another
/// writer got there first, everything is thrown away and the event is applied again to the fresh state,
/// so concurrent votes are each counted exactly once (or refused, when the fresh state says so).
/// </summary>
public sealed class CaseStore(ApprovalsDb db, WorkflowCatalog catalog, DirectoryCache directories, TimerScheduler timers, TimeProvider clock,
    IOptions<EngineOptions> engine, ILogger<CaseStore> log)
{
    private const int MaxAttempts = 12;

    private EngineLimits Limits => engine.Value.Limits;

    public async Task<CaseRow> StartAsync(PublishedWorkflow workflow, Approvals.Engine.Runtime.StartCase e, CancellationToken ct)
    {
        var (directory, calendars) = await directories.GetAsync(db, ct);
        var step = WorkflowEngine.Start(workflow.Definition, e, directory, calendars, Limits);
        var row = new CaseRow
        {
            Id = e.CaseId, WorkflowKey = workflow.Key, WorkflowVersion = workflow.Version, Requester = step.State.Requester,
            CreatedAt = e.At, Title = e.Title, Status = "", DataJson = "{}", StateJson = "{}",
        };
        db.Cases.Add(row);
        var rows = await StepWriter.WriteAsync(db, row, workflow.Definition, null, step, clock.GetUtcNow(), ct);
        row.Version = 1;
        await BatchWriter.SaveAsync(db, ct, rows);
        await ScheduleTimersAsync(row.Id, step, ct);
        Email.OutboxNudge.After(db, step);
        return row;
    }

    /// <summary>
    /// Applies the event <paramref name="makeEvent"/> builds from the current case row and the step's time. The time is
    /// read for each attempt, after its read of the case: a step redone after another writer's is later than it, so the
    /// history's times follow its order (a time taken when the request arrived could be earlier). <paramref name="beforeSave"/>
    /// may add rows (an idempotency record) to the same transaction; <paramref name="amend"/> may add facts the engine
    /// cannot know (how a decision arrived) to the step before it is written and sealed. Returns null when the case
    /// does not exist.
    /// </summary>
    public Task<(CaseRow Row, Step Step)?> ApplyAsync(Guid caseId, Func<CaseRow, DateTimeOffset, CaseEvent> makeEvent,
        CancellationToken ct, Action<CaseRow, Step, PublishedWorkflow>? beforeSave = null, Func<Step, Step>? amend = null) =>
        RunAsync(caseId, byTask: false, Decide(makeEvent, amend), ct, beforeSave);

    /// <summary>
    /// <see cref="ApplyAsync(Guid, Func{CaseRow, DateTimeOffset, CaseEvent}, CancellationToken, Action{CaseRow, Step, PublishedWorkflow}?, Func{Step, Step}?)"/>
    /// on the case of task <paramref name="taskId"/>, found in the same query that reads the case row. Returns null
    /// when there is no such task.
    /// </summary>
    public Task<(CaseRow Row, Step Step)?> ApplyToTaskAsync(Guid taskId, Func<CaseRow, DateTimeOffset, CaseEvent> makeEvent,
        CancellationToken ct, Action<CaseRow, Step, PublishedWorkflow>? beforeSave = null) =>
        RunAsync(taskId, byTask: true, Decide(makeEvent, null), ct, beforeSave);

    private Func<CaseRow, PublishedWorkflow, CaseState, DirectorySnapshot, CalendarSet, Step> Decide(Func<CaseRow, DateTimeOffset, CaseEvent> makeEvent,
        Func<Step, Step>? amend) => (row, workflow, state, directory, calendars) =>
        {
            var step = WorkflowEngine.Apply(workflow.Definition, state, makeEvent(row, clock.GetUtcNow()), directory, calendars, Limits);
            return amend is null ? step : amend(step);
        };

    /// <summary>
    /// Appends one line to a case's history outside any engine step (an email link that was refused), sealed like
    /// every other line. Returns false when the case does not exist.
    /// </summary>
    public async Task<bool> AppendAuditAsync(Guid caseId, AuditEntry entry, CancellationToken ct) =>
        await AppendAuditsAsync([(caseId, entry)], ct) > 0;

    /// <summary>
    /// Appends lines to the histories of several cases in one transaction (what a round of mail delivery records),
    /// each line sealed as the next of its case's chain, in the order given; lines of a case that does not exist are
    /// left out. <paramref name="beforeSave"/> may change other rows in the same transaction (as explicit writes) and runs
    /// even without lines. After a lost race everything is read again and redone, as for a step. Returns how many cases it wrote to.
    /// </summary>
    public async Task<int> AppendAuditsAsync(IReadOnlyList<(Guid CaseId, AuditEntry Entry)> lines, CancellationToken ct, Action<RowWrites>? beforeSave = null)
    {
        var caseIds = lines.Select(l => l.CaseId).Distinct().ToList();
        return await UntilNoLostRaceAsync(db, async () =>
        {
            var now = clock.GetUtcNow();
            // Only the history changes: the case's state is neither read nor rewritten (a round of mail touches up to
            // 50 cases; their states and data are most of their rows), but its version moves on like after any step,
            // so a concurrent writer of the case retries on top of these lines. Each case is compared with the columns
            // read, so the write sets exactly the history's count and seal, the time and the version, where the version
            // is still the one read.
            var loaded = await StepWriter.ReadInChunksAsync(caseIds, chunk => db.Cases.AsNoTracking().Where(c => chunk.Contains(c.Id))
                .Select(c => new { c.Id, c.Version, c.AuditCount, c.AuditSeal,
                    Tail = db.Audit.Where(a => a.CaseId == c.Id && a.Seq == c.AuditCount).Select(a => a.Hash).FirstOrDefault() }), ct);
            var rows = new RowWrites();
            foreach (var read in loaded)
            {
                var row = new CaseRow { Id = read.Id, Version = read.Version, AuditCount = read.AuditCount, AuditSeal = read.AuditSeal };
                var original = row.Copy();
                var chain = await AuditChain.TailAsync(db, row, ct, read.Tail);
                foreach (var line in lines.Where(l => l.CaseId == row.Id)) rows.Insert(chain.Next(line.Entry));
                row.UpdatedAt = now;
                row.Version++;
                rows.Update(row, original);
            }
            beforeSave?.Invoke(rows);
            await BatchWriter.SaveAsync(db, ct, rows);
            return loaded.Count;
        }, ct, attempt => log.LogDebug("Appending to {Count} cases' histories lost a write race (attempt {Attempt}); retrying on fresh rows.", caseIds.Count, attempt));
    }

    /// <summary>
    /// Fires every pending timer of the case that is due by now, in due order, as one step. Timers of one
    /// case that fall due together (a fork of waits, a stage's reminders) are then written by one
    /// transaction instead of racing each other for the case row.
    /// </summary>
    public Task<(CaseRow Row, Step Step)?> FireDueTimersAsync(Guid caseId, CancellationToken ct) =>
        RunAsync(caseId, byTask: false, (_, workflow, state, directory, calendars) =>
        {
            var now = clock.GetUtcNow();
            var effects = new List<Effect>();
            var current = state;
            foreach (var due in state.PendingTimers.Where(t => t.DueAt <= now).OrderBy(t => t.DueAt).ThenBy(t => t.Id).ToList())
            {
                var step = WorkflowEngine.Apply(workflow.Definition, current, new FireTimer(due.Id, now), directory, calendars, Limits);
                effects.AddRange(step.Effects);
                current = step.State;
            }
            return new Step(current, effects);
        }, ct);

    /// <summary>
    /// Marks a timer failed after its firing failed again and again (see <c>FireTimerJob</c>): the case shows
    /// it and its history says so (<c>TimerFailed</c>). Needs neither the definition nor the directory, which may
    /// be what fails. Returns false when the timer was no longer pending (a firing got through meanwhile).
    /// </summary>
    public Task<bool> FailTimerAsync(Guid caseId, Guid timerId, string reason, CancellationToken ct) =>
        WriteWithoutDefinitionAsync(caseId, state =>
        {
            var step = WorkflowEngine.FailTimer(state, timerId, reason, clock.GetUtcNow());
            return step.Effects.Count == 0 ? null : step;
        }, ct);

    /// <summary>
    /// Writes a step built from the case row alone (no definition, directory or calendars, which may be what fails),
    /// retrying on fresh state after a lost race. Returns false when the case is missing or <paramref name="build"/>
    /// has nothing to write.
    /// </summary>
    private Task<bool> WriteWithoutDefinitionAsync(Guid caseId, Func<CaseState, Step?> build, CancellationToken ct) =>
        UntilNoLostRaceAsync(db, async () =>
        {
            var loaded = await LoadAsync(caseId, byTask: false, ct);
            if (loaded is not var (row, original, tail)) return false;
            var state = CaseStateJson.Deserialize(row.StateJson);
            if (build(state) is not { } step) return false;
            var rows = await StepWriter.WriteAsync(db, row, null, state, step, clock.GetUtcNow(), ct, tail);
            rows.Update(row, original);
            await BatchWriter.SaveAsync(db, ct, rows);
            return true;
        }, ct);

    /// <summary>
    /// The case row, a copy of it as read (what its write is guarded by and compared with: <see cref="RowWrites.Update"/>)
    /// and the seal of its last audit row, in one query: a step then needs no other read before its write. The row is
    /// not tracked: EF Core's change tracker took several per cent of the server's CPU to snapshot the one row and find
    /// its changes again (issue 9).
    /// </summary>
    /// <param name="byTask">Whether <paramref name="id"/> is one of the case's tasks rather than the case.</param>
    private async Task<(CaseRow Row, CaseRow Original, string? AuditTail)?> LoadAsync(Guid id, bool byTask, CancellationToken ct)
    {
        Loaded? loaded;
        if (db is PostgresApprovalsDb postgres && db.Database.CurrentTransaction is null) loaded = await PostgresCaseRead.LoadAsync(postgres, id, byTask, ct);
        else
        {
            var loaders = LoadersByModel.GetValue(db.Model, static _ => new Loaders());
            loaded = await (byTask ? loaders.ByTask : loaders.ByCase)(db, id, ct);
        }
        return loaded is null ? null : (loaded.Case, loaded.Case.Copy(), loaded.Tail);
    }

    internal sealed class Loaded
    {
        public CaseRow Case { get; init; } = null!;
        public string? Tail { get; init; }
    }

    /// <summary>
    /// The two reads compiled once: every decision and timer starts here, and EF Core would otherwise walk, hash and
    /// parameterise the expression on each call (issue 9). A compiled query serves one model; a process holds one,
    /// the tests several (both stores), hence one set per model.
    /// </summary>
    private sealed class Loaders
    {
        public readonly Func<ApprovalsDb, Guid, CancellationToken, Task<Loaded?>> ByCase = EF.CompileAsyncQuery(
            (ApprovalsDb db, Guid id, CancellationToken ct) => db.Cases.AsNoTracking().Where(c => c.Id == id)
                .Select(c => new Loaded { Case = c, Tail = db.Audit.Where(a => a.CaseId == c.Id && a.Seq == c.AuditCount).Select(a => a.Hash).FirstOrDefault() })
                .FirstOrDefault());

        public readonly Func<ApprovalsDb, Guid, CancellationToken, Task<Loaded?>> ByTask = EF.CompileAsyncQuery(
            (ApprovalsDb db, Guid id, CancellationToken ct) => db.Cases.AsNoTracking().Where(c => db.Tasks.Any(t => t.Id == id && t.CaseId == c.Id))
                .Select(c => new Loaded { Case = c, Tail = db.Audit.Where(a => a.CaseId == c.Id && a.Seq == c.AuditCount).Select(a => a.Hash).FirstOrDefault() })
                .FirstOrDefault());
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel, Loaders> LoadersByModel = new();

    /// <param name="id">The case, or with <paramref name="byTask"/> one of its tasks.</param>
    private async Task<(CaseRow Row, Step Step)?> RunAsync(Guid id, bool byTask,
        Func<CaseRow, PublishedWorkflow, CaseState, DirectorySnapshot, CalendarSet, Step> decide,
        CancellationToken ct, Action<CaseRow, Step, PublishedWorkflow>? beforeSave = null)
    {
        return await UntilNoLostRaceAsync<(CaseRow Row, Step Step)?>(db, async () =>
        {
            var loaded = await LoadAsync(id, byTask, ct);
            if (loaded is not var (row, original, tail)) return null;
            var workflow = await catalog.VersionAsync(db, row.WorkflowKey, row.WorkflowVersion, ct)
                ?? throw new InvalidOperationException($"Case {row.Id} is pinned to {row.WorkflowKey} v{row.WorkflowVersion}, which is missing.");
            var state = CaseStateJson.Deserialize(row.StateJson);
            var (directory, calendars) = await directories.GetAsync(db, ct);
            var step = decide(row, workflow, state, directory, calendars); // throws EngineRefusal: nothing written
            if (step.Effects.Count == 0) return (row, step);
            var rows = await StepWriter.WriteAsync(db, row, workflow.Definition, state, step, clock.GetUtcNow(), ct, tail);
            beforeSave?.Invoke(row, step, workflow);
            rows.Update(row, original);
            await BatchWriter.SaveAsync(db, ct, rows);
            await ScheduleTimersAsync(row.Id, step, ct);
            Email.OutboxNudge.After(db, step);
            return (row, step);
        }, ct, attempt => log.LogDebug("Case of {Id}: lost a write race (attempt {Attempt}); retrying on fresh state.", id, attempt));
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it does not lose a write race (someone else changed a row it read between
    /// its read and its write: see <see cref="IsLostRace"/>), at most <see cref="MaxAttempts"/> times: each time on a
    /// cleared change tracker, so it reads fresh rows, after a short random pause that grows with the attempts.
    /// </summary>
    internal static async Task<T> UntilNoLostRaceAsync<T>(ApprovalsDb db, Func<Task<T>> attempt, CancellationToken ct, Action<int>? lost = null)
    {
        for (var n = 1; ; n++)
        {
            db.ChangeTracker.Clear();
            try
            {
                return await attempt();
            }
            catch (Exception ex) when (n < MaxAttempts && IsLostRace(ex))
            {
                lost?.Invoke(n);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * n)), ct);
            }
        }
    }

    /// <summary>Jobs for the timers this step created; only after the commit, so a job never finds its row missing.</summary>
    private Task ScheduleTimersAsync(Guid caseId, Step step, CancellationToken ct) =>
        timers.ScheduleAsync(caseId, step.Effects.OfType<TimerScheduled>().Select(t => t.Timer)
            .Concat(step.Effects.OfType<TimerRearmed>().Select(t => t.Timer)).Select(t => (t.Id, t.DueAt)), ct);

    /// <summary>
    /// A concurrency-token mismatch, a unique-key clash on the audit chain, a serialization failure or
    /// deadlock on PostgreSQL (40001, 40P01), or a busy SQLite database: all mean "try again on fresh state".
    /// </summary>
    internal static bool IsLostRace(Exception ex) => ex switch
    {
        DbUpdateConcurrencyException => true,
        DbUpdateException { InnerException: DbException inner } => IsTransient(inner),
        DbException db => IsTransient(db),
        _ => false,
    };

    private static bool IsTransient(DbException ex) => ex.SqlState is "40001" or "40P01" or "23505"
        || ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 or 19 };
}
