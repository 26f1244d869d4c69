using Npgsql;

namespace Approvals.Benchmarks.Api;

/// <summary>
/// Counts the outbox's unsent mail every 250 ms while a phase runs. The decisions a phase measures each queue a
/// notification in their own transaction, and the server sends it afterwards: how far the sending falls behind is
/// part of what a decision costs, and what a reviewer who decides from the mailbox waits for.
/// </summary>
public sealed class OutboxWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _max;
    private bool _stopped;

    private OutboxWatch(string connectionString) => _sampling = SampleAsync(connectionString, _stop.Token);

    public static OutboxWatch Start(string connectionString) => new(connectionString);

    /// <summary>The most unsent messages seen so far.</summary>
    public long Max => Interlocked.Read(ref _max);

    /// <summary>The unsent messages now, the sampling stopped.</summary>
    public async Task<long> StopAsync(string connectionString, CancellationToken ct)
    {
        await DisposeAsync();
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(ct);
        var now = await Inbox.UnsentAsync(db, ct);
        if (now > Max) Interlocked.Exchange(ref _max, now);
        return now;
    }

    private async Task SampleAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var db = new NpgsqlConnection(connectionString);
            await db.OpenAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var unsent = await Inbox.UnsentAsync(db, ct);
                if (unsent > Max) Interlocked.Exchange(ref _max, unsent);
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // the phase ended
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
