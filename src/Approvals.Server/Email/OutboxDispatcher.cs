using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>
/// Sends what the outbox holds. Several servers may share one database, so a round first claims its rows by one
/// conditional update that pushes their <see cref="OutboxRow.NextAttemptAt"/> a lease ahead and marks them with the
/// round's <see cref="OutboxRow.LeaseId"/>: of two dispatchers that saw the same due row, exactly one update matches
/// it (PostgreSQL re-checks the condition on the row the other one committed; SQLite runs writers one at a time). A
/// dispatcher that dies mid-round leaves its rows to be taken again after the lease, which may send a message twice:
/// at-least-once, with the same Message-ID so the duplicate is recognisable.
/// </summary>
/// <remarks>
/// <para>
/// A round reads what its messages need once (<see cref="MailModel"/>, <see cref="TemplateStore.FindManyAsync"/>),
/// sends them over <see cref="EmailOptions.DispatchConcurrency"/> connections at once, and records what went out in
/// one transaction: each row's delivered recipients (<see cref="OutboxRow.DeliveredJson"/>, so a retry skips them),
/// its completion, and the cases' <c>EmailSent</c> lines. The history never says "sent" for a message the outbox
/// would send again, or the reverse. Issue 9: one message at a time, with its own round trips, mail fell behind the
/// decisions that cause it.
/// </para>
/// <para>
/// One message per recipient (links are personal). A failure counts an attempt and waits longer each time; after
/// <see cref="EmailOptions.MaxAttempts"/> the row is given up (<c>FailedAt</c>) and the case's history says so
/// (<c>EmailFailed</c>). A template that does not render sends a plain fallback instead (<c>TemplateFailed</c>): a
/// broken template never holds back a case.
/// </para>
/// </remarks>
public sealed class OutboxDispatcher(ApprovalsDb db, CaseStore store, TemplateStore templates, MailModel models, MailSender sender, TimeProvider clock,
    IOptions<EmailOptions> options, ILogger<OutboxDispatcher> log)
{
    /// <summary>How long a claimed row is left alone by other dispatchers.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Rows per round; the next round (at once) takes the rest.</summary>
    public const int Batch = 50;

    /// <summary>Sends every due row it can claim; returns how many rows it worked on.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct) => await SendAsync(await DueAsync(ct), ct);

    /// <summary>
    /// How late a round's mail may be before the dispatcher sends it at the requests' priority instead of below it
    /// (<see cref="EmailOptions.DispatchNice"/>): a load that never eases must not hold mail back without end.
    /// </summary>
    public static readonly TimeSpan CatchUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>The rows due now, oldest first: one round, at most <see cref="Batch"/> (a full round means more may be waiting).</summary>
    public async Task<List<Guid>> DueAsync(CancellationToken ct) => (await DueWithLatenessAsync(ct)).Ids;

    /// <summary>
    /// The rows due now, as <see cref="DueAsync"/>, and how long the earliest of them has been due: since it was
    /// queued, or since its retry time for a row that failed before.
    /// </summary>
    public async Task<(List<Guid> Ids, TimeSpan Late)> DueWithLatenessAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.Outbox.AsNoTracking()
            .Where(r => r.DispatchedAt == null && r.FailedAt == null && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
            .OrderBy(r => r.CreatedAt).Take(Batch).Select(r => new { r.Id, r.CreatedAt, r.NextAttemptAt }).ToListAsync(ct);
        var late = due.Count == 0 ? TimeSpan.Zero : now - due.Min(r => r.NextAttemptAt ?? r.CreatedAt);
        return (due.Select(r => r.Id).ToList(), late > TimeSpan.Zero ? late : TimeSpan.Zero);
    }

    /// <summary>
    /// Sends each of <paramref name="ids"/> this dispatcher can claim (another dispatcher, of this server or another,
    /// may have taken it since it was found due); returns how many it worked on.
    /// </summary>
    public async Task<int> SendAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var rows = await ClaimAsync(ids, ct);
        if (rows.Count == 0) return 0;
        var messages = rows.Select(r => new MailToSend(r, StillToSend(r))).ToList();
        var round = await models.LoadAsync(db, messages, ct);
        var sources = (await templates.FindManyAsync(db, rows.Select(r => r.Template).Distinct().ToList(), ct))
            .ToDictionary(t => t.Key, t => TemplateRenderer.Prepare(t.Value)); // parsed once for the round

        // Sent in lanes, each over its own connection; the round's database work is done before and after.
        var results = new Delivery[messages.Count];
        var lanes = Math.Min(options.Value.DispatchConcurrency, messages.Count);
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(async lane =>
        {
            await using var session = sender.OpenSession();
            for (var i = lane; i < messages.Count; i += lanes)
                results[i] = await DeliverAsync(messages[i], round, sources[messages[i].Row.Template], session, ct);
        }));

        await RecordAsync(results, ct);
        foreach (var failed in results.Where(r => r.Failure is not null))
            await FailAsync(failed.Row.Id, failed.Failure!, ct);
        return rows.Count;
    }

    /// <summary>Claims the due rows among <paramref name="ids"/> for this round and reads them back.</summary>
    private async Task<List<OutboxRow>> ClaimAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (lease, leaseEnd) = (Guid.NewGuid(), now + Lease);
        var rows = new List<OutboxRow>();
        foreach (var chunk in ids.Distinct().Chunk(StepWriter.Chunk))
        {
            var claimed = await db.Outbox
                .Where(r => chunk.Contains(r.Id) && r.DispatchedAt == null && r.FailedAt == null && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextAttemptAt, leaseEnd).SetProperty(r => r.LeaseId, lease), ct);
            if (claimed > 0) rows.AddRange(await db.Outbox.AsNoTracking().Where(r => chunk.Contains(r.Id) && r.LeaseId == lease).ToListAsync(ct));
        }
        return rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList();
    }

    private static List<string> Delivered(OutboxRow row) => JsonSerializer.Deserialize<List<string>>(row.DeliveredJson) ?? [];

    private static List<string> StillToSend(OutboxRow row)
    {
        var delivered = Delivered(row);
        return (JsonSerializer.Deserialize<List<string>>(row.RecipientsJson) ?? [])
            .Distinct(StringComparer.OrdinalIgnoreCase).Where(r => !delivered.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>What became of one row in a round: the recipients reached, the history lines to write, the failure that stopped it.</summary>
    private sealed record Delivery(OutboxRow Row, IReadOnlyList<string> Sent, IReadOnlyList<AuditEntry> Lines, Exception? Failure, bool Complete);

    /// <summary>Sends one row to each of its recipients in turn; the first failure stops the row (the rest wait for its retry).</summary>
    private async Task<Delivery> DeliverAsync(MailToSend message, MailRound round, PreparedTemplate source, MailSender.Session session, CancellationToken ct)
    {
        var (row, recipients) = (message.Row, message.Recipients);
        var sent = new List<string>();
        var lines = new List<AuditEntry>();
        foreach (var recipient in recipients)
        {
            try
            {
                var facts = round.Build(row, recipient);
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
                    lines.Add(EmailAudit.Entry(clock.GetUtcNow(), EmailAuditActions.TemplateFailed, row,
                        new JsonObject { ["template"] = row.Template, ["recipient"] = recipient, ["error"] = Cut(failed.Message) }));
                }
                var displayName = facts.Model["recipient"]?["displayName"]?.GetValue<string>();
                var inReplyTo = facts.Model["event"]?["inReplyTo"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                await session.SendAsync(sender.Compose(row.Id, recipient, displayName, mail, facts.ReplyTo, inReplyTo), ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                return new Delivery(row, sent, lines, ex, Complete: false);
            }
            // Debug, not Information: the case's history records every message sent (EmailSent), and a line per message
            // cost the server about one per cent of its CPU under load (issue 9).
            log.LogDebug("Sent {Template} of outbox row {Id} to {Recipient}", row.Template, row.Id, recipient);
            sent.Add(recipient);
            lines.Add(EmailAudit.Entry(clock.GetUtcNow(), EmailAuditActions.EmailSent, row,
                new JsonObject { ["recipient"] = recipient, ["template"] = row.Template, ["messageId"] = MailSender.MessageIdOf(row.Id, recipient) }));
        }
        return new Delivery(row, sent, lines, null, Complete: true);
    }

    /// <summary>
    /// One transaction for the round: each row's progress (its completion when every recipient was reached) and the
    /// cases' history lines.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<Delivery> results, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lines = results.Where(r => r.Row.CaseId is not null).SelectMany(r => r.Lines.Select(l => (r.Row.CaseId!.Value, l))).ToList();
        void Progress(RowWrites rows)
        {
            foreach (var result in results.Where(r => r.Sent.Count > 0 || r.Complete))
            {
                var row = new OutboxRow { Id = result.Row.Id };
                if (result.Sent.Count > 0)
                {
                    row.DeliveredJson = JsonSerializer.Serialize(Delivered(result.Row).Concat(result.Sent));
                    rows.Set(row, nameof(OutboxRow.DeliveredJson));
                }
                if (!result.Complete) continue;
                (row.DispatchedAt, row.NextAttemptAt) = (now, null);
                rows.Set(row, nameof(OutboxRow.DispatchedAt));
                rows.Set(row, nameof(OutboxRow.NextAttemptAt));
            }
        }
        await store.AppendAuditsAsync(lines, ct, Progress);
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
