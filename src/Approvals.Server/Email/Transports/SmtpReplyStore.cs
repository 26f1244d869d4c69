using System.Buffers;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// The listener's two decisions: which recipients it takes (<c>RCPT</c>: only reply addresses, others get 550), and what
/// it answers after <c>DATA</c>. A message is answered 250 only after <see cref="IInboundMail"/> has stored its outcome;
/// if handling fails the answer is 451, so the sending server keeps the message and tries again — a message we
/// accepted is never lost.
/// </summary>
internal sealed class SmtpReplyStore(
    IServiceScopeFactory scopes, IOptions<InboundTransportOptions> options, IOptions<InboundMailOptions> mail, ILogger<SmtpReplyStore> log) : MessageStore, IMailboxFilter
{
    private readonly ReplyAddressPattern _pattern = ReplyAddressPattern.TryParse(options.Value.ReplyAddress)
        ?? throw new InvalidOperationException("Email:ReplyAddress is not a reply address pattern.");

    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        Task.FromResult(true);

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        if (_pattern.Matches(to.AsAddress())) return Task.FromResult(true);
        log.LogInformation("SMTP: refused a recipient at {Domain} that is not a reply address", to.Host);
        throw new SmtpResponseException(new SmtpServer.Protocol.SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 No such reply address here"));
    }

    public override async Task<SmtpServer.Protocol.SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = BoundedListenerFactory.ClientOf(context);
        var raw = WithFinalLineBreak(buffer);
        var removed = 0;
        if (remote is null || !options.Value.TrustedRelayAddresses.Contains(remote))
            (raw, removed) = OwnAuthenticationResults.Remove(raw, mail.Value.AuthServId);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var inbound = scope.ServiceProvider.GetRequiredService<IInboundMail>();
            using var stream = new MemoryStream(raw, writable: false);
            var result = await inbound.AcceptAsync(stream, InboundSource.Smtp, cancellationToken);
            log.LogInformation(
                "SMTP: message of {Bytes} bytes from {Remote} handled: {Outcome} ({Removed} forged Authentication-Results removed)",
                raw.Length, remote, result.Outcome, removed);
            return SmtpServer.Protocol.SmtpResponse.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever failed (the database, the handler), the sender keeps the message and retries later.
            log.LogError(e, "SMTP: a message of {Bytes} bytes from {Remote} could not be handled; answered 451", raw.Length, remote);
            return new SmtpServer.Protocol.SmtpResponse((SmtpReplyCode)451, "4.3.0 Temporarily unable to process the message, try again later");
        }
    }

    /// <summary>
    /// The message as the sender wrote it. SmtpServer hands over DATA without the line break before the closing dot,
    /// which belongs to the message's last line (RFC 5321 §4.1.1.4): every SMTP message ends with one.
    /// </summary>
    private static byte[] WithFinalLineBreak(ReadOnlySequence<byte> buffer)
    {
        var length = checked((int)buffer.Length);
        var endsWithLineBreak = length >= 2 && buffer.Slice(length - 2).ToArray() is [(byte)'\r', (byte)'\n'];
        var raw = new byte[endsWithLineBreak ? length : length + 2];
        buffer.CopyTo(raw);
        if (!endsWithLineBreak) "\r\n"u8.CopyTo(raw.AsSpan(length));
        return raw;
    }
}
