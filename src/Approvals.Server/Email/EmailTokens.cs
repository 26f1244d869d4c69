using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Approvals.Server.Email.Transports;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>Token kinds and how a token is made and looked up: only its SHA-256 is ever stored.</summary>
public static class EmailTokens
{
    public const string Link = "link";
    public const string Reply = "reply";

    /// <summary>The characters of a token: 32 bytes in base64url.</summary>
    public const int Length = 43;

    /// <summary>32 random bytes, base64url: 43 characters that fit in a URL and in an address's local part.</summary>
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="token"/> could be one of ours at all (spares a query for junk).</summary>
    public static bool LooksValid(string? token) => token is { Length: Length } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>
/// <see cref="ITaskMailActions"/>: writes one link token per decision and one reply token for the recipient, in a
/// scope of its own so that the caller's unsaved changes are never committed with them. A round of several messages
/// costs one read (the tasks' cases) and one transaction.
/// </summary>
public sealed class TaskMailActionsIssuer(IServiceScopeFactory scopes, TimeProvider clock, IOptions<EmailDecisionOptions> options,
    IOptions<AppOptions> app) : ITaskMailActions
{
    public async Task<TaskMailActions> IssueAsync(Guid taskId, string recipient, CancellationToken ct) =>
        (await IssueManyAsync([(taskId, recipient)], ct))[0];

    public async Task<IReadOnlyList<TaskMailActions>> IssueManyAsync(IReadOnlyList<(Guid TaskId, string Recipient)> wanted, CancellationToken ct)
    {
        if (wanted.Count == 0) return [];
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var caseOf = (await StepWriter.ReadInChunksAsync(wanted.Select(w => w.TaskId).Distinct(),
                chunk => db.Tasks.Where(t => chunk.Contains(t.Id)).Select(t => new { t.Id, t.CaseId }), ct))
            .ToDictionary(t => t.Id, t => t.CaseId);
        var now = clock.GetUtcNow();
        var expires = now + options.Value.LinkLifetime;
        var baseUrl = app.Value.Base;
        var replyAddress = ReplyAddressPattern.TryParse(options.Value.ReplyAddress);
        var issued = new List<TaskMailActions>(wanted.Count);
        var rows = new RowWrites();
        foreach (var (taskId, recipient) in wanted)
        {
            if (!caseOf.TryGetValue(taskId, out var caseId))
                throw new InvalidOperationException($"Task {taskId} does not exist; no links can be issued for it.");
            var person = recipient.Trim().ToLowerInvariant();
            string Add(string kind, string? decision)
            {
                var token = EmailTokens.New();
                rows.Insert(new EmailTokenRow
                {
                    Id = Guid.CreateVersion7(now), Hash = EmailTokens.HashOf(token), Kind = kind, TaskId = taskId, CaseId = caseId,
                    Person = person, Decision = decision, CreatedAt = now, ExpiresAt = expires,
                });
                return token;
            }
            string Link(string decision) => $"{baseUrl}/email/decide?token={Add(EmailTokens.Link, decision)}";
            issued.Add(new TaskMailActions(Link("approve"), Link("reject"), Link("request-changes"), $"{baseUrl}/tasks/{taskId}",
                replyAddress?.Format(Add(EmailTokens.Reply, null))));
        }
        await BatchWriter.SaveAsync(db, ct, rows);
        return issued;
    }
}
