using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Email.Transports;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Approvals.Server.Email;

/// <summary>
/// <see cref="IInboundMail"/>: a reply decides only when it was sent to a live reply token's address, comes from that
/// token's person, passes our own host's <c>Authentication-Results</c> (when one is configured), and its first own
/// line is a clear keyword. Anything else changes nothing and queues one short explanatory reply to the token's
/// person (never to another address). Each message is handled once, by Message-ID. A singleton: each message gets a
/// scope of its own, so any transport can call it.
/// </summary>
public sealed class InboundMail(IServiceScopeFactory scopes, IOptions<EmailDecisionOptions> options, IOptions<InboundMailOptions> inbound,
    IOptions<AppOptions> app, TimeProvider clock, ILogger<InboundMail> log) : IInboundMail
{
    public const string Via = "email-reply";
    /// <summary>The outbox event of a refusal notice; <c>IX_Outbox_Refusals</c> is filtered on it, so a new name needs a migration.</summary>
    public const string RefusedEvent = "ReplyRefused";
    public const string RefusedTemplate = "reply-refused";

    /// <summary>Where receiving hosts record the address a message was delivered to, when To and Cc do not show it.</summary>
    private static readonly string[] EnvelopeHeaders = ["Delivered-To", "X-Original-To"];

    public async Task<InboundResult> AcceptAsync(Stream rawMime, InboundSource source, CancellationToken ct)
    {
        var text = EmailText.English;
        var raw = await ReadCappedAsync(rawMime, inbound.Value.MaxBytes, ct);
        if (raw is null) return new InboundResult("refused", text.ReplyTooLarge);
        return await AcceptAsync(raw, source, ct);
    }

    /// <summary>One message already read whole (see <see cref="ReadCappedAsync"/>).</summary>
    public async Task<InboundResult> AcceptAsync(byte[] raw, InboundSource source, CancellationToken ct)
    {
        var text = EmailText.English;
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(new MemoryStream(raw), ct);
        }
        catch (FormatException)
        {
            return new InboundResult("ignored", text.ReplyIgnored);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var decider = scope.ServiceProvider.GetRequiredService<EmailDecider>();
        var messageId = string.IsNullOrWhiteSpace(message.MessageId)
            ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw))
            : message.MessageId.Trim()[..Math.Min(message.MessageId.Trim().Length, 990)];
        var from = message.From.Mailboxes.FirstOrDefault()?.Address?.Trim().ToLowerInvariant();
        // Claimed before anything else: of two deliveries of one message, only the first is read and answered.
        if (!await ClaimAsync(db, messageId, source, from, ct)) return new InboundResult("duplicate", text.ReplyDuplicate);

        EmailTokenRow? token;
        string outcome;
        string? reason;
        Decision? decision;
        try
        {
            token = await FindTokenAsync(decider, message, ct);
            (outcome, reason, decision) = await HandleAsync(decider, message, token, from, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Nothing accepted is lost: the claim is given back, so the transport's retry (a 4xx to the SMTP
            // client, the message left unseen in IMAP, a 5xx to the relay) handles the message again.
            await ReleaseAsync(db, messageId);
            throw;
        }
        db.ChangeTracker.Clear();
        var claimed = await db.InboundMessages.FirstAsync(m => m.MessageId == messageId, ct);
        claimed.Outcome = outcome == "decided" ? outcome : reason ?? outcome;
        claimed.TaskId = token?.TaskId;
        var to = reason is null ? null : await RecipientAsync(db, token, message, from, reason, ct);
        var answered = to is not null && await MayAnswerAsync(db, to, ct);
        if (answered) db.Outbox.Add(RefusalMail(db, token, to!, reason!, decision, messageId));
        else if (to is not null)
            log.LogWarning("Inbound mail: {Reason} not answered, {To} had {Max} refusals in the last hour (Email:Inbound:MaxRefusalsPerHour)",
                reason, to, inbound.Value.MaxRefusalsPerHour);
        await db.SaveChangesAsync(ct);
        if (reason is not null && token is not null)
            await decider.NoteAsync(token.CaseId, token.TaskId, EmailDecisionAudit.ReplyRefused, token.Person, reason, Via,
                new JsonObject { ["from"] = Bounded(from), ["messageId"] = Bounded(messageId), ["answered"] = answered }, ct);
        log.LogInformation("Inbound mail via {Source}: {Outcome} ({Reason})", source, outcome, reason ?? "-");
        return new InboundResult(outcome, reason is null ? text.ReplyDecided : text.ReplySentence(reason));
    }

    private async Task<(string Outcome, string? Reason, Decision? Decision)> HandleAsync(EmailDecider decider, MimeMessage message,
        EmailTokenRow? token, string? from, CancellationToken ct)
    {
        // An out-of-office notice or other machine-written answer decides nothing, and is not answered (no mail loops).
        if (SenderChecks.IsAutomatic(message.Headers)) return ("ignored", EmailRefusals.Automatic, null);
        if (token is null) return ("ignored", EmailRefusals.UnknownToken, null);
        if (from != token.Person || message.From.Mailboxes.Count() != 1 || message.Sender is { } sender && !string.Equals(sender.Address, from, StringComparison.OrdinalIgnoreCase))
            return ("refused", EmailRefusals.ForeignSender, null);
        var reading = ReplyParser.Read(message.TextBody, message.HtmlBody);
        if (SenderChecks.Fails(message.Headers, inbound.Value.AuthServId, from)) return ("refused", EmailRefusals.AuthenticationFailed, reading.Decision);
        if (reading.Decision is not { } decision) return ("refused", EmailRefusals.Ambiguous, null);
        var refusal = await decider.DecideAsync(token, decision, reading.Comment, Via, consume: false, ct);
        return refusal is null ? ("decided", null, decision) : ("refused", refusal, decision);
    }

    /// <summary>The reply token in the addresses the message was sent to (To, Cc, Delivered-To, X-Original-To), if any is live.</summary>
    private async Task<EmailTokenRow?> FindTokenAsync(EmailDecider decider, MimeMessage message, CancellationToken ct)
    {
        if (ReplyAddressPattern.TryParse(options.Value.ReplyAddress) is not { } pattern) return null;
        var addresses = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Select(m => m.Address)
            .Concat(EnvelopeHeaders.SelectMany(h => message.Headers.Where(x => x.Field.Equals(h, StringComparison.OrdinalIgnoreCase)))
                .Select(h => h.Value.Trim().Trim('<', '>')));
        foreach (var token in addresses.Select(pattern.TokenIn).OfType<string>().Distinct().Take(5))
            if (await decider.FindAsync(token, EmailTokens.Reply, ct) is { } row) return row;
        return null;
    }

    /// <summary>
    /// Who hears why: the token's person, and only them. A reply to an unknown token is answered only when its sender
    /// is a known user whose address this server could verify (<see cref="FromVerified"/>): anyone else would get
    /// backscatter, and without a verified From, anyone could make the server mail a named user. A foreign sender is
    /// never answered.
    /// </summary>
    private async Task<string?> RecipientAsync(ApprovalsDb db, EmailTokenRow? token, MimeMessage message, string? from, string reason,
        CancellationToken ct)
    {
        if (reason == EmailRefusals.Automatic) return null;
        if (token is not null) return token.Person;
        if (reason != EmailRefusals.UnknownToken || from is null || !FromVerified(message, from)) return null;
        return await db.Users.AsNoTracking().AnyAsync(u => u.Email == from && !u.Disabled, ct) ? from : null;
    }

    /// <summary>
    /// Whether the From address passed our receiving host's checks (<c>Email__Inbound__AuthServId</c> set and its
    /// <c>Authentication-Results</c> showing a pass). Without that id nothing can be verified.
    /// </summary>
    private bool FromVerified(MimeMessage message, string? from) =>
        !string.IsNullOrWhiteSpace(inbound.Value.AuthServId) && !SenderChecks.Fails(message.Headers, inbound.Value.AuthServId, from);

    /// <summary>
    /// Whether <paramref name="to"/> may hear of one more refused reply: a flood of forged replies (a new Message-ID
    /// each) would otherwise become a flood of real mail to a real person. Counted over the outbox's refusals of the
    /// last hour (a partial index holds only those); two replies refused at the same instant may both pass.
    /// </summary>
    private async Task<bool> MayAnswerAsync(ApprovalsDb db, string to, CancellationToken ct)
    {
        var max = inbound.Value.MaxRefusalsPerHour;
        if (max == 0) return false;
        var since = clock.GetUtcNow().AddHours(-1);
        var recipients = JsonSerializer.Serialize(new[] { to });
        return await db.Outbox.AsNoTracking()
            .Where(o => o.Event == RefusedEvent && o.CreatedAt > since && o.RecipientsJson == recipients)
            .Take(max).CountAsync(ct) < max;
    }

    private OutboxRow RefusalMail(ApprovalsDb db, EmailTokenRow? token, string to, string reason, Decision? decision, string messageId)
    {
        var now = clock.GetUtcNow();
        string? link = null;
        if (token is not null && reason is EmailRefusals.AuthenticationFailed && decision is { } d)
        {
            // The person said what they want but we cannot trust the path it came by: a fresh confirmation link, to them only.
            var fresh = EmailTokens.New();
            db.EmailTokens.Add(new EmailTokenRow
            {
                Id = Guid.CreateVersion7(now), Hash = EmailTokens.HashOf(fresh), Kind = EmailTokens.Link, TaskId = token.TaskId, CaseId = token.CaseId,
                Person = token.Person, Decision = DecisionNames.Of(d), CreatedAt = now, ExpiresAt = now + options.Value.LinkLifetime,
            });
            link = $"{app.Value.Base}{DecideByLink.Path}?token={fresh}";
        }
        else if (token is not null && reason is EmailRefusals.Ambiguous or EmailRefusals.ForeignSender or EmailRefusals.AuthenticationFailed)
            link = $"{app.Value.Base}/tasks/{token.TaskId}";
        var details = new JsonObject
        {
            ["reason"] = reason, ["message"] = EmailText.English.ReplySentence(reason), ["link"] = link, ["inReplyTo"] = Bounded(messageId),
            // No subject of the sender's: a forged reply must not get its words mailed to a real person (the template words it).
            ["subject"] = null,
        };
        return new OutboxRow
        {
            Id = Guid.CreateVersion7(now), CaseId = token?.CaseId, TaskId = token?.TaskId, Event = RefusedEvent, Template = RefusedTemplate,
            Subject = null, RecipientsJson = JsonSerializer.Serialize(new[] { to }), DetailsJson = details.ToJsonString(), CreatedAt = now,
        };
    }

    /// <summary>A claim still marked received after this long was left by a server that stopped mid-way: it may be taken over.</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(10);

    private async Task<bool> ClaimAsync(ApprovalsDb db, string messageId, InboundSource source, string? from, CancellationToken ct)
    {
        if (await db.InboundMessages.FirstOrDefaultAsync(m => m.MessageId == messageId, ct) is { } seen)
        {
            if (seen.Outcome != "received" || seen.ReceivedAt > clock.GetUtcNow() - StaleClaim) return false;
            seen.ReceivedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            return true;
        }
        db.InboundMessages.Add(new InboundMessageRow
        {
            MessageId = messageId, Source = source.ToString().ToLowerInvariant(), From = Bounded(from, 320), Outcome = "received", ReceivedAt = clock.GetUtcNow(),
        });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException ex) when (CaseStore.IsLostRace(ex))
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private async Task ReleaseAsync(ApprovalsDb db, string messageId)
    {
        try
        {
            db.ChangeTracker.Clear();
            if (await db.InboundMessages.FirstOrDefaultAsync(m => m.MessageId == messageId && m.Outcome == "received", CancellationToken.None) is { } claim)
            {
                db.InboundMessages.Remove(claim);
                await db.SaveChangesAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            log.LogWarning(ex, "Could not release the claim on inbound message {MessageId}; it may be handled again after {Minutes} minutes.", messageId, StaleClaim.TotalMinutes);
        }
    }

    /// <summary>The whole stream, or null as soon as it passes <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]?> ReadCappedAsync(Stream stream, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Text from a stranger's mail, cut to a length that fits our columns and keeps the audit readable.</summary>
    private static string Bounded(string? value, int max = 300) =>
        value is null ? "" : new string(value.Where(c => !char.IsControl(c)).Take(max).ToArray());
}
