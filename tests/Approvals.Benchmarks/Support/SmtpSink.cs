using System.Buffers;
using Approvals.Testing;
using SmtpServer;
using SmtpServer.Storage;

namespace Approvals.Benchmarks.Support;

/// <summary>
/// The mail relay of the benchmark: a real SMTP server (<see cref="SmtpRelay"/>, as in the tests) that counts what it
/// receives and keeps nothing. The server under test delivers its notifications to it over SMTP, as a deployment
/// delivers to its relay, rather than writing one <c>.eml</c> file per message into one folder.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpRelay _relay;
    private long _received;

    public SmtpSink() => _relay = new SmtpRelay("sink.bench", new Counter(this));

    public long Received => Interlocked.Read(ref _received);

    /// <summary>The server's settings that send its mail here (no TLS, no login).</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Email__Smtp__Host"] = "127.0.0.1", ["Email__Smtp__Port"] = _relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email__Smtp__Security"] = "None",
    };

    public ValueTask DisposeAsync() => _relay.DisposeAsync();

    private sealed class Counter(SmtpSink sink) : MessageStore
    {
        public override Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref sink._received);
            return Task.FromResult(SmtpServer.Protocol.SmtpResponse.Ok);
        }
    }
}
