using System.ComponentModel.DataAnnotations;

namespace Approvals.Server.Email;

/// <summary>
/// What a task email offers one recipient: a single-use link per decision (each opens the confirmation page
/// <c>GET /email/decide?token=...</c>), a link to the task in the browser app, and the address a reply goes to
/// (null when <c>Email__ReplyAddress</c> is not set). Absolute URLs under <c>App__PublicUrl</c>.
/// </summary>
public sealed record TaskMailActions(string Approve, string Reject, string RequestChanges, string Open, string? ReplyTo);

/// <summary>
/// Issues the personal tokens behind <see cref="TaskMailActions"/>: random, stored hashed, bound to task + person
/// (+ decision for links), expiring after <c>Email__LinkLifetime</c>. The tokens are committed before this returns,
/// so a link in a message that was sent always resolves.
/// </summary>
public interface ITaskMailActions
{
    Task<TaskMailActions> IssueAsync(Guid taskId, string recipient, CancellationToken ct);

    /// <summary>
    /// The actions of several (task, recipient) pairs, in their order: a dispatcher round issues all its messages'
    /// tokens at once. The default issues them one by one.
    /// </summary>
    async Task<IReadOnlyList<TaskMailActions>> IssueManyAsync(IReadOnlyList<(Guid TaskId, string Recipient)> wanted, CancellationToken ct)
    {
        var issued = new List<TaskMailActions>(wanted.Count);
        foreach (var (taskId, recipient) in wanted) issued.Add(await IssueAsync(taskId, recipient, ct));
        return issued;
    }
}

/// <summary>Where a raw inbound message came from.</summary>
public enum InboundSource { Smtp, Imap, Relay }

/// <summary>What became of one inbound message: <paramref name="Outcome"/> is a short machine word
/// (<c>decided</c>, <c>refused</c>, <c>duplicate</c>, <c>ignored</c>), <paramref name="Message"/> says why.</summary>
public sealed record InboundResult(string Outcome, string Message);

/// <summary>
/// Takes one raw MIME message (a reply to a task email) from any transport — the built-in SMTP listener, IMAP
/// polling or <c>POST /api/inbound-email</c> — and decides, or refuses and queues an explanatory reply
/// (an outbox row with template <c>reply-refused</c>). Never throws for bad mail; a message it has already seen
/// (same Message-ID) changes nothing.
/// </summary>
public interface IInboundMail
{
    Task<InboundResult> AcceptAsync(Stream rawMime, InboundSource source, CancellationToken ct);
}

/// <summary><c>App__PublicUrl</c>: the address people reach this server at, used in every link of an email.</summary>
public sealed class AppOptions
{
    public const string Section = "App";

    [Required, Url]
    public string PublicUrl { get; set; } = "http://localhost:5080";

    /// <summary>The public URL without a trailing slash, ready for <c>+ "/path"</c>.</summary>
    public string Base => PublicUrl.TrimEnd('/');
}
