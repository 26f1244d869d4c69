using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Jobs;

/// <summary>
/// Hangfire on the case store: PostgreSQL (schema <c>hangfire</c> in the same database) in production;
/// for the embedded default a SQLite file beside the case database (<c>approvals.hangfire.db</c>), so the
/// job tables never hold the case file's write lock. Timer rows stay the truth either way: at start-up and
/// every minute, pending timers without a job, or overdue, are scheduled again.
/// </summary>
public static class JobsSetup
{
    /// <summary>How often the scheduler and the queue are polled. Timers are scheduled this much early and then wait for their second.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static IServiceCollection AddApprovalsJobs(this IServiceCollection services)
    {
        // The storage is built per host and registered before AddHangfire, whose own registration only
        // falls back to the static JobStorage.Current: two hosts in one process (tests, or a host beside a
        // tool) must never enqueue into each other's database.
        services.AddSingleton<JobStorage>(CreateStorage);
        // Likewise jobs are activated from this host's container, never from the process-wide activator.
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .UseLogProvider(new HangfireLogging(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, o) =>
        {
            o.SchedulePollingInterval = PollInterval;
            o.Activator = sp.GetRequiredService<JobActivator>();
            o.WorkerCount = sp.GetRequiredService<IOptions<JobsOptions>>().Value.Workers;
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
        });
        services.AddSingleton<NearTimers>();
        services.AddScoped<TimerScheduler>();
        services.AddScoped<FireTimerJob>();
        services.AddScoped<SweepTimersJob>();
        return services;
    }

    private static JobStorage CreateStorage(IServiceProvider sp)
    {
        var connection = StorageSetup.ConnectionString(sp);
        if (sp.GetRequiredService<IOptions<StorageOptions>>().Value.Store != StoreProvider.PostgreSql)
            return new SQLiteStorage(SqliteJobFile(sp.GetRequiredService<IOptions<JobsOptions>>().Value, connection), new SQLiteStorageOptions { QueuePollInterval = PollInterval });
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = PollInterval,
            EnableLongPolling = true,
        };
        return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connection, options), options);
    }

    /// <summary>The Hangfire file of the embedded store: <c>Jobs:SqlitePath</c>, else beside the case database.</summary>
    private static string SqliteJobFile(JobsOptions options, string caseConnection)
    {
        if (options.SqlitePath is { Length: > 0 } path) return path;
        var file = new SqliteConnectionStringBuilder(caseConnection).DataSource;
        var full = Path.GetFullPath(string.IsNullOrEmpty(file) ? "data/approvals.db" : file);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".hangfire.db");
    }

    /// <summary>The dashboard at <c>/hangfire</c>, for administrators only (a bearer token with the admin role).</summary>
    public static void MapJobsDashboard(this WebApplication app) =>
        app.UseHangfireDashboard(AuthSetup.DashboardPath, new DashboardOptions
        {
            Authorization = [new AdminOnly()],
            AsyncAuthorization = [],
            DisplayStorageConnectionString = false,
            DashboardTitle = "Approvals jobs",
        });

    /// <summary>Schedules the minute-by-minute sweep and runs one now, before the first request.</summary>
    public static async Task StartTimersAsync(IServiceProvider services, CancellationToken ct)
    {
        // Hangfire's log provider is static: make sure it is one that survives other hosts stopping
        // before this host builds its first Hangfire client.
        GlobalConfiguration.Configuration.UseLogProvider(new HangfireLogging(services.GetRequiredService<ILoggerFactory>()));
        services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<SweepTimersJob>("sweep-timers", j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SweepTimersJob>().RunAtStartupAsync(ct);
    }

    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsAdmin();
    }
}
