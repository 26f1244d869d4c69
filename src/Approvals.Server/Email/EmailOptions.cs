using System.ComponentModel.DataAnnotations;

namespace Approvals.Server.Email;

/// <summary>How SMTP is secured: <c>Auto</c> lets MailKit choose from the port (465 SSL on connect, else STARTTLS when offered).</summary>
public enum SmtpSecurity { Auto, None, StartTls, SslOnConnect }

/// <summary><c>Email__Smtp__*</c>: the relay outbound mail goes through. Without <see cref="Host"/> mail is written as <c>.eml</c> files.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    public string? User { get; set; }

    public string? Password { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>Per connection and per command.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a connection stays open after a dispatcher round for the next round to use (0: closed after each round).
    /// Short, like Postfix's connection cache (2 s there): long enough for rounds that follow one another under load,
    /// short of any relay's idle timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan KeepIdle { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary><c>Email__*</c>: outbound delivery of the outbox.</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    /// <summary>The From address of every message, e.g. <c>Approvals &lt;approvals@example.org&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "Approvals <approvals@localhost>";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Attempts per message before it is given up (<c>EmailFailed</c>).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the dispatcher, woken by a step that queued mail, waits for more before its round: a round costs about
    /// ten statements whatever it carries, and at a steady trickle of decisions rounds of one or two messages were a
    /// third of the database's round trips (issue 9). Zero sends at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan DispatchGather { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The first retry waits this long; each next one twice as long, up to an hour.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where <c>.eml</c> files go without an SMTP host; default <c>mail/</c> beside the SQLite database (else <c>./data/mail</c>).</summary>
    public string? MailDirectory { get; set; }

    /// <summary>
    /// Messages this server sends at once, each lane of a dispatcher round over its own SMTP connection (kept for the
    /// round). One at a time, a slow relay would hold back every message behind it. Default
    /// <see cref="DefaultDispatchConcurrency"/>.
    /// </summary>
    [Range(1, 32)]
    public int DispatchConcurrency { get; set; } = DefaultDispatchConcurrency;

    /// <summary>
    /// The machine's cores, at least 2 and at most 4. Rendering and composing a message is CPU work: on two cores, four
    /// lanes at once held both while requests waited (latency at 400 decisions/s, p99 38 ms with four lanes against 28
    /// with two, median of eight paired runs; docs/performance.md section 19). A remote relay's round trips are what more
    /// lanes hide: raise it there.
    /// </summary>
    public static int DefaultDispatchConcurrency => Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>
    /// The dispatcher's threads' nice value, 0 to 19 (0: the requests' own priority): rendering and composing mail is
    /// background work, and a request should not wait behind it for a core. Default 10.
    /// </summary>
    [Range(0, 19)]
    public int DispatchNice { get; set; } = 10;

    /// <summary>Off: the outbox is not delivered by this server (another one does it).</summary>
    public bool Dispatch { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MimeKit.MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult($"Email:From '{From}' is not an email address.", [nameof(From)]);
        var smtp = new List<ValidationResult>();
        Validator.TryValidateObject(Smtp, new ValidationContext(Smtp), smtp, validateAllProperties: true);
        foreach (var r in smtp) yield return new ValidationResult("Email:Smtp: " + r.ErrorMessage, r.MemberNames.Select(m => "Smtp." + m));
    }
}
