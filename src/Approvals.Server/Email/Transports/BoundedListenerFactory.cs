using System.IO.Pipelines;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// Bounds the SMTP sessions served at once: the listener accepts the next connection only when a slot is free, so a
/// flood of connections waits in the operating system's listen queue instead of costing a task and buffers each.
/// One client address holds at most <c>maxPerAddress</c> of the slots (the trusted relays excepted): a further
/// connection from it is answered 421, which a sending server takes as "try again later", and closed at once, so one
/// stranger's idle connections cannot keep everyone else's replies out. A slot is given back when the session's
/// connection is disposed, and at the latest at <c>hardLimit</c>: then the connection is closed under the session.
/// The library's own session timeout cannot end a session whose client never reads (its last reply, "the session
/// has been cancelled", is written without a time limit and waits for ever), so this is what ends it.
/// Refusals are logged as warnings, at most one per address a minute with the number refused since the last one: an
/// operator whose own relay is refused (it belongs in <c>Email:Inbound:SmtpTrustedRelays</c>) sees it, and a flood
/// does not flood the log.
/// </summary>
internal sealed class BoundedListenerFactory(int maxSessions, int maxPerAddress, IReadOnlySet<IPAddress> unlimited, TimeSpan hardLimit, ILogger log)
    : IEndpointListenerFactory, IDisposable
{
    /// <summary>How often at most one address's refusals are logged.</summary>
    internal static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);

    /// <summary>Addresses whose refusals are tallied at most; past it, those not logged for an interval are forgotten.</summary>
    private const int RefusalTallies = 256;

    private readonly Dictionary<IPAddress, (long LoggedAt, int Since)> _refusals = [];

    private readonly SemaphoreSlim _slots = new(maxSessions, maxSessions);
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly TimeSpan _hardLimit = hardLimit;
    private readonly EndpointListenerFactory _inner = new();

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) =>
        new Listener(_inner.CreateListener(endpointDefinition), this);

    public void Dispose() => _slots.Dispose();

    /// <summary>The client's address as the limit and the trusted relays count it (<see cref="Plain"/>).</summary>
    internal static IPAddress? ClientOf(ISessionContext context) =>
        context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var endpoint) && endpoint is IPEndPoint remote
            ? Plain(remote.Address)
            : null;

    /// <summary>An IPv4 address as such, also when it comes mapped into IPv6 (an IPv4 client on an IPv6 socket).</summary>
    internal static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Counts a session of <paramref name="address"/>, or says no when it already holds its share.</summary>
    private bool TryTake(IPAddress? address)
    {
        if (address is null || unlimited.Contains(address)) return true;
        lock (_perAddress)
        {
            var held = _perAddress.GetValueOrDefault(address);
            if (held >= maxPerAddress) return false;
            _perAddress[address] = held + 1;
            return true;
        }
    }

    /// <summary>Tallies a refused session of <paramref name="address"/> and logs the tally when its address's interval has passed.</summary>
    private void Refused(IPAddress? address)
    {
        if (address is null) return;
        var now = Environment.TickCount64;
        var interval = (long)RefusalLogInterval.TotalMilliseconds;
        int count;
        lock (_refusals)
        {
            if (_refusals.TryGetValue(address, out var tally) && now - tally.LoggedAt < interval)
            {
                _refusals[address] = (tally.LoggedAt, tally.Since + 1);
                return;
            }
            count = tally.Since + 1;
            if (_refusals.Count >= RefusalTallies)
                foreach (var stale in _refusals.Where(r => now - r.Value.LoggedAt >= interval).Select(r => r.Key).ToList())
                    _refusals.Remove(stale);
            _refusals[address] = (now, 0);
        }
        log.LogWarning(
            "SMTP listener: {Count} session(s) from {Address} refused with 421 since the last warning about it; it already held its {Max} sessions "
            + "(Email:Inbound:MaxSessionsPerAddress). A relay of yours belongs in Email:Inbound:SmtpTrustedRelays",
            count, address, maxPerAddress);
    }

    private void Give(IPAddress? address)
    {
        if (address is not null && !unlimited.Contains(address))
            lock (_perAddress)
            {
                if (_perAddress.GetValueOrDefault(address) <= 1) _perAddress.Remove(address);
                else _perAddress[address]--;
            }
        _slots.Release();
    }

    private sealed class Listener(IEndpointListener inner, BoundedListenerFactory bounds) : IEndpointListener
    {
        private static readonly byte[] TooMany = "421 4.7.0 Too many sessions from your address, try again later\r\n"u8.ToArray();

        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            while (true)
            {
                await bounds._slots.WaitAsync(cancellationToken);
                ISecurableDuplexPipe pipe;
                try
                {
                    pipe = await inner.GetPipeAsync(context, cancellationToken);
                }
                catch
                {
                    bounds._slots.Release();
                    throw;
                }
                var address = ClientOf(context);
                if (bounds.TryTake(address)) return new Session(pipe, bounds, address);
                bounds.Refused(address);
                try
                {
                    await RefuseAsync(pipe);
                }
                finally
                {
                    bounds._slots.Release();
                }
                // The same context serves the next connection: the inner listener adds its endpoints again.
                context.Properties.Remove(EndpointListener.LocalEndPointKey);
                context.Properties.Remove(EndpointListener.RemoteEndPointKey);
            }
        }

        private static async Task RefuseAsync(ISecurableDuplexPipe pipe)
        {
            using (pipe)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await pipe.Output.WriteAsync(TooMany, timeout.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
                {
                    // The client is gone or does not read: closing is answer enough.
                }
            }
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class Session : ISecurableDuplexPipe
    {
        private readonly ISecurableDuplexPipe _inner;
        private readonly BoundedListenerFactory _bounds;
        private readonly IPAddress? _address;
        private readonly Timer _deadline;
        private int _released;

        public Session(ISecurableDuplexPipe inner, BoundedListenerFactory bounds, IPAddress? address)
        {
            _inner = inner;
            _bounds = bounds;
            _address = address;
            _deadline = new Timer(static s => ((Session)s!).Dispose(), this, bounds._hardLimit, Timeout.InfiniteTimeSpan);
        }

        public PipeReader Input => _inner.Input;

        public PipeWriter Output => _inner.Output;

        public bool IsSecure => _inner.IsSecure;

        public SslProtocols SslProtocol => _inner.SslProtocol;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            _inner.UpgradeAsync(certificate, protocols, cancellationToken);

        /// <summary>Closes the connection and gives the slot back, once: when the session ends, or at its deadline.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            _deadline.Dispose();
            _inner.Dispose();
            _bounds.Give(_address);
        }
    }
}
