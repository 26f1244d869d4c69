using Microsoft.Extensions.Options;
using Approvals.Server.Persistence;
using Npgsql;

namespace Approvals.Server.Auth;

/// <summary>
/// On PostgreSQL, holds one connection with <c>LISTEN approvals_directory</c> and drops the standing of every
/// user another server changed, and the directory snapshot (<see cref="DirectoryCache"/>) when the directory
/// changed. The cache is on only while this connection listens: it is cleared and switched on right after
/// LISTEN succeeds (anything changed before then is read fresh), and cleared and switched off the
/// moment the connection fails, so a missed notification can never leave a stale entry in use. Npgsql's
/// keepalive makes a silently dropped connection fail instead of waiting forever. On SQLite the cache is simply on.
/// </summary>
public sealed class DirectoryListener(StandingCache cache, IServiceProvider services, ILogger<DirectoryListener> log) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetRequiredService<IOptions<StorageOptions>>().Value.Store != StoreProvider.PostgreSql)
        {
            cache.Enabled = true;
            return;
        }
        var connectionString = new NpgsqlConnectionStringBuilder(StorageSetup.ConnectionString(services))
        {
            KeepAlive = 5, Pooling = false, ApplicationName = "approvals-directory-listener",
        }.ConnectionString;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == StandingChanges.Everyone) cache.Clear();
                    else if (e.Payload == StandingChanges.Directory) cache.DropDirectory();
                    else cache.Invalidate(e.Payload);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {StandingChanges.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                cache.Enabled = true;
                if (failures > 0) log.LogInformation("Directory listener connected again; standing cache on");
                failures = 0;
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                cache.Enabled = false;
                if (failures++ == 0)
                    log.LogWarning(e, "Directory listener lost its connection; every token check reads the database until it is back");
                await Task.Delay(RetryDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                cache.Enabled = false;
            }
        }
    }
}
