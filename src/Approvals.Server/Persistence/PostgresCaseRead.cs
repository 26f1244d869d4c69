using System.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Server.Persistence;

/// <summary>
/// The read every decision and timer starts with, on PostgreSQL: the case row (by its id, or by one of its tasks) and
/// the seal of its last history line, as one plain statement with a positional parameter. The same statement as the
/// compiled EF Core query beside it (<c>CaseStore.Loaders</c>, which SQLite and writes inside a caller's transaction
/// still use), without what EF Core adds on each run: a new delegate for the compiled query's row shaper
/// (<c>DynamicMethod.CreateDelegate</c>), Npgsql parsing the text to turn named parameters into positional ones, and
/// the query pipeline's own bookkeeping (issue 9, docs/performance.md section 19).
/// </summary>
internal static class PostgresCaseRead
{
    private const string Columns = """
        SELECT c."Id", c."WorkflowKey", c."WorkflowVersion", c."Title", c."Requester", c."Status", c."Outcome", c."DataJson",
               c."StateJson", c."CreatedAt", c."UpdatedAt", c."CompletedAt", c."Version", c."AuditCount", c."AuditSeal",
               (SELECT a."Hash" FROM "Audit" AS a WHERE a."CaseId" = c."Id" AND a."Seq" = c."AuditCount" LIMIT 1)
        FROM "Cases" AS c
        """;

    private const string ByCase = Columns + "\nWHERE c.\"Id\" = $1";

    private const string ByTask = Columns + "\nWHERE c.\"Id\" = (SELECT t.\"CaseId\" FROM \"Tasks\" AS t WHERE t.\"Id\" = $1)";

    public static async Task<CaseStore.Loaded?> LoadAsync(PostgresApprovalsDb db, Guid id, bool byTask, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(byTask ? ByTask : ByCase, (NpgsqlConnection)db.Database.GetDbConnection());
            if (db.Database.GetCommandTimeout() is { } timeout) command.CommandTimeout = timeout;
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, ct);
            if (!await reader.ReadAsync(ct)) return null;
            var row = new CaseRow
            {
                Id = reader.GetGuid(0),
                WorkflowKey = reader.GetString(1),
                WorkflowVersion = reader.GetInt32(2),
                Title = reader.GetString(3),
                Requester = reader.GetString(4),
                Status = reader.GetString(5),
                Outcome = reader.IsDBNull(6) ? null : reader.GetString(6),
                DataJson = reader.GetString(7),
                StateJson = reader.GetString(8),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(9),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(10),
                CompletedAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                Version = reader.GetInt32(12),
                AuditCount = reader.GetInt32(13),
                AuditSeal = reader.GetString(14),
            };
            return new CaseStore.Loaded { Case = row, Tail = reader.IsDBNull(15) ? null : reader.GetString(15) };
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
