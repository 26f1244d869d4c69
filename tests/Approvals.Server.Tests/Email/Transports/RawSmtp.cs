using System.Net.Sockets;
using System.Text;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>An SMTP conversation typed by hand, for what a polite client such as MailKit never sends (DATA beyond SIZE).</summary>
public sealed class RawSmtp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawSmtp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.Latin1);
    }

    /// <summary>Connects to the listener on 127.0.0.1, from <paramref name="from"/> when given (any 127.x.y.z is this host).</summary>
    /// <param name="receiveBuffer">A receive buffer this small (set before connecting, so the window stays small).</param>
    public static async Task<RawSmtp> ConnectAsync(int port, string? from = null, int? receiveBuffer = null)
    {
        var tcp = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0));
        if (receiveBuffer is { } size) tcp.ReceiveBufferSize = size;
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawSmtp(tcp);
    }

    /// <summary>Sends NOOPs as fast as the connection takes them for <paramref name="duration"/>, reading nothing.</summary>
    /// <returns>Whether the connection broke while flooding (the listener closed it) rather than the time running out.</returns>
    public async Task<bool> FloodWithoutReadingAsync(TimeSpan duration)
    {
        var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", 1000)));
        using var cts = new CancellationTokenSource(duration);
        try
        {
            while (true) await _stream.WriteAsync(batch, cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false; // the time is up (the connection stopped taking more: the listener's replies are unread)
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>True when the server closed the connection within <paramref name="wait"/> (what it still had to say is skipped).</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            while (await _reader.ReadLineAsync(cts.Token) is not null) { }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>True when the server said something within <paramref name="wait"/> (nothing is read).</summary>
    public async Task<bool> SpokeWithinAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        return _tcp.Available > 0;
    }

    /// <summary>Reads one reply (all its lines).</summary>
    public async Task<string> ReplyAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = new StringBuilder();
        while (await _reader.ReadLineAsync(cts.Token) is { } line)
        {
            reply.Append(line).Append('\n');
            if (line.Length < 4 || line[3] == ' ') break;
        }
        return reply.ToString();
    }

    public async Task<string> SendAsync(string line)
    {
        await WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"));
        return await ReplyAsync();
    }

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
