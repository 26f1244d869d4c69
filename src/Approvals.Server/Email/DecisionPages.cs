using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Approvals.Server.Email;

/// <summary>
/// The server-rendered pages behind an email link: plain HTML and inline CSS, no script at all, every value
/// HTML-encoded, readable on a phone and in dark mode, with <c>lang</c> and <c>dir</c> from the catalogue.
/// </summary>
public static class DecisionPages
{
    /// <summary>No script, no images, no frames; the form may post only back here.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Confirm(EmailText t, TokenSubject s, string token, string appUrl)
    {
        var decision = t.DecisionName(s.Token.Decision ?? "");
        var body = new StringBuilder()
            .Append("<p class=\"lead\">").Append(E(t.ConfirmLead)).Append("</p><dl>")
            .Append(Row(t.CaseLabel, s.Case.Title)).Append(Row(t.WorkflowLabel, s.Workflow)).Append(Row(t.StageLabel, s.Stage))
            .Append(Row(t.DecisionLabel, decision)).Append(Row(t.ForLabel, $"{s.PersonName} <{s.Token.Person}>"))
            .Append("</dl><form method=\"post\" action=\"/email/decide\">")
            .Append("<input type=\"hidden\" name=\"token\" value=\"").Append(E(token)).Append("\">")
            .Append("<label for=\"comment\">").Append(E(t.CommentLabel)).Append("</label>")
            .Append("<textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"").Append(Http.PlainText.MaxCommentLength).Append("\"></textarea>")
            .Append("<button type=\"submit\" class=\"").Append(E(s.Token.Decision ?? "")).Append("\">")
            .Append(E(string.Format(CultureInfo.InvariantCulture, t.ConfirmButton, decision))).Append("</button></form>")
            .Append("<p class=\"aside\"><a href=\"").Append(E($"{appUrl}/tasks/{s.Token.TaskId}")).Append("\">").Append(E(t.OpenInApp)).Append("</a></p>");
        return Page(t, t.ConfirmTitle, body.ToString());
    }

    public static string Done(EmailText t, string decision, string caseTitle, string appUrl, Guid taskId) =>
        Page(t, t.DoneTitle, "<p class=\"lead\">" + E(string.Format(CultureInfo.InvariantCulture, t.DoneLead, t.DecisionName(decision), caseTitle))
            + "</p><p class=\"aside\"><a href=\"" + E($"{appUrl}/tasks/{taskId}") + "\">" + E(t.GoToApp) + "</a></p>");

    public static string Refused(EmailText t, string sentence, string appUrl) =>
        Page(t, t.RefusedTitle, "<p class=\"lead\">" + E(sentence) + "</p><p class=\"aside\"><a href=\"" + E(appUrl + "/inbox") + "\">"
            + E(t.GoToApp) + "</a></p>");

    private static string Row(string label, string value) => "<div><dt>" + E(label) + "</dt><dd>" + E(value) + "</dd></div>";

    private static string E(string value) => Html.Encode(value);

    private static string Page(EmailText t, string title, string body) =>
        "<!doctype html><html lang=\"" + E(t.Lang) + "\" dir=\"" + E(t.Dir) + "\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
        + "<meta name=\"color-scheme\" content=\"light dark\"><title>" + E(title) + " \u2013 " + E(t.AppName) + "</title><style>" + Style + "</style></head>"
        + "<body><main><p class=\"brand\">" + E(t.AppName) + "</p><h1>" + E(title) + "</h1>" + body + "</main></body></html>";

    // Logical properties only (inline/block), so a right-to-left catalogue needs no other stylesheet.
    private const string Style =
        ":root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--ink:#1b1f24;--muted:#5b6470;--line:#d8dde3;--accent:#1f6feb;--approve:#1a7f37;--reject:#cf222e;--changes:#9a6700}"
        + "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--ink:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#58a6ff;--approve:#3fb950;--reject:#f85149;--changes:#d29922}}"
        + "*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',sans-serif}"
        + "main{max-inline-size:36rem;margin-inline:auto;margin-block:2rem;padding:1.5rem;background:var(--card);border:1px solid var(--line);border-radius:12px}"
        + "@media (max-width:40rem){main{margin-block:0;border-radius:0;border-inline:0;min-block-size:100vh}}"
        + ".brand{margin:0;color:var(--muted);font-size:.875rem;letter-spacing:.04em;text-transform:uppercase}h1{margin-block:.25rem 1rem;font-size:1.5rem}"
        + ".lead{margin-block:0 1rem}dl{margin:0 0 1.25rem;display:grid;gap:.5rem}dl div{display:grid;grid-template-columns:8rem 1fr;gap:.75rem}"
        + "@media (max-width:26rem){dl div{grid-template-columns:1fr;gap:0}}dt{color:var(--muted)}dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
        + "label{display:block;margin-block-end:.25rem;color:var(--muted)}textarea{inline-size:100%;padding:.625rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px;resize:vertical}"
        + "button{margin-block-start:1rem;inline-size:100%;padding:.75rem 1rem;font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:8px;cursor:pointer}"
        + "button.approve{background:var(--approve)}button.reject{background:var(--reject)}button.request-changes{background:var(--changes)}"
        + "button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
        + ".aside{margin-block:1.25rem 0;font-size:.9375rem}a{color:var(--accent)}";
}
