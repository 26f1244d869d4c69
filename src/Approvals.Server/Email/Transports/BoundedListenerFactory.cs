using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// Bounds the SMTP sessions served at once: the listener accepts the next connection only when a slot is free, so a
/// flood of connections waits in the operating system's listen queue instead of costing a task and buffers each.
/// A slot is given back when the session's connection is disposed.
/// </summary>
internal sealed class BoundedListenerFactory(int maxSessions) : IEndpointListenerFactory, IDisposable
{
    private readonly SemaphoreSlim _slots = new(maxSessions, maxSessions);
    private readonly EndpointListenerFactory _inner = new();

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) =>
        new Listener(_inner.CreateListener(endpointDefinition), _slots);

    public void Dispose() => _slots.Dispose();

    private sealed class Listener(IEndpointListener inner, SemaphoreSlim slots) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                return new Session(await inner.GetPipeAsync(context, cancellationToken), slots);
            }
            catch
            {
                slots.Release();
                throw;
            }
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class Session(ISecurableDuplexPipe inner, SemaphoreSlim slots) : ISecurableDuplexPipe
    {
        private int _released;

        public PipeReader Input => inner.Input;

        public PipeWriter Output => inner.Output;

        public bool IsSecure => inner.IsSecure;

        public SslProtocols SslProtocol => inner.SslProtocol;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            inner.UpgradeAsync(certificate, protocols, cancellationToken);

        public void Dispose()
        {
            inner.Dispose();
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
