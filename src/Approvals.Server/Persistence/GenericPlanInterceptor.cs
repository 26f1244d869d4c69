using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Approvals.Server.Persistence;

/// <summary>
/// Runs a PostgreSQL statement tagged <see cref="Tag"/> (<c>TagWith</c>) under <c>plan_cache_mode = force_generic_plan</c>:
/// the setting, the statement and the reset go as one batch, one round trip, instead of three (issue 9). The three
/// share the batch's implicit transaction, so when the statement fails the setting is rolled back with it; when it
/// succeeds the reset has run before the reader hands back a row. Npgsql skips the two results without rows.
/// </summary>
public sealed class GenericPlanInterceptor : DbCommandInterceptor
{
    public const string Tag = "generic plan";

    public static readonly GenericPlanInterceptor Instance = new();

    private const string Marker = "-- " + Tag;

    /// <summary>EF Core hands a compiled statement's one text to each of its commands: rewritten once per text.</summary>
    private static readonly ConditionalWeakTable<string, string> Rewritten = new();

    private GenericPlanInterceptor() { }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    private static void Rewrite(DbCommand command)
    {
        var text = command.CommandText;
        if (!text.StartsWith(Marker, StringComparison.Ordinal)) return;
        command.CommandText = Rewritten.GetValue(text,
            static t => "SET plan_cache_mode = force_generic_plan;\n" + t.TrimEnd().TrimEnd(';') + ";\nRESET plan_cache_mode");
    }
}
