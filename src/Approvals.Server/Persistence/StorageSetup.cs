using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Approvals.Server.Persistence;

public enum StoreProvider { Sqlite, PostgreSql }

public static class StorageSetup
{
    public const string DefaultSqliteConnection = "Data Source=data/approvals.db";

    public static StoreProvider Provider(IConfiguration config)
    {
        var text = config["Storage:Provider"];
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
            o.UseSqlite(SqliteConnection(ConnectionString(sp.GetRequiredService<IConfiguration>()))).AddInterceptors(new SqliteBusyTimeout()));
        services.AddDbContext<PostgresApprovalsDb>((sp, o) => o.UseNpgsql(ConnectionString(sp.GetRequiredService<IConfiguration>())));
        services.AddScoped<ApprovalsDb>(sp => Provider(sp.GetRequiredService<IConfiguration>()) switch
        {
            StoreProvider.PostgreSql => sp.GetRequiredService<PostgresApprovalsDb>(),
            _ => sp.GetRequiredService<SqliteApprovalsDb>(),
        });
        return services;
    }

    public static string ConnectionString(IConfiguration config)
    {
        var connection = config.GetConnectionString("Approvals");
        if (!string.IsNullOrWhiteSpace(connection)) return connection;
        return Provider(config) == StoreProvider.Sqlite
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
        // Several servers may start together on one empty database. EF Core's own migration lock is taken
        // per migration, so with more than one to apply a second server can slip in between and apply the
        // next one first, and the first then fails applying it again ("column ... already exists"). One
        // session-level advisory lock around the whole run makes the second server wait and find nothing to do.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(7235846001)", ct);
            try
            {
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(7235846001)", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

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
