using System.Net;
using System.Net.Sockets;
using System.Text;
using Approvals.Testing;

namespace Approvals.Benchmarks.Support;

/// <summary>
/// The mail relay of the benchmark: a minimal SMTP receiver on a free local port that counts the messages it accepts
/// and keeps nothing. The server under test delivers its notifications to it over SMTP, as a deployment delivers to
/// its relay, rather than writing one <c>.eml</c> file per message into one folder.
/// </summary>
/// <remarks>
/// Not the SmtpServer package the tests use: its listener leaves Nagle's algorithm on, so of its answers to a
/// client's pipelined commands the second waited for the client's delayed acknowledgement, about 40 ms, and one
/// connection carried some 20 messages a second; a production relay answers at once. Replies here go out as soon as
/// they are written (TCP_NODELAY).
/// </remarks>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _received;

    public SmtpSink()
    {
        _listener = new TcpListener(IPAddress.Loopback, SmtpRelay.FreePort());
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stop.Token);
    }

    public int Port { get; }

    public long Received => Interlocked.Read(ref _received);

    /// <summary>The server's settings that send its mail here (no TLS, no login).</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Email__Smtp__Host"] = "127.0.0.1", ["Email__Smtp__Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email__Smtp__Security"] = "None",
    };

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using var _ = client;
        client.NoDelay = true;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.Latin1);
            async Task Reply(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"), ct);
            await Reply("220 sink.bench ESMTP");
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await Reply("250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8");
                        break;
                    case "DATA":
                        await Reply("354 end with <CRLF>.<CRLF>");
                        while (await reader.ReadLineAsync(ct) is { } data && data != ".") { }
                        Interlocked.Increment(ref _received);
                        await Reply("250 2.0.0 accepted");
                        break;
                    case "QUIT":
                        await Reply("221 2.0.0 bye");
                        return;
                    default: // HELO, MAIL, RCPT, RSET, NOOP
                        await Reply("250 2.0.0 ok");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the client went away or the sink stops
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
