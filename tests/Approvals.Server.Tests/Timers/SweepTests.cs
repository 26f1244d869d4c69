using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Jobs;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Timers;

/// <summary>The minute sweep hands out again only the overdue timers whose job is gone, never one whose failed firing is being retried.</summary>
public abstract class SweepTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static readonly object Candidate = new { candidateName = "Candidate S", nationalId = "900000009", position = "Guard", riskScore = 20 };

    [Fact]
    public async Task Sweep_OverdueTimerWhoseFailedFiringAwaitsRetry_LeftToItsJob_AndOneWhoseJobIsGone_HandedOutAgain()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = "Vetting S", data = Candidate });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var view = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        var timer = view["timers"]!.AsArray().OrderBy(t => (DateTimeOffset)t!["dueAt"]!).First()!;
        var timerId = Guid.Parse((string)timer["id"]!);
        _app.Clock.Advance((DateTimeOffset)timer["dueAt"]! - _app.Clock.GetUtcNow() + TimeSpan.FromMinutes(5));

        // A firing that failed once and waits for Hangfire's retry (held back here, a day out).
        var jobs = _app.Services.GetRequiredService<IBackgroundJobClient>();
        var retrying = jobs.Schedule<FireTimerJob>(j => j.RunAsync(timerId, CancellationToken.None), TimeSpan.FromDays(1));
        await Db(db => db.Timers.Where(t => t.Id == timerId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.JobId, retrying).SetProperty(t => t.FailedAttempts, 1)));

        await Sweep();
        Assert.Equal(retrying, await JobOf(timerId));

        // The job is gone (deleted): the next sweep gives the timer a new one.
        jobs.Delete(retrying);
        await Sweep();
        Assert.NotEqual(retrying, await JobOf(timerId));
    }

    private async Task Sweep()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SweepTimersJob>().RunAsync(CancellationToken.None);
    }

    private Task<string?> JobOf(Guid timerId) => Db(db => db.Timers.AsNoTracking().Where(t => t.Id == timerId).Select(t => t.JobId).SingleAsync());

    private async Task<T> Db<T>(Func<ApprovalsDb, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ApprovalsDb>());
    }
}

public sealed class SweepSqliteTests() : SweepTests(StorageProvider.Sqlite);

public sealed class SweepPostgreSqlTests() : SweepTests(StorageProvider.PostgreSql);
