using System.ComponentModel.DataAnnotations;
using Approvals.Server.Email.Transports;

namespace Approvals.Server.Email;

/// <summary>
/// The settings of deciding by email (<c>Email__LinkLifetime</c>, <c>Email__ReplyAddress</c>). The delivery
/// settings of the same section (SMTP, From) belong to outbound mail and are bound there.
/// </summary>
public sealed class EmailDecisionOptions : IValidatableObject
{
    public const string Section = "Email";

    /// <summary>How long a decision link and a reply address stay valid after the mail was written.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00", ErrorMessage = "Email:LinkLifetime must be between 5 minutes and 90 days.")]
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The Reply-To of task mail, e.g. <c>approvals+{token}@example.org</c>; unset: no reply-to-approve.</summary>
    public string? ReplyAddress { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ReplyAddress) || ReplyAddressPattern.TryParse(ReplyAddress) is not null) yield break;
        yield return new ValidationResult(
            "Email:ReplyAddress must be an address whose local part holds {token} once, such as approvals+{token}@example.org.",
            [nameof(ReplyAddress)]);
    }
}

/// <summary>
/// <c>Email__Inbound__Secret</c>, <c>__AuthServId</c>, <c>__MaxBytes</c>, <c>__MaxRefusalsPerHour</c>: how replies are accepted. The transports'
/// own settings (SMTP port, IMAP) are bound by the transports.
/// </summary>
public sealed class InboundMailOptions
{
    public const string Section = "Email:Inbound";

    /// <summary>The shared secret of <c>POST /api/inbound-email</c>; unset turns that route off (404).</summary>
    [MinLength(16, ErrorMessage = "Email:Inbound:Secret must be at least 16 characters long.")]
    public string? Secret { get; set; }

    /// <summary>
    /// The authserv-id our own receiving host writes into <c>Authentication-Results</c>. Only headers carrying it
    /// count (RFC 8601); unset: no such header is trusted and none is required.
    /// </summary>
    public string? AuthServId { get; set; }

    /// <summary>The largest raw message read; anything longer is refused unread.</summary>
    [Range(1_024, 100L * 1024 * 1024, ErrorMessage = "Email:Inbound:MaxBytes must be between 1 KB and 100 MB.")]
    public long MaxBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>
    /// The most refused replies one person is told of in an hour; past it, refusals are still recorded (the message,
    /// the case's history) but not answered. 0: never answered.
    /// </summary>
    [Range(0, 1_000, ErrorMessage = "Email:Inbound:MaxRefusalsPerHour must be between 0 and 1000.")]
    public int MaxRefusalsPerHour { get; set; } = 20;
}
