using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Features.Events;

/// <summary>What changed: a case (and, where one was touched, a task). Clients re-read through the normal routes.</summary>
public sealed record CaseEvent(Guid CaseId, Guid? TaskId, string Action, DateTimeOffset At);

public sealed class EventsOptions
{
    /// <summary>How often the audit table is read for new rows while someone listens.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events kept for a listener that reads slowly; older ones are dropped (the client re-reads anyway).</summary>
    [Range(1, 10_000)]
    public int BufferPerListener { get; set; } = 256;
}

/// <summary>
/// The live feed behind <c>GET /api/events</c>. Every step writes audit rows in its own transaction, so the
/// audit table is the change log: one loop per server reads the rows after the last one it saw and hands
/// each listener the events of the cases that listener may see (the same rule as <c>GET /api/cases</c>).
/// Reading the database rather than an in-process bus means a step committed by another server of the
/// cluster reaches this server's listeners too.
/// </summary>
public sealed class EventFeed(IServiceScopeFactory scopes, DirectoryCache directory, IOptions<EventsOptions> options, ILogger<EventFeed> log) : BackgroundService
{
    // PostgreSQL hands out identity values at insert, not at commit: a row with a lower id may become
    // visible after a higher one was read. So each read looks back this many ids and skips the ones
    // already delivered.
    private const int LookBack = 500;

    private readonly Lock gate = new();
    private readonly List<Listener> listeners = [];
    private readonly HashSet<long> delivered = [];
    private long watermark = -1;

    private sealed record Listener(Actor Actor, Channel<CaseEvent> Channel);

    public ChannelReader<CaseEvent> Subscribe(Actor actor, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<CaseEvent>(new BoundedChannelOptions(options.Value.BufferPerListener)
        { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var listener = new Listener(actor, channel);
        lock (gate) listeners.Add(listener);
        ct.Register(() =>
        {
            lock (gate) listeners.Remove(listener);
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        await StartFromNowAsync(stoppingToken);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Listener[] now;
            lock (gate) now = [.. listeners];
            try
            {
                await PollAsync(now, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed read (database restarting, lost connection) is retried on the next tick from the same watermark.
                log.LogWarning(e, "Reading the audit table for live events failed; retrying");
            }
        }
    }

    private async Task StartFromNowAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            watermark = await db.Audit.MaxAsync(a => (long?)a.Id, ct) ?? 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Reading the audit table for live events failed; retrying");
        }
    }

    private async Task PollAsync(Listener[] now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        if (watermark < 0 || now.Length == 0)
        {
            // Nobody listens: only move the watermark, so a new listener gets changes from now on.
            watermark = await db.Audit.MaxAsync(a => (long?)a.Id, ct) ?? 0;
            delivered.Clear();
            return;
        }

        var from = Math.Max(0, watermark - LookBack);
        var rows = await db.Audit.AsNoTracking().Where(a => a.Id > from).OrderBy(a => a.Id).Take(1000)
            .Select(a => new { a.Id, a.CaseId, a.TaskId, a.Action, a.At }).ToListAsync(ct);
        var fresh = rows.Where(r => !delivered.Contains(r.Id)).ToList();
        if (rows.Count > 0) watermark = Math.Max(watermark, rows[^1].Id);
        foreach (var r in fresh) delivered.Add(r.Id);
        delivered.RemoveWhere(id => id <= watermark - LookBack);
        if (fresh.Count == 0) return;

        // One event per case and task touched in this batch (a decision writes several audit rows).
        var events = fresh.GroupBy(r => (r.CaseId, r.TaskId))
            .Select(g => g.Last()).Select(r => new CaseEvent(r.CaseId, r.TaskId, r.Action, r.At)).ToList();
        var caseIds = events.Select(e => e.CaseId).Distinct().ToList();

        foreach (var listener in now)
        {
            var visible = await VisibleAsync(db, listener.Actor, caseIds, ct);
            foreach (var e in events.Where(e => visible.Contains(e.CaseId)))
                listener.Channel.Writer.TryWrite(e);
        }
    }

    private async Task<HashSet<Guid>> VisibleAsync(ApprovalsDb db, Actor actor, List<Guid> caseIds, CancellationToken ct)
    {
        if (actor.IsAdmin) return [.. caseIds];
        var groups = await directory.GroupsOfAsync(db, actor.Email, ct);
        return [.. await db.VisibleCases(actor.Email, groups, admin: false).Where(c => caseIds.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct)];
    }
}

public static class EventsSetup
{
    public static IServiceCollection AddApprovalsEvents(this IServiceCollection services)
    {
        services.AddOptions<EventsOptions>().BindConfiguration("Events").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EventFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<EventFeed>());
        return services;
    }
}
