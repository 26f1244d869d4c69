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

    public static async Task<RawSmtp> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawSmtp(tcp);
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
