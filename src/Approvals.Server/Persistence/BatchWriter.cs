using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Server.Persistence;

/// <summary>
/// Writes what the context tracks, as <c>SaveChanges</c> would, and the rows set out explicitly beside it
/// (<see cref="RowWrites"/>), for the hot writes: a step (case, tasks, candidates, timers, outbox, history), mail's
/// history lines, outbox progress and link tokens. On PostgreSQL the rows go as one batch of plain
/// statements with positional parameters, one round trip that commits them together (shared with the writes of other
/// requests that arrive meanwhile: group commit, <see cref="CommitGroup"/>), and the tracker is emptied after; elsewhere, inside a transaction the caller opened, or when the context holds a row of another kind, it is
/// <c>SaveChanges</c> itself.
/// </summary>
/// <remarks>
/// Why (issue 9): EF Core's update pipeline - sorting the commands, building their SQL text and parameters anew on
/// every call, and Npgsql then rewriting the named parameters back into positional ones - was about a tenth of the
/// server's CPU under load, more than the statements' own work; and its transaction cost a round trip of its own for
/// the COMMIT. The rows, the change tracking that finds them and the
/// guards are EF Core's as before: an update or delete that finds no row, or a concurrency token (the case's version)
/// that moved on, throws <see cref="DbUpdateConcurrencyException"/> and nothing is committed; a statement PostgreSQL
/// refuses (a unique key) throws <see cref="DbUpdateException"/> around it. Columns the database generates (the
/// history's serial id) are left to it and not read back: nothing reads them from a written row.
/// </remarks>
public static partial class BatchWriter
{
    /// <summary>The row kinds written here; any other tracked change sends the whole save to <c>SaveChanges</c>.</summary>
    private static readonly HashSet<Type> Kinds =
    [
        typeof(CaseRow), typeof(TaskRow), typeof(TaskCandidateRow), typeof(TimerRow), typeof(OutboxRow), typeof(AuditRow),
        typeof(EmailTokenRow), typeof(IdempotencyRow),
    ];

    /// <summary>Writes what the context tracks and <paramref name="rows"/>, in one transaction.</summary>
    public static async Task SaveAsync(ApprovalsDb db, CancellationToken ct, RowWrites? rows = null)
    {
        // Inside a transaction someone else opened, the write is theirs to commit: SaveChanges, which keeps it usable after a refusal.
        if (db is not PostgresApprovalsDb postgres || db.Database.CurrentTransaction is not null || Writes(postgres, rows) is not { } writes)
        {
            rows?.Track(db);
            await db.SaveChangesAsync(ct);
            return;
        }
        await WriteAsync(postgres, writes, ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>One row's write: a tracked entry, or a row of <see cref="RowWrites"/> with its columns.</summary>
    private readonly record struct Write(Table Table, EntityState State, object Row, EntityEntry? Entry, ulong Mask, object? Read = null);

    /// <summary>
    /// The tracked changes and <paramref name="rows"/> in the order they are written, or null when one of them is of a
    /// kind not written here.
    /// </summary>
    private static List<Write>? Writes(PostgresApprovalsDb db, RowWrites? rows)
    {
        var tables = TablesByModel.GetValue(db.Model, static m => new Tables(m));
        var writes = new List<Write>();
        foreach (var entry in db.ChangeTracker.Entries()) // detects the changes first, once
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached) continue;
            if (!tables.ByType.TryGetValue(entry.Metadata, out var table)) return null;
            writes.Add(new Write(table, entry.State, entry.Entity, entry, table.MaskOf(entry)));
        }
        foreach (var w in rows?.Items ?? [])
        {
            if (!tables.ByClrType.TryGetValue(w.Row.GetType(), out var table)) return null;
            writes.Add(new Write(table, w.State, w.Row, null, table.MaskOf(w), w.Original));
        }
        // The case rows first, in the order of their ids: every write of a case's rows also moves the case's version on,
        // so a second writer of the same case waits at the case row before it has touched anything else, and two
        // writers of several cases take them in the same order. (Written in the tracker's order, a step's history line
        // and a round of mail's update of the same case could each wait for the other until PostgreSQL's deadlock
        // check broke it after a second.) Then deletes, dependents before principals; then inserts and updates,
        // principals first (a task before its candidates). The sort is stable: otherwise the tracker's order.
        return writes.OrderBy(w => w.Row is CaseRow c ? (0, c.Id) : (1, Guid.Empty))
            .ThenBy(w => w.State == EntityState.Deleted ? -1000 - w.Table.Depth : w.Table.Depth)
            .ToList();
    }

