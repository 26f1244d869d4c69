using System.Buffers;
using System.Collections.Concurrent;
using Approvals.Testing;
using MimeKit;
using SmtpServer;
using SmtpServer.Storage;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free local port that keeps every message it receives, parsed by
/// MimeKit. For any test that needs to see what the server sends: point <c>Email:Smtp:Host</c>/<c>Port</c> at
/// <see cref="Settings"/> and wait with <see cref="WaitForAsync"/>.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly SmtpRelay _relay;

    /// <param name="idleTimeout">How long the sink waits for a client's next command before it closes the connection.</param>
    public SmtpSink(TimeSpan? idleTimeout = null) => _relay = new SmtpRelay("sink.test", new Store(_messages), idleTimeout);

    public int Port => _relay.Port;

    /// <summary>SMTP connections the server opened to this sink so far.</summary>
    public int Sessions => _relay.Sessions;

    public IReadOnlyList<MimeMessage> Messages => _messages.ToList();

    /// <summary>Settings that send the server's mail here (no TLS, no login).</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:Smtp:Host"] = "127.0.0.1", ["Email:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None", ["Email:PollInterval"] = "00:00:00.200",
    };

    /// <summary>Waits (real time, up to 30 s) until a received message matches.</summary>
    public async Task<MimeMessage> WaitForAsync(Func<MimeMessage, bool> match, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_messages.FirstOrDefault(match) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"No message {what} within 30 s; received: {string.Join(" | ", _messages.Select(m => $"{m.To} {m.Subject}"))}");
            await Task.Delay(100);
        }
    }

    public static int FreePort() => SmtpRelay.FreePort();

    public ValueTask DisposeAsync() => _relay.DisposeAsync();

    private sealed class Store(ConcurrentQueue<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpServer.Protocol.SmtpResponse.Ok;
        }
    }
}
