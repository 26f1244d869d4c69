using Approvals.Server.Auth;
using Approvals.Server.Features.Directory;
using Approvals.Server.Features.Examples;
using Approvals.Server.Persistence;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Hosting;

/// <summary>What must happen before the first request: schema up to date, signing key known, admin and examples in place.</summary>
public static class StartupTasks
{
    public static async Task RunAsync(WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Approvals.Startup");
        var db = sp.GetRequiredService<ApprovalsDb>();
        var clock = sp.GetRequiredService<TimeProvider>();

        await db.MigrateAsync(ct);
        log.LogInformation("Database ready ({Provider})", db.Database.ProviderName);
        await sp.GetRequiredService<SigningKeys>().LoadAsync(db, ct);
        var auditKeys = sp.GetRequiredService<AuditKeys>();
        await auditKeys.LoadAsync(db, ct);
        if (!auditKeys.FromConfiguration)
            log.LogWarning("Audit:Key is not set: the audit seal key was generated and is kept in the database it protects; set Audit__Key from a secret store");
        await AuditSealUpgrade.RunAsync(db, auditKeys, clock, log, ct);
        await EnsureBootstrapAdmin.RunAsync(db, sp.GetRequiredService<IOptions<BootstrapOptions>>().Value, clock, sp.GetRequiredService<StandingChanges>(), log, ct);

        var examples = sp.GetRequiredService<IOptions<ExamplesOptions>>().Value;
        if (LoadExamples.Enabled(examples, sp.GetRequiredService<IOptions<StorageOptions>>().Value))
        {
            var folder = LoadExamples.FindFolder(examples, app.Environment.ContentRootPath);
            if (folder is null) log.LogWarning("Examples:Load is on but no workflows/directory.json was found; set Examples:Path");
            else
            {
                await LoadExamples.RunAsync(db, folder, clock, log, ct);
                // Demo users and groups may be new to servers already running: they read the directory again.
                await sp.GetRequiredService<StandingChanges>().RunAsync(db, [], () => Task.CompletedTask, ct, directory: true);
            }
        }
    }
}
