using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>
/// Sends what the outbox holds. Several servers may share one database, so a row is first claimed by a conditional
/// update that pushes its <see cref="OutboxRow.NextAttemptAt"/> a lease ahead: of two dispatchers that saw the same
/// due row, exactly one update matches (PostgreSQL re-checks the condition on the row the other one committed; SQLite
/// runs writers one at a time). A dispatcher that dies mid-send leaves the row to be taken again after the lease, which
/// may send a message twice: at-least-once, with the same Message-ID so the duplicate is recognisable.
/// </summary>
/// <remarks>
/// One message per recipient (links are personal), each recipient recorded in <see cref="OutboxRow.DeliveredJson"/> in
/// its own transaction as soon as it went out, so a retry after a partial send skips them. A failure counts an attempt
/// and waits longer each time; after <see cref="EmailOptions.MaxAttempts"/> the row is given up (<c>FailedAt</c>) and
/// the case's history says so (<c>EmailFailed</c>). A template that does not render sends a plain fallback instead
/// (<c>TemplateFailed</c>): a broken template never holds back a case.
/// </remarks>
public sealed class OutboxDispatcher(ApprovalsDb db, CaseStore store, TemplateStore templates, MailModel models, MailSender sender, TimeProvider clock,
    IOptions<EmailOptions> options, ILogger<OutboxDispatcher> log)
{
    /// <summary>How long a claimed row is left alone by other dispatchers.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Rows per round; the next round (soon after) takes the rest.</summary>
    public const int Batch = 50;

    /// <summary>Sends every due row it can claim; returns how many rows it worked on.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct) => await SendAsync(await DueAsync(ct), ct);

    /// <summary>The rows due now, oldest first: one round, at most <see cref="Batch"/> (a full round means more may be waiting).</summary>
    public Task<List<Guid>> DueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.Outbox.AsNoTracking()
            .Where(r => r.DispatchedAt == null && r.FailedAt == null && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
            .OrderBy(r => r.CreatedAt).Take(Batch).Select(r => r.Id).ToListAsync(ct);
    }

    /// <summary>
    /// Sends each of <paramref name="ids"/> this dispatcher can claim (another dispatcher, of this server or another,
    /// may have taken it since it was found due); returns how many it worked on.
    /// </summary>
    public async Task<int> SendAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var worked = 0;
        foreach (var id in ids)
        {
            var leaseEnd = now + Lease;
            var claimed = await db.Outbox
                .Where(r => r.Id == id && r.DispatchedAt == null && r.FailedAt == null && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextAttemptAt, leaseEnd), ct);
            if (claimed != 1) continue;
            worked++;
            await DeliverAsync(id, ct);
        }
        return worked;
    }

    private async Task DeliverAsync(Guid id, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var row = await db.Outbox.FirstAsync(r => r.Id == id, ct);
        var delivered = JsonSerializer.Deserialize<List<string>>(row.DeliveredJson) ?? [];
        var recipients = (JsonSerializer.Deserialize<List<string>>(row.RecipientsJson) ?? [])
            .Distinct(StringComparer.OrdinalIgnoreCase).Where(r => !delivered.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        foreach (var recipient in recipients)
        {
            try
            {
                await SendOneAsync(row, recipient, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                await FailAsync(row.Id, ex, ct);
                return;
            }
            delivered.Add(recipient);
            var json = JsonSerializer.Serialize(delivered);
            var last = recipient == recipients[^1];
            var now = clock.GetUtcNow();
            // The recipient's progress, the row's completion after the last one and the case's EmailSent line are
            // one transaction: the history never says "sent" for a message the outbox would send again, or the reverse.
            void Progress(ApprovalsDb d)
            {
                var entry = d.Outbox.Attach(new OutboxRow { Id = row.Id });
                entry.Entity.DeliveredJson = json;
                entry.Property(r => r.DeliveredJson).IsModified = true;
                if (!last) return;
                (entry.Entity.DispatchedAt, entry.Entity.NextAttemptAt) = (now, null);
                entry.Property(r => r.DispatchedAt).IsModified = true;
                entry.Property(r => r.NextAttemptAt).IsModified = true;
            }
            var recorded = row.CaseId is { } caseId && await store.AppendAuditAsync(caseId, EmailAudit.Entry(now, EmailAuditActions.EmailSent, row,
                new JsonObject { ["recipient"] = recipient, ["template"] = row.Template, ["messageId"] = MailSender.MessageIdOf(row.Id, recipient) }), ct,
                Progress);
            if (recorded) continue;
            db.ChangeTracker.Clear();
            Progress(db);
            await db.SaveChangesAsync(ct);
        }
        if (recipients.Count == 0)
            await db.Outbox.Where(r => r.Id == row.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.DispatchedAt, clock.GetUtcNow()).SetProperty(r => r.NextAttemptAt, (DateTimeOffset?)null), ct);
    }

    private async Task SendOneAsync(OutboxRow row, string recipient, CancellationToken ct)
    {
        var facts = await models.BuildAsync(db, row, recipient, ct);
        var (source, _) = await templates.FindAsync(db, row.Template, ct);
        RenderedMail mail;
        try
        {
            mail = TemplateRenderer.Render(source, facts.Model);
        }
        catch (TemplateFailed failed)
        {
            log.LogWarning("Template {Template} failed for outbox row {Id}; sending the plain fallback: {Error}", row.Template, row.Id, failed.Message);
            var text = MailText.FallbackBody(facts.CaseTitle, facts.OpenUrl);
            mail = new RenderedMail(MailText.FallbackSubject(facts.CaseTitle), $"<pre>{System.Net.WebUtility.HtmlEncode(text)}</pre>", text);
            if (row.CaseId is { } caseId)
                await store.AppendAuditAsync(caseId, EmailAudit.Entry(clock.GetUtcNow(), EmailAuditActions.TemplateFailed, row,
                    new JsonObject { ["template"] = row.Template, ["recipient"] = recipient, ["error"] = Cut(failed.Message) }), ct);
        }
        var displayName = facts.Model["recipient"]?["displayName"]?.GetValue<string>();
        var inReplyTo = facts.Model["event"]?["inReplyTo"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var message = sender.Compose(row.Id, recipient, displayName, mail, facts.ReplyTo, inReplyTo);
        await sender.SendAsync(message, ct);
        log.LogInformation("Sent {Template} of outbox row {Id} to {Recipient}", row.Template, row.Id, recipient);
    }

    /// <summary>Counts the attempt; waits <c>RetryDelay × 2^(n-1)</c> (at most an hour) or, at the last one, gives the row up.</summary>
    private async Task FailAsync(Guid id, Exception ex, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var row = await db.Outbox.FirstAsync(r => r.Id == id, ct);
        var now = clock.GetUtcNow();
        row.Attempts++;
        row.LastError = Cut($"{ex.GetType().Name}: {ex.Message}");
        var o = options.Value;
        if (row.Attempts >= o.MaxAttempts)
        {
            row.FailedAt = now;
            row.NextAttemptAt = null;
        }
        else
        {
            var wait = TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, o.RetryDelay.Ticks * (1L << Math.Min(row.Attempts - 1, 20))));
            row.NextAttemptAt = now + wait;
        }
        await db.SaveChangesAsync(ct);
        log.LogWarning(ex, "Outbox row {Id} ({Template}) failed, attempt {Attempts} of {Max}", row.Id, row.Template, row.Attempts, o.MaxAttempts);
        if (row.FailedAt is not null && row.CaseId is { } caseId)
            await store.AppendAuditAsync(caseId, EmailAudit.Entry(now, EmailAuditActions.EmailFailed, row,
                new JsonObject
                {
                    ["template"] = row.Template, ["recipients"] = JsonNode.Parse(row.RecipientsJson), ["attempts"] = row.Attempts, ["error"] = row.LastError,
                }), ct);
    }

    private static string Cut(string s) => s.Length > 1000 ? s[..1000] : s;
}
