using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Approvals.Server.Email;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>
/// Our own seam, standing in for the real handler: keeps every message handed over, and can be told to fail the next
/// few (as a database outage would). The transports around it are real.
/// </summary>
public sealed class RecordingInboundMail : IInboundMail
{
    private readonly ConcurrentQueue<(byte[] Raw, InboundSource Source)> _received = new();
    private int _failuresLeft;

    public IReadOnlyList<(byte[] Raw, InboundSource Source)> Received => [.. _received];

    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    public async Task<InboundResult> AcceptAsync(Stream rawMime, InboundSource source, CancellationToken ct)
    {
        using var copy = new MemoryStream();
        await rawMime.CopyToAsync(copy, ct);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0) throw new InvalidOperationException("the store is down (test)");
        _received.Enqueue((copy.ToArray(), source));
        return new InboundResult("ignored", "recorded by the test");
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived, or fails after <paramref name="within"/>.</summary>
    public async Task WaitForAsync(int count, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (_received.Count < count)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{_received.Count} of {count} messages arrived within {within}.");
            await Task.Delay(50);
        }
    }
}

/// <summary>
/// The real server with <see cref="RecordingInboundMail"/> as its inbound handler and the real clock, without the
/// examples and demo directory (the transports need neither, and the server starts faster).
/// </summary>
public sealed class TransportApp(StorageProvider provider, IReadOnlyDictionary<string, string?> settings, RecordingInboundMail inbound)
    : ApprovalsAppFactory(provider, store: null, new Dictionary<string, string?>(settings) { ["Examples:Load"] = "false" }, realClock: true)
{
    public RecordingInboundMail Inbound { get; } = inbound;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IInboundMail>(Inbound).AddFakeLogging());
    }

    /// <summary>What the server logged (beside its usual providers).</summary>
    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Starts the host (and with it the transports).</summary>
    public TransportApp Started()
    {
        _ = Services;
        return this;
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
