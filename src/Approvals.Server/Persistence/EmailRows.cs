namespace Approvals.Server.Persistence;

/// <summary>A notification template edited by a manager (Scriban source). Absent names fall back to the built-in defaults.</summary>
public class TemplateRow
{
    public string Name { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Html { get; set; } = "";
    public string Text { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>
/// A token behind an email link (<see cref="Kind"/> <c>link</c>, one per decision) or a reply address (<c>reply</c>):
/// only its SHA-256 <see cref="Hash"/> is stored; bound to a task and a person, single-use, expiring.
/// </summary>
public class EmailTokenRow
{
    public Guid Id { get; set; }
    public string Hash { get; set; } = "";
    public string Kind { get; set; } = "";
    public Guid TaskId { get; set; }
    public Guid CaseId { get; set; }
    public string Person { get; set; } = "";
    /// <summary>approve, reject or request-changes for a link; null for a reply token.</summary>
    public string? Decision { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>An inbound message already handled, by its Message-ID, so a duplicate delivery changes nothing.</summary>
public class InboundMessageRow
{
    public string MessageId { get; set; } = "";
    public string Source { get; set; } = "";
    public string? From { get; set; }
    public Guid? TaskId { get; set; }
    public string Outcome { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
}
