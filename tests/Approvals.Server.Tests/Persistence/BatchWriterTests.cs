using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Persistence;

/// <summary>
/// The hot writes (a step, mail's history lines, link tokens) go through <see cref="BatchWriter"/>: its own batch on
/// PostgreSQL, <c>SaveChanges</c> on SQLite. Both must guard alike: a row that moved on since it was read refuses the
/// whole write, and nothing of it is kept.
/// </summary>
public abstract class BatchWriterTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<Guid> StartCaseAsync() => _app.StartVettingCaseAsync("Written");

    [Fact]
    public async Task Save_CaseChangedSinceRead_ConcurrencyErrorAndNothingOfTheWriteKept()
    {
        var id = await StartCaseAsync();
        await using var reader = _app.Services.CreateAsyncScope();
        var db = reader.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var row = await db.Cases.SingleAsync(c => c.Id == id);
        var outboxId = Guid.NewGuid();
        row.Title = "Lost";
        row.Version++;
        db.Outbox.Add(new OutboxRow { Id = outboxId, CaseId = id, Event = "test", Template = "task-assigned", CreatedAt = DateTimeOffset.UtcNow });

        // Another writer moves the case on between the read and the write.
        await using (var other = _app.Services.CreateAsyncScope())
            await other.ServiceProvider.GetRequiredService<ApprovalsDb>().Cases.Where(c => c.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1));

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => BatchWriter.SaveAsync(db, CancellationToken.None));

        await AssertNothingOfTheWriteKeptAsync(id, outboxId);
    }

    [Fact]
    public async Task Save_TaskWithCandidatesAddedChangedAndTrimmed_ReadsBackAsWritten()
    {
        var id = await StartCaseAsync();
        var taskId = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            db.Tasks.Add(new TaskRow
            {
                Id = taskId, CaseId = id, ActivityId = "extra", Status = "Open", CreatedAt = at, DueAt = null,
                Candidates = [new() { TaskId = taskId, Kind = "user", Name = "a@example.org" }, new() { TaskId = taskId, Kind = "group", Name = "board" }],
            });
            await BatchWriter.SaveAsync(db, CancellationToken.None);
        }
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var task = await db.Tasks.Include(t => t.Candidates).SingleAsync(t => t.Id == taskId);
            task.Status = "Completed";
            task.Decision = "approve";
            task.DecidedAt = at.AddHours(1);
            task.Candidates.RemoveAll(c => c.Kind == "group");
            await BatchWriter.SaveAsync(db, CancellationToken.None);
        }

        await using var check = _app.Services.CreateAsyncScope();
        var read = await check.ServiceProvider.GetRequiredService<ApprovalsDb>().Tasks.AsNoTracking().Include(t => t.Candidates).SingleAsync(t => t.Id == taskId);
        Assert.Equal(("Completed", "approve", at.AddHours(1), (DateTimeOffset?)null), (read.Status, read.Decision, read.DecidedAt!.Value, read.DueAt));
        Assert.Equal(["user:a@example.org"], read.Candidates.Select(c => $"{c.Kind}:{c.Name}"));
    }

    [Fact]
    public async Task Save_ExplicitRowsBesideTrackedCase_OnlyTheNamedColumnsChangeAndEveryRowReadsBack()
    {
        var id = await StartCaseAsync();
        var (kept, added) = (Guid.NewGuid(), Guid.NewGuid());
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            db.Tasks.Add(new TaskRow
            {
                Id = kept, CaseId = id, ActivityId = "extra", ActivityName = "Extra review", Status = "Open", CreatedAt = at, DueAt = at.AddDays(2),
                Candidates = [new() { TaskId = kept, Kind = "user", Name = "a@example.org" }, new() { TaskId = kept, Kind = "group", Name = "board" }],
            });
            await BatchWriter.SaveAsync(db, CancellationToken.None);
        }
        int auditCount;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var @case = await db.Cases.SingleAsync(c => c.Id == id); // tracked, changed in place
            @case.Title = "Rewritten";
            @case.Version++;
            auditCount = @case.AuditCount;
            var rows = new RowWrites();
            // An update by key: the row holds only the key and the columns named; the others must not be touched.
            var decided = new TaskRow { Id = kept, Status = "Completed", DecidedBy = "a@example.org" };
            rows.Set(decided, nameof(TaskRow.Status));
            rows.Set(decided, nameof(TaskRow.DecidedBy));
            rows.Delete(new TaskCandidateRow { TaskId = kept, Kind = "group", Name = "board" });
            rows.Insert(new TaskCandidateRow { TaskId = kept, Kind = "user", Name = "b@example.org" });
            rows.Insert(new TaskRow { Id = added, CaseId = id, ActivityId = "next", Status = "Open", CreatedAt = at });
            rows.Insert(new TaskCandidateRow { TaskId = added, Kind = "group", Name = "board" });
            // A row whose key the database generates (left at its default).
            rows.Insert(new AuditRow { CaseId = id, Seq = auditCount + 1000, At = at, Actor = "test", Action = "Explicit", PrevHash = "", Hash = "x" });
            await BatchWriter.SaveAsync(db, CancellationToken.None, rows);
        }

        await using var check = _app.Services.CreateAsyncScope();
        var fresh = check.ServiceProvider.GetRequiredService<ApprovalsDb>();
        Assert.Equal("Rewritten", (await fresh.Cases.AsNoTracking().SingleAsync(c => c.Id == id)).Title);
        var read = await fresh.Tasks.AsNoTracking().Include(t => t.Candidates).Where(t => t.Id == kept || t.Id == added).ToListAsync();
        var k = read.Single(t => t.Id == kept);
        Assert.Equal(("extra", "Extra review", "Completed", "a@example.org", (DateTimeOffset?)at.AddDays(2), id),
            (k.ActivityId, k.ActivityName, k.Status, k.DecidedBy, k.DueAt, k.CaseId));
        Assert.Equal(["user:a@example.org", "user:b@example.org"], k.Candidates.Select(c => $"{c.Kind}:{c.Name}").Order());
        Assert.Equal(["group:board"], read.Single(t => t.Id == added).Candidates.Select(c => $"{c.Kind}:{c.Name}"));
        Assert.True((await fresh.Audit.AsNoTracking().SingleAsync(a => a.CaseId == id && a.Action == "Explicit")).Id > 0);
    }

    [Fact]
    public async Task Save_ExplicitUpdateOfARowThatIsGone_ConcurrencyErrorAndNothingOfTheWriteKept()
    {
        var id = await StartCaseAsync();
        var outboxId = Guid.NewGuid();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var @case = await db.Cases.SingleAsync(c => c.Id == id);
            @case.Title = "Lost";
            @case.Version++;
            var rows = new RowWrites();
            rows.Insert(new OutboxRow { Id = outboxId, CaseId = id, Event = "test", Template = "task-assigned", CreatedAt = DateTimeOffset.UtcNow });
            var missing = new TaskRow { Id = Guid.NewGuid(), Status = "Completed" };
            rows.Set(missing, nameof(TaskRow.Status));
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => BatchWriter.SaveAsync(db, CancellationToken.None, rows));
        }

        await AssertNothingOfTheWriteKeptAsync(id, outboxId);
    }

    [Fact]
    public async Task Save_UntrackedCaseChangedSinceItsCopy_OnlyTheChangedColumnsWrittenWithTheOtherRows()
    {
        var id = await StartCaseAsync();
        var outboxId = Guid.NewGuid();
        CaseRow original;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var row = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id);
            original = row.Copy();
            row.Title = "Rewritten";
            row.Outcome = "Approved";
            row.Version++;
            // Another writer changes a column this write leaves alone without moving the version: it must stay as it wrote it.
            await using (var other = _app.Services.CreateAsyncScope())
                await other.ServiceProvider.GetRequiredService<ApprovalsDb>().Cases.Where(c => c.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, "Elsewhere"));
            var rows = new RowWrites();
            rows.Insert(new OutboxRow { Id = outboxId, CaseId = id, Event = "test", Template = "task-assigned", CreatedAt = DateTimeOffset.UtcNow });
            rows.Update(row, original);
            await BatchWriter.SaveAsync(db, CancellationToken.None, rows);
        }

        await using var check = _app.Services.CreateAsyncScope();
        var fresh = check.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var read = await fresh.Cases.AsNoTracking().SingleAsync(c => c.Id == id);
        Assert.Equal(("Rewritten", "Approved", original.Version + 1, "Elsewhere", original.StateJson, original.AuditSeal),
            (read.Title, read.Outcome, read.Version, read.Status, read.StateJson, read.AuditSeal));
        Assert.True(await fresh.Outbox.AnyAsync(o => o.Id == outboxId));
    }

    [Fact]
    public async Task Save_UntrackedCaseWhoseVersionMovedSinceItsCopy_ConcurrencyErrorAndNothingOfTheWriteKept()
    {
        var id = await StartCaseAsync();
        var outboxId = Guid.NewGuid();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var row = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id);
            var original = row.Copy();
            row.Title = "Lost";
            row.Version++;
            await using (var other = _app.Services.CreateAsyncScope())
                await other.ServiceProvider.GetRequiredService<ApprovalsDb>().Cases.Where(c => c.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1));
            var rows = new RowWrites();
            rows.Insert(new OutboxRow { Id = outboxId, CaseId = id, Event = "test", Template = "task-assigned", CreatedAt = DateTimeOffset.UtcNow });
            rows.Update(row, original);
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => BatchWriter.SaveAsync(db, CancellationToken.None, rows));
        }

        await AssertNothingOfTheWriteKeptAsync(id, outboxId);
    }

    /// <summary>After a refused write: the case as it was before it (its title "Written"), the write's outbox row absent.</summary>
    private async Task AssertNothingOfTheWriteKeptAsync(Guid caseId, Guid outboxId)
    {
        await using var check = _app.Services.CreateAsyncScope();
        var fresh = check.ServiceProvider.GetRequiredService<ApprovalsDb>();
        Assert.Equal("Written", (await fresh.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId)).Title);
        Assert.False(await fresh.Outbox.AnyAsync(o => o.Id == outboxId));
    }

    /// <summary>A case and three messages of it written together, which no dispatcher takes yet (their next attempt is a day away), one with a subject.</summary>
    private async Task<(Guid CaseId, List<OutboxRow> Rows)> ParkAsync()
    {
        var id = await StartCaseAsync();
        List<OutboxRow> rows =
        [
            .. Enumerable.Range(0, 3).Select(i => new OutboxRow
            {
                Id = Guid.NewGuid(), CaseId = id, Event = "test", Template = "task-assigned", Subject = i == 1 ? "Second" : null,
                CreatedAt = DateTimeOffset.UtcNow, NextAttemptAt = DateTimeOffset.UtcNow.AddDays(1),
            }),
        ];
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        db.Outbox.AddRange(rows);
        await BatchWriter.SaveAsync(db, CancellationToken.None);
        return (id, rows);
    }

    [Fact]
    public async Task Save_SeveralRowsOfOneKindAddedThenChanged_EachReadsBackAsWritten()
    {
        var (id, rows) = await ParkAsync();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var ids = rows.Select(r => r.Id).ToList();
            foreach (var row in await db.Outbox.Where(o => ids.Contains(o.Id)).ToListAsync())
            {
                row.Attempts = ids.IndexOf(row.Id) + 1;
                row.LastError = row.Subject is null ? $"refused {row.Attempts}" : null;
            }
            await BatchWriter.SaveAsync(db, CancellationToken.None);
        }

        await using var check = _app.Services.CreateAsyncScope();
        var read = await check.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking().Where(o => o.CaseId == id && o.Event == "test").ToListAsync();
        Assert.Equal(
            rows.Select((r, i) => (r.Id, r.Subject, i + 1, r.Subject is null ? $"refused {i + 1}" : null)).OrderBy(r => r.Id),
            read.Select(r => (r.Id, r.Subject, r.Attempts, r.LastError)).OrderBy(r => r.Id));
    }

    /// <summary>
    /// Writes that arrive together share one transaction on PostgreSQL (group commit): one of them refused must not take
    /// the others with it, and none of its own rows may stay.
    /// </summary>
    [Fact]
    public async Task Save_ManyAtOnceOneOfThemStale_OnlyTheStaleOneRefusedAndEveryOtherWritten()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++) ids.Add(await StartCaseAsync());
        var scopes = new List<AsyncServiceScope>();
        var writers = new List<(ApprovalsDb Db, Guid OutboxId)>();
        try
        {
            foreach (var id in ids)
            {
                var scope = _app.Services.CreateAsyncScope();
                scopes.Add(scope);
                var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
                var row = await db.Cases.SingleAsync(c => c.Id == id);
                row.Title = $"Written {id}";
                row.Version++;
                var outboxId = Guid.NewGuid();
                db.Outbox.Add(new OutboxRow { Id = outboxId, CaseId = id, Event = "test", Template = "task-assigned", CreatedAt = DateTimeOffset.UtcNow });
                writers.Add((db, outboxId));
            }
            var stale = ids[5];
            await using (var other = _app.Services.CreateAsyncScope())
                await other.ServiceProvider.GetRequiredService<ApprovalsDb>().Cases.Where(c => c.Id == stale)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1));

            var outcomes = await Task.WhenAll(writers.Select(w => Task.Run(async () =>
            {
                try
                {
                    await BatchWriter.SaveAsync(w.Db, CancellationToken.None);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            })));

            Assert.IsType<DbUpdateConcurrencyException>(outcomes[5]);
            Assert.All(outcomes.Where((_, i) => i != 5), Assert.Null);
            await AssertNothingOfTheWriteKeptAsync(stale, writers[5].OutboxId);
            await using var check = _app.Services.CreateAsyncScope();
            var read = check.ServiceProvider.GetRequiredService<ApprovalsDb>();
            var written = ids.Where(id => id != stale).ToList();
            Assert.Equal(written.Count, await read.Cases.CountAsync(c => written.Contains(c.Id) && c.Title.StartsWith("Written ")));
            var outboxIds = writers.Where((_, i) => i != 5).Select(w => w.OutboxId).ToList();
            Assert.Equal(outboxIds.Count, await read.Outbox.CountAsync(o => outboxIds.Contains(o.Id)));
        }
        finally
        {
            foreach (var scope in scopes) await scope.DisposeAsync();
        }
    }

    [Fact]
    public async Task Save_OneOfSeveralChangedRowsGoneSinceRead_ConcurrencyErrorAndNoneChanged()
    {
        var (id, rows) = await ParkAsync();
        await using var reader = _app.Services.CreateAsyncScope();
        var stale = reader.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var ids = rows.Select(r => r.Id).ToList();
        foreach (var row in await stale.Outbox.Where(o => ids.Contains(o.Id)).ToListAsync()) row.Attempts = 7;

        // Another writer removes the middle one between the read and the write.
        await using (var other = _app.Services.CreateAsyncScope())
            await other.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.Where(o => o.Id == rows[1].Id).ExecuteDeleteAsync();

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => BatchWriter.SaveAsync(stale, CancellationToken.None));

        await using var check = _app.Services.CreateAsyncScope();
        var left = await check.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking().Where(o => o.CaseId == id && o.Event == "test").ToListAsync();
        Assert.Equal(2, left.Count);
        Assert.All(left, r => Assert.Equal(0, r.Attempts));
    }
}

public sealed class BatchWriterTestsSqlite() : BatchWriterTests(StorageProvider.Sqlite);

public sealed class BatchWriterTestsPostgreSql() : BatchWriterTests(StorageProvider.PostgreSql);
