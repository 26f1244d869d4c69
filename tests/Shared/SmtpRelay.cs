using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Storage;

namespace Approvals.Testing;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free local port, handing every message it receives to a
/// <see cref="MessageStore"/>: the relay of the tests' sink and of the benchmark.
/// </summary>
public sealed class SmtpRelay : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _sessions;

    /// <param name="idleTimeout">How long the relay waits for a client's next command before it closes the connection.</param>
    public SmtpRelay(string serverName, MessageStore store, TimeSpan? idleTimeout = null)
    {
        Port = FreePort();
        var builder = new SmtpServerOptionsBuilder().ServerName(serverName).Port(Port);
        if (idleTimeout is { } timeout) builder = builder.CommandWaitTimeout(timeout);
        var options = builder.Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _running = server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>SMTP connections accepted so far.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>A local port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        _stop.Dispose();
    }
}
