using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>Wakes the dispatcher early: called after a step that queued mail commits, so a task email leaves at once.</summary>
public sealed class OutboxNudge : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Nudge()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already nudged
            }
        }
    }

    /// <summary>Waits for a nudge or the timeout; true when nudged.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public void Dispose() => _signal.Dispose();

    /// <summary>Nudges the dispatcher of this server when <paramref name="step"/> queued mail (called after its commit).</summary>
    public static void After(Persistence.ApprovalsDb db, Approvals.Engine.Runtime.Step step)
    {
        if (!step.Effects.OfType<Approvals.Engine.Runtime.NotificationRequested>().Any()) return;
        // The application's services, as EF Core holds them; a host without outbound email has no nudge to give.
        var options = Microsoft.EntityFrameworkCore.Infrastructure.AccessorExtensions.GetService<Microsoft.EntityFrameworkCore.Infrastructure.IDbContextOptions>(db);
        var app = options.FindExtension<Microsoft.EntityFrameworkCore.Infrastructure.CoreOptionsExtension>()?.ApplicationServiceProvider;
        (app?.GetService(typeof(OutboxNudge)) as OutboxNudge)?.Nudge();
    }
}

/// <summary>
/// Runs the outbox dispatcher every <c>Email__PollInterval</c> (real time, whatever clock the server runs on), sooner
/// when nudged (after <c>Email__DispatchGather</c>), and at once again after a full batch. A failing round is logged and the loop goes on: the rows carry their own attempts.
/// </summary>
public sealed class DispatchOutboxService(IServiceScopeFactory scopes, OutboxNudge nudge, IOptions<EmailOptions> options,
    ILogger<DispatchOutboxService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Dispatch) return;
        if (o.DispatchNice == 0)
        {
            await LoopAsync(belowRequests: false, stoppingToken);
            return;
        }
        // Mail is background work: its rendering and composing run below the requests' priority (issue 9).
        using var scheduler = new Hosting.BackgroundScheduler("Approvals mail", o.DispatchConcurrency, o.DispatchNice);
        await scheduler.RunAsync(() => LoopAsync(belowRequests: true, stoppingToken), stoppingToken);
    }

    private bool _catchingUp;

    /// <summary>
    /// Whether a round <paramref name="late"/> by this much runs at the requests' priority: below them (on the
    /// background scheduler) until mail is <see cref="OutboxDispatcher.CatchUpAfter"/> late, then at their priority
    /// until a round is on time again. Logged when it changes.
    /// </summary>
    private bool CatchingUp(TimeSpan late)
    {
        var behind = _catchingUp ? late > TimeSpan.FromSeconds(1) : late > OutboxDispatcher.CatchUpAfter;
        if (behind != _catchingUp)
        {
            if (behind) log.LogInformation("Mail is {Seconds:0} s late: sending at the requests' priority until it has caught up", late.TotalSeconds);
            else log.LogInformation("Mail has caught up: sending below the requests' priority again");
            _catchingUp = behind;
        }
        return behind;
    }

    /// <param name="belowRequests">Whether the loop runs on the background scheduler, below the requests' priority.</param>
    private async Task LoopAsync(bool belowRequests, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // One round: its rows claimed, read for, sent several at once and recorded by one dispatcher (one
                // scope, one connection); the claim settles any overlap with other servers.
                await using var scope = scopes.CreateAsyncScope();
                var dispatcher = scope.ServiceProvider.GetRequiredService<OutboxDispatcher>();
                var (due, late) = await dispatcher.DueWithLatenessAsync(stoppingToken);
                if (belowRequests && CatchingUp(late))
                    // Mail this late is sent at the requests' priority, on the thread pool, until it has caught up.
                    await Task.Run(() => dispatcher.SendAsync(due, stoppingToken), stoppingToken);
                else await dispatcher.SendAsync(due, stoppingToken);
                // A full round means more may be due: go on at once rather than wait (a backlog drained at one batch
                // per poll interval, 25 messages a second, issue 9).
                if (due.Count >= OutboxDispatcher.Batch) continue;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                log.LogError(ex, "Outbox dispatch round failed; trying again in {Interval}", options.Value.PollInterval);
            }
            try
            {
                // Woken by a step that queued mail: let the next few steps' mail join the round.
                if (await nudge.WaitAsync(options.Value.PollInterval, stoppingToken) && options.Value.DispatchGather > TimeSpan.Zero)
                    await Task.Delay(options.Value.DispatchGather, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
