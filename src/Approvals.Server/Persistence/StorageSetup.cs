using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Persistence;

public enum StoreProvider { Sqlite, PostgreSql }

public static class StorageSetup
{
    public const string DefaultSqliteConnection = "Data Source=data/approvals.db";

    public static StoreProvider Provider(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return StoreProvider.Sqlite;
        if (Enum.TryParse<StoreProvider>(text, ignoreCase: true, out var p)) return p;
        if (text.Equals("postgres", StringComparison.OrdinalIgnoreCase) || text.Equals("npgsql", StringComparison.OrdinalIgnoreCase))
            return StoreProvider.PostgreSql;
        throw new InvalidOperationException($"Storage:Provider '{text}' is not known; use Sqlite or PostgreSql.");
    }

    /// <summary>
    /// Registers the store chosen by <c>Storage:Provider</c>; <see cref="ApprovalsDb"/> resolves to it. The
    /// configuration is read when the first context is made, not now, so hosts (and test factories) that add
    /// configuration after this call still decide the store.
    /// </summary>
    public static IServiceCollection AddApprovalsStorage(this IServiceCollection services)
    {
        // Pooled contexts: a request reuses a context instead of building one and its services (issue 9).
        services.AddDbContextPool<SqliteApprovalsDb>((sp, o) =>
            Quiet(o.UseSqlite(SqliteConnection(ConnectionString(sp))).AddInterceptors(new SqliteBusyTimeout())));
        services.AddDbContextPool<PostgresApprovalsDb>((sp, o) =>
            Quiet(o.UseNpgsql(TunedNpgsql(ConnectionString(sp))).AddInterceptors(GenericPlanInterceptor.Instance)));
        services.AddScoped<ApprovalsDb>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Store switch
        {
            StoreProvider.PostgreSql => sp.GetRequiredService<PostgresApprovalsDb>(),
            _ => sp.GetRequiredService<SqliteApprovalsDb>(),
        });
        return services;
    }

    /// <summary>
    /// The inbox caps how many candidate rows it counts with a LIMIT that needs no order (any 501 rows tell "more than
    /// 500"); EF warns about every such query at start-up, which would read like a fault in the server's log.
    /// </summary>
    private static void Quiet(DbContextOptionsBuilder o) =>
        o.ConfigureWarnings(w => w.Ignore(CoreEventId.RowLimitingOperationWithoutOrderByWarning));

    /// <summary><c>ConnectionStrings:Approvals</c>, or the embedded default when the store is SQLite.</summary>
    public static string ConnectionString(IServiceProvider sp)
    {
        var connection = sp.GetRequiredService<IConfiguration>().GetConnectionString("Approvals");
        if (!string.IsNullOrWhiteSpace(connection)) return connection;
        return sp.GetRequiredService<IOptions<StorageOptions>>().Value.Store == StoreProvider.Sqlite
            ? DefaultSqliteConnection
            : throw new InvalidOperationException("Storage:Provider is PostgreSql: set ConnectionStrings:Approvals (ConnectionStrings__Approvals=Host=...).");
    }

    /// <summary>The engine's PostgreSQL connections at most, unless the connection string says: four per core, at least 8.</summary>
    public static int DefaultMaxPoolSize => Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>
    /// The engine's own PostgreSQL connections prepare the statements they send again and again (Npgsql's automatic
    /// preparation: parsed and planned once per connection, not on every call) and keep them when a connection goes
    /// back to the pool (no DISCARD ALL, which would drop them). Nothing here leaves session state behind (the
    /// migration lock is released explicitly). The pool holds at most <see cref="DefaultMaxPoolSize"/> connections. Each setting,
    /// when the connection string names it, is left as given.
    /// </summary>
    public static string TunedNpgsql(string connection)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection };
        var b = new Npgsql.NpgsqlConnectionStringBuilder(connection);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare")) b.MaxAutoPrepare = 64;
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose")) b.NoResetOnClose = true;
        // PostgreSQL's JIT compiles a query whose estimated cost is high, which for these short index reads costs
        // tens of milliseconds and saves none (the case list at 10 million tasks: 24-60 ms of compiling for a 0.6 ms
        // query, docs/performance.md). Off for the engine's sessions unless the connection string sets Options.
        if (!given.ContainsKey("Options")) b.Options = "-c jit=off";
        // A few connections per core: more sessions busy at once than PostgreSQL has cores to run them on only adds
        // switching between them. A request that finds every connection busy waits for one in the pool (Npgsql's
        // Timeout, 15 s by default) instead of starting another session. Measured on 2 cores at 16 concurrent
        // reviewers: 8 connections cost PostgreSQL less CPU per decision than the default 100 in three of four pairs
        // and as much in the fourth (issue 9, docs/performance.md section 21).
        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("MaxPoolSize"))
            b.MaxPoolSize = DefaultMaxPoolSize;
        return b.ConnectionString;
    }

    /// <summary>Creates the folder of a file database and sets a busy timeout so concurrent writers wait instead of failing.</summary>
    private static string SqliteConnection(string connection) => SqliteConnections.GetOrAdd(connection, PrepareSqlite);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> SqliteConnections = new();

    private static string PrepareSqlite(string connection)
    {
        var b = new SqliteConnectionStringBuilder(connection);
        if (b.DataSource is { Length: > 0 } file && file != ":memory:" && b.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        if (b.DefaultTimeout < 30) b.DefaultTimeout = 30;
        return b.ToString();
    }

    /// <summary>Brings the schema up to date; call once at start-up before anything reads the database.</summary>
    public static async Task MigrateAsync(this ApprovalsDb db, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            // WAL lets readers carry on while one writer commits; the setting is kept in the file.
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        if (!db.Database.IsNpgsql())
        {
            await db.Database.MigrateAsync(ct);
            return;
        }
        // EF Core's own lock on PostgreSQL is a table lock held per migration transaction: with several pending
        // migrations, two servers starting at once interleave and the second applies one the first already did
        // ("column ... already exists"). A session advisory lock on the connection EF then uses serializes the
        // whole run; the second server finds everything applied. The lock ends with the session if we die.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(" + MigrationLockKey + ")", ct);
            try
            {
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(" + MigrationLockKey + ")", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Any fixed number: the advisory lock that lets one server at a time migrate a PostgreSQL database.</summary>
    private const string MigrationLockKey = "4706349925050761521"; // 0x4150_5052_4F56_4131, "APPROVA1"

    private sealed class SqliteBusyTimeout : DbConnectionInterceptor
    {
        private const string Pragma = "PRAGMA busy_timeout=5000;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragma;
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragma;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
