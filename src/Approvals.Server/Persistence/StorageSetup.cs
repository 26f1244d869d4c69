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
        services.AddDbContext<SqliteApprovalsDb>((sp, o) =>
            o.UseSqlite(SqliteConnection(ConnectionString(sp))).AddInterceptors(new SqliteBusyTimeout()));
        services.AddDbContext<PostgresApprovalsDb>((sp, o) => o.UseNpgsql(ConnectionString(sp)));
        services.AddScoped<ApprovalsDb>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Store switch
        {
            StoreProvider.PostgreSql => sp.GetRequiredService<PostgresApprovalsDb>(),
            _ => sp.GetRequiredService<SqliteApprovalsDb>(),
        });
        return services;
    }

    /// <summary><c>ConnectionStrings:Approvals</c>, or the embedded default when the store is SQLite.</summary>
    public static string ConnectionString(IServiceProvider sp)
    {
        var connection = sp.GetRequiredService<IConfiguration>().GetConnectionString("Approvals");
        if (!string.IsNullOrWhiteSpace(connection)) return connection;
        return sp.GetRequiredService<IOptions<StorageOptions>>().Value.Store == StoreProvider.Sqlite
            ? DefaultSqliteConnection
            : throw new InvalidOperationException("Storage:Provider is PostgreSql: set ConnectionStrings:Approvals (ConnectionStrings__Approvals=Host=...).");
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
