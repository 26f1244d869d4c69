namespace Approvals.Server.Email;

/// <summary>
/// The few words of an email the server writes itself, in one place for a later translation: the plain message sent
/// when a template fails to render. Everything else a reader sees comes from the templates.
/// </summary>
public static class MailText
{
    public static string FallbackSubject(string? caseTitle) => caseTitle is { Length: > 0 } t ? $"Approvals: {t}" : "A message from Approvals";

    public static string FallbackBody(string? caseTitle, string? open) =>
        $"There is news about {(caseTitle is { Length: > 0 } t ? $"\"{t}\"" : "one of your cases")} in Approvals.\r\n\r\n"
        + (open is { Length: > 0 } ? $"Open it here: {open}\r\n\r\n" : "")
        + "(This is a plain message: the usual email could not be prepared.)\r\n";

    public static string DueText(DateTimeOffset due) =>
        due.UtcDateTime.ToString("ddd d MMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
