using System.ComponentModel.DataAnnotations;
using System.Net;
using MailKit.Security;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// <c>Email__Inbound__*</c> for the transports that receive replies: the built-in SMTP listener (on when
/// <see cref="SmtpPort"/> is set) and IMAP polling (on when <see cref="ImapPollingOptions.Host"/> is set); the limits every
/// transport shares (<c>MaxBytes</c>, <c>AuthServId</c>) are <see cref="InboundMailOptions"/>.
/// <see cref="ReplyAddress"/> is copied from <c>Email__ReplyAddress</c>: the listener accepts only recipients of that shape.
/// </summary>
public sealed class InboundTransportOptions : IValidatableObject
{
    public const string Section = "Email:Inbound";

    /// <summary>The port of the SMTP listener; unset means no listener.</summary>
    [Range(1, 65535)]
    public int? SmtpPort { get; set; }

    /// <summary>The address the listener binds to. Loopback by default: it is meant to sit behind the organisation's MX or relay.</summary>
    [Required]
    public string SmtpBind { get; set; } = "127.0.0.1";

    /// <summary>SMTP sessions served at once; further connections wait in the listen queue.</summary>
    [Range(1, 10_000)]
    public int MaxSessions { get; set; } = 32;

    /// <summary>
    /// Of those, the most one client address may hold; a further connection from it is answered 421 (try again later).
    /// The trusted relays are not counted: behind an MX, every reply comes from it.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxSessionsPerAddress { get; set; } = 8;

    /// <summary>How long an SMTP session may last; a command is waited for at most 30 seconds of it.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan SmtpSessionTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>IP addresses of the organisation's MX or relays that verify mail and add their own
    /// <c>Authentication-Results</c>: their copies are kept. Anyone else's copies with our id are removed.</summary>
    public string[] SmtpTrustedRelays { get; set; } = [];

    /// <summary><see cref="SmtpTrustedRelays"/> parsed (IPv4 as such); the settings are checked at start.</summary>
    internal IReadOnlySet<IPAddress> TrustedRelayAddresses =>
        _trusted ??= SmtpTrustedRelays.Select(r => IPAddress.TryParse(r, out var a) ? BoundedListenerFactory.Plain(a) : null)
            .OfType<IPAddress>().ToHashSet();

    private HashSet<IPAddress>? _trusted;

    /// <summary><c>Email__ReplyAddress</c>, e.g. <c>approvals+{token}@example.org</c> (bound from the parent section).</summary>
    public string? ReplyAddress { get; set; }

    public ImapPollingOptions Imap { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SmtpPort is not null && ReplyAddressPattern.TryParse(ReplyAddress) is null)
            yield return new ValidationResult(
                "Email:Inbound:SmtpPort needs Email:ReplyAddress with one '{token}' in its local part, e.g. approvals+{token}@example.org.",
                [nameof(ReplyAddress)]);
        if (SmtpPort is not null && !IPAddress.TryParse(SmtpBind, out _))
            yield return new ValidationResult("Email:Inbound:SmtpBind must be an IP address, e.g. 127.0.0.1 or 0.0.0.0.", [nameof(SmtpBind)]);
        foreach (var relay in SmtpTrustedRelays)
            if (!IPAddress.TryParse(relay, out _))
                yield return new ValidationResult($"Email:Inbound:SmtpTrustedRelays: '{relay}' is not an IP address.", [nameof(SmtpTrustedRelays)]);
        foreach (var result in Imap.Validate())
            yield return result;
    }
}

/// <summary><c>Email__Inbound__Imap__*</c>: the mailbox replies are delivered to, read by polling.</summary>
public sealed class ImapPollingOptions
{
    /// <summary>The IMAP server; unset means no polling.</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 993;

    public ImapSecurity Security { get; set; } = ImapSecurity.SslOnConnect;

    public string? User { get; set; }

    public string? Password { get; set; }

    [Required]
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where handled messages are moved; unset means they are flagged \Seen and only unseen ones are fetched.</summary>
    public string? ProcessedFolder { get; set; }

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="ProcessedFolder"/>, with an empty setting meaning none.</summary>
    internal string? ProcessedFolderName => string.IsNullOrWhiteSpace(ProcessedFolder) ? null : ProcessedFolder;

    /// <summary>The longest wait between reconnection attempts after failures (the wait doubles from the poll interval).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    internal SecureSocketOptions SocketOptions => Security switch
    {
        ImapSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        ImapSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.Auto,
    };

    internal IEnumerable<ValidationResult> Validate()
    {
        if (Host is null) yield break;
        if (string.IsNullOrEmpty(User) || string.IsNullOrEmpty(Password))
            yield return new ValidationResult("Email:Inbound:Imap:Host needs Email:Inbound:Imap:User and Email:Inbound:Imap:Password.", ["Imap"]);
        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult("Email:Inbound:Imap:PollInterval must be between 00:00:00.1 and 01:00:00.", ["Imap"]);
        if (MaxBackoff < PollInterval)
            yield return new ValidationResult("Email:Inbound:Imap:MaxBackoff must not be shorter than the poll interval.", ["Imap"]);
        if (string.Equals(ProcessedFolderName, Folder, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult("Email:Inbound:Imap:ProcessedFolder must differ from Email:Inbound:Imap:Folder.", ["Imap"]);
    }
}

/// <summary>How the IMAP connection is secured (<c>Auto</c>: TLS on 993, STARTTLS when offered elsewhere).</summary>
public enum ImapSecurity { SslOnConnect, StartTls, None, Auto }