    /// <summary>
    /// One round trip: the batch runs as PostgreSQL's implicit transaction (one Sync after the last statement), so a
    /// statement that fails rolls back those before it and skips those after. An update or delete is guarded inside
    /// its statement: it divides by the rows it changed, and zero rows fail the whole batch. Writes that arrive together
    /// share a batch and its commit (<see cref="CommitGroup"/>).
    /// </summary>
    private static Task WriteAsync(PostgresApprovalsDb db, List<Write> writes, CancellationToken ct)
    {
        writes.RemoveAll(w => w.State == EntityState.Modified && w.Mask == 0); // an update none of whose columns changed
        return writes.Count == 0 ? Task.CompletedTask : CommitGroup.For(db.Database.GetConnectionString()!).WriteAsync(db, writes, ct);
    }

    /// <summary>What a write's caller is told when PostgreSQL refused a statement of it (<paramref name="write"/>, when known).</summary>
    private static Exception Translate(PostgresException e, Write? write)
    {
        if (e.SqlState != PostgresErrorCodes.DivisionByZero)
            return new DbUpdateException($"PostgreSQL refused a row of the write ({e.SqlState}): {e.MessageText}", e);
        // Only a guard divides.
        var what = write is { } w ? $"The {w.State.ToString().ToLowerInvariant()} of a {w.Row.GetType().Name}" : "An update or delete";
        return new DbUpdateConcurrencyException($"{what} found no row: it changed or went since it was read.", e);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Tables> TablesByModel = new();

    private sealed class Tables
    {
        public readonly Dictionary<IEntityType, Table> ByType = [];

        /// <summary>The same tables by the rows' classes, for rows the tracker does not hold.</summary>
        public readonly Dictionary<Type, Table> ByClrType = [];

        public Tables(IModel model)
        {
            foreach (var type in model.GetEntityTypes().Where(t => Kinds.Contains(t.ClrType)))
                if (Table.TryCreate(type) is { } table) ByClrType[type.ClrType] = ByType[type] = table;
            foreach (var table in ByType.Values) table.Depth = DepthOf(table.Type, 0);
        }

        /// <summary>How many foreign keys lead from <paramref name="type"/> to a row that has none.</summary>
        private static int DepthOf(IEntityType type, int hops) =>
            hops > 10 ? hops : type.GetForeignKeys().Select(k => DepthOf(k.PrincipalEntityType, hops + 1) + 1).DefaultIfEmpty(0).Max();
    }

    /// <summary>One table's columns and the statement texts made for it, each once.</summary>
    private sealed class Table
    {
        public required IEntityType Type { get; init; }
        public required string Name { get; init; }
        public required IProperty[] Columns { get; init; }
        public required IClrPropertyGetter[] Getters { get; init; }
        public required Dictionary<string, int> Indexes { get; init; }
        public required NpgsqlDbType[] DbTypes { get; init; }
        public required int[] Keys { get; init; }
        public required int[] Tokens { get; init; }

        /// <summary>Whether an update or delete matches on the key alone (no other concurrency token).</summary>
        public required bool KeyAlone { get; init; }
        public int Depth { get; set; }

        private readonly ConcurrentDictionary<(EntityState, ulong), (string Sql, int[] Parameters)> _statements = new();

        public static Table? TryCreate(IEntityType type)
        {
            var columns = type.GetProperties().ToArray();
            if (columns.Length > 64 || type.GetTableName() is not { } name || type.GetSchema() is not null) return null;
            var dbTypes = new NpgsqlDbType[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                if (columns[i].GetTypeMapping().Converter is not null || DbTypeOf(columns[i].ClrType) is not { } t) return null;
                dbTypes[i] = t;
            }
            var keys = type.FindPrimaryKey()!.Properties.Select(p => Array.IndexOf(columns, p)).ToArray();
            var tokens = columns.Select((p, i) => (p, i)).Where(c => c.p.IsConcurrencyToken).Select(c => c.i).ToArray();
            return new Table
            {
                Type = type, Name = name, Columns = columns, DbTypes = dbTypes, Getters = columns.Select(c => c.GetGetter()).ToArray(),
                Indexes = columns.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i),
                Keys = keys,
                Tokens = tokens,
                KeyAlone = tokens.All(keys.Contains),
            };
        }

        private static NpgsqlDbType? DbTypeOf(Type clr) => (Nullable.GetUnderlyingType(clr) ?? clr) switch
        {
            var t when t == typeof(string) => NpgsqlDbType.Text,
            var t when t == typeof(Guid) => NpgsqlDbType.Uuid,
            var t when t == typeof(int) => NpgsqlDbType.Integer,
            var t when t == typeof(long) => NpgsqlDbType.Bigint,
            var t when t == typeof(bool) => NpgsqlDbType.Boolean,
            var t when t == typeof(DateTimeOffset) => NpgsqlDbType.TimestampTz,
            _ => null,
        };

        /// <summary>The columns a tracked entry writes: all but those the database generates (insert), those changed (update).</summary>
        public ulong MaskOf(EntityEntry entry)
        {
            ulong mask = 0;
            for (var i = 0; i < Columns.Length; i++)
            {
                var property = entry.Property(Columns[i]);
                var wanted = entry.State switch
                {
                    EntityState.Added => !property.IsTemporary, // a value the database generates is left to it
                    EntityState.Modified => property.IsModified,
                    _ => false,
                };
                if (wanted) mask |= 1UL << i;
            }
            return mask;
        }

        /// <summary>
        /// The columns an explicit write sets: all but a generated key left at its default (insert), those named (update
        /// by key), those whose values differ from the row as read (update guarded by it). An update or delete by key
        /// matches on the key alone, so its table must have no other concurrency token.
        /// </summary>
        public ulong MaskOf(RowWrite write)
        {
            ulong mask = 0;
            if (write.Original is { } original)
            {
                for (var i = 0; i < Columns.Length; i++)
                    if (!Equals(Getters[i].GetClrValueUsingContainingEntity(write.Row), Getters[i].GetClrValueUsingContainingEntity(original)))
                        mask |= 1UL << i;
                return mask;
            }
            if (write.State != EntityState.Added && !KeyAlone)
                throw new InvalidOperationException($"A {Type.ClrType.Name} has a concurrency token: write it with {nameof(RowWrites)}.{nameof(RowWrites.Update)}.");
            if (write.State == EntityState.Added)
            {
                for (var i = 0; i < Columns.Length; i++)
                    if (!(Columns[i].ValueGenerated.HasFlag(ValueGenerated.OnAdd) && Getters[i].HasSentinelValueUsingContainingEntity(write.Row)))
                        mask |= 1UL << i;
            }
            else if (write.State == EntityState.Modified)
                foreach (var column in write.Columns!) mask |= 1UL << Indexes[column];
            return mask;
        }

        /// <summary>The statement that writes <paramref name="write"/> (an update changes at least one column).</summary>
        public NpgsqlBatchCommand Command(Write write)
        {
            var (sql, parameters) = _statements.GetOrAdd((write.State, write.Mask), Build);
            var command = new NpgsqlBatchCommand(sql);
            foreach (var p in parameters)
            {
                // Below zero: the original value of a column the statement matches on (a key, a concurrency token). An
                // explicit write's key is as in the database, unless it brings the row as read.
                var (index, original) = p < 0 ? (-p - 1, true) : (p, false);
                var value = write.Entry is { } entry
                    ? original ? entry.Property(Columns[index]).OriginalValue : entry.Property(Columns[index]).CurrentValue
                    : Getters[index].GetClrValueUsingContainingEntity(original && write.Read is { } read ? read : write.Row);
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = DbTypes[index], Value = value ?? DBNull.Value });
            }
            return command;
        }

        private (string, int[]) Build((EntityState State, ulong Mask) shape)
        {
            var parameters = new List<int>();
            string Next(int column, bool original)
            {
                parameters.Add(original ? -column - 1 : column);
                return "$" + parameters.Count;
            }
            string Q(int column) => $"\"{Columns[column].GetColumnName()}\"";
            var set = Enumerable.Range(0, Columns.Length).Where(i => (shape.Mask & (1UL << i)) != 0).ToList();
            string Where() => string.Join(" AND ", Keys.Concat(Tokens.Except(Keys)).Select(i => $"{Q(i)} = {Next(i, original: true)}"));
            var sql = shape.State switch
            {
                EntityState.Added => $"INSERT INTO \"{Name}\" ({string.Join(", ", set.Select(Q))}) VALUES ({string.Join(", ", set.Select(i => Next(i, false)))})",
                EntityState.Modified => Guarded($"UPDATE \"{Name}\" SET {string.Join(", ", set.Select(i => $"{Q(i)} = {Next(i, false)}"))} WHERE {Where()}"),
                EntityState.Deleted => Guarded($"DELETE FROM \"{Name}\" WHERE {Where()}"),
                _ => throw new InvalidOperationException($"No statement for a {shape.State} row."),
            };
            return (sql, parameters.ToArray());
        }

        /// <summary>The statement, failing with a division by zero when it changes no row.</summary>
        private static string Guarded(string change) => $"WITH changed AS ({change} RETURNING 1) SELECT 1 / count(*) FROM changed";
    }
}
