using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Approvals.Engine.Runtime;

namespace Approvals.Server.Email;

/// <summary>What a reply says: the decision of its first own line (null when none is clear) and the comment.</summary>
public sealed record ReplyReading(Decision? Decision, string? Comment);

/// <summary>
/// Reads a reply the way a person would: quoted text (<c>&gt;</c> lines, "On ... wrote:" and its translations,
/// Outlook's original-message blocks, Gmail's quote) and signatures ("-- ", "Sent from my iPhone", ...) are not the
/// sender's words. The first own non-empty line must start with a keyword; anything after it is the comment. A
/// keyword found only in the quoted mail decides nothing.
/// </summary>
public static partial class ReplyParser
{
    private const int MaxLines = 2_000;

    /// <summary>How much of a reply's text (or markup) is read: its decision and comment stand at its top.</summary>
    private const int MaxChars = 100_000;

    /// <summary>A line longer than this is the sender's text, never a quote header, signature or Outlook header.</summary>
    private const int MaxMarkerLine = 1_000;

    /// <summary>
    /// The reply's decision and comment. A reply that cannot be read in reasonable time (markup built to make the
    /// patterns below backtrack, which each give up after a second) decides nothing, like one without a clear word:
    /// its sender is told, and nothing fails.
    /// </summary>
    public static ReplyReading Read(string? plain, string? html)
    {
        try
        {
            return ReadHead(!string.IsNullOrWhiteSpace(plain) ? Head(plain) : HtmlToText(Head(html ?? "")));
        }
        catch (RegexMatchTimeoutException)
        {
            return new ReplyReading(null, null);
        }
    }

    private static string Head(string text) => text.Length > MaxChars ? text[..MaxChars] : text;

    private static ReplyReading ReadHead(string text)
    {
        var own = OwnLines(text);
        var first = own.FindIndex(l => l.Trim().Length > 0);
        if (first < 0) return new ReplyReading(null, null);
        var m = Keyword().Match(own[first].Trim());
        if (!m.Success) return new ReplyReading(null, null);
        var word = m.Groups["kw"].Value.ToLowerInvariant();
        var after = m.Groups["after"].Value;
        // After the keyword: nothing, punctuation and a comment, or (for the longer words) a space and a comment.
        // "No problem" and "Approved?" decide nothing: a short word needs punctuation, and a question is no answer.
        string? sameLine = after.Trim().Length == 0 ? ""
            : Punctuated().Match(after) is { Success: true } p ? p.Groups["rest"].Value
            : word is not ("yes" or "ok" or "okay" or "no") && char.IsWhiteSpace(after[0]) && !after.TrimStart().StartsWith('?') ? after
            : null;
        if (sameLine is null) return new ReplyReading(null, null);
        var decision = word switch
        {
            "approve" or "approved" or "yes" or "ok" or "okay" => Decision.Approve,
            "reject" or "rejected" or "no" or "decline" or "declined" => Decision.Reject,
            _ => Decision.RequestChanges,
        };
        var rest = new List<string> { sameLine.Trim() };
        rest.AddRange(own.Skip(first + 1));
        return new ReplyReading(decision, Comment(rest));
    }

    /// <summary>The sender's own lines: quotes dropped, and everything from a signature or an unquoted original on cut off.</summary>
    internal static List<string> OwnLines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Take(MaxLines).ToList();
        var own = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].TrimEnd();
            var trimmed = line.Trim();
            if (trimmed.StartsWith('>')) continue;
            if (line.Length > MaxMarkerLine)
            {
                own.Add(line);
                continue;
            }
            if (Signature().IsMatch(line) || OriginalMessage().IsMatch(trimmed) || IsOutlookHeader(lines, i)) break;
            var header = QuoteHeaderLength(lines, i);
            if (header > 0)
            {
                // "On ... wrote:" before ">" lines only introduces the quote; before unquoted text it starts the original.
                var next = lines.Skip(i + header).FirstOrDefault(l => l.Trim().Length > 0);
                if (next is null || !next.TrimStart().StartsWith('>')) break;
                i += header - 1;
                continue;
            }
            own.Add(line);
        }
        return own;
    }

    /// <summary>How many lines (1 or 2: mail clients wrap long ones) form a quote header starting at line <paramref name="i"/>; 0 when none.</summary>
    private static int QuoteHeaderLength(List<string> lines, int i)
    {
        var line = lines[i].Trim();
        if (line.Length == 0) return 0;
        if (QuoteHeader().IsMatch(line)) return 1;
        if (i + 1 < lines.Count && lines[i + 1].Length <= MaxMarkerLine && QuoteHeaderStart().IsMatch(line)
            && QuoteHeader().IsMatch(line + " " + lines[i + 1].Trim())) return 2;
        return 0;
    }

    /// <summary>Outlook's unquoted block: "From: ..." followed within a few lines by "Sent:" or "Date:" (or their translations).</summary>
    private static bool IsOutlookHeader(List<string> lines, int i)
    {
        if (!OutlookFrom().IsMatch(lines[i].Trim())) return false;
        return lines.Skip(i + 1).Take(4).Any(l => l.Length <= MaxMarkerLine && OutlookSent().IsMatch(l.Trim()));
    }

    private static string? Comment(List<string> lines)
    {
        var text = string.Join('\n', lines).Trim();
        text = BlankRuns().Replace(text, "\n\n");
        var clean = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is '\n' or '\t' || Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format
                    or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate))
                clean.Append(rune.ToString());
        }
        var comment = clean.ToString().Trim();
        if (comment.Length > Http.PlainText.MaxCommentLength) comment = comment[..Http.PlainText.MaxCommentLength].TrimEnd();
        return comment.Length == 0 ? null : comment;
    }

    /// <summary>
    /// The visible text of an HTML reply, without Gmail's and Outlook's quoted originals and without blockquotes.
    /// A regex reading is enough here: the text only has to yield a first line and a comment, never markup.
    /// </summary>
    internal static string HtmlToText(string html)
    {
        var cut = QuoteContainer().Match(html);
        if (cut.Success) html = html[..cut.Index];
        html = DropBlocks(html, "blockquote");
        html = Invisible().Replace(html, "");
        html = LineBreaks().Replace(html, "\n");
        html = Tags().Replace(html, "");
        var text = WebUtility.HtmlDecode(html).Replace('\u00a0', ' ');
        return string.Join('\n', text.Split('\n').Select(l => l.Trim()));
    }

    /// <summary>Removes every <paramref name="tag"/> element with its content, nested ones included.</summary>
    private static string DropBlocks(string html, string tag)
    {
        var sb = new StringBuilder();
        var depth = 0;
        var pos = 0;
        var pattern = new Regex($"<(?<close>/)?{tag}\\b[^>]*>", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        foreach (Match m in pattern.Matches(html))
        {
            if (depth == 0) sb.Append(html, pos, m.Index - pos);
            depth = m.Groups["close"].Success ? Math.Max(0, depth - 1) : depth + 1;
            pos = m.Index + m.Length;
        }
        if (depth == 0) sb.Append(html, pos, html.Length - pos);
        return sb.ToString();
    }

    [GeneratedRegex(@"^[*_]*(?<kw>request[ -]changes|changes|approved|approve|rejected|reject|declined|decline|yes|okay|ok|no)\b[*_]*(?<after>.*)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Keyword();

    [GeneratedRegex(@"^[ \t]*[.,;:!\u2014\u2013-]+(?<rest>.*)$", RegexOptions.None, 1000)]
    private static partial Regex Punctuated();

    [GeneratedRegex(@"^(?:--|-- |__|Sent from my .+|Sent from Mail for Windows.*|Sent from Yahoo Mail.*|Sent from Outlook.*|Get Outlook for (?:iOS|Android).*|Envoy\u00e9 de mon .+|Von meinem .+ gesendet.*|Enviado desde mi .+|Inviato da .+|Verzonden vanaf .+|Verstuurd vanaf mijn .+|\u0623\u064f?\u0631\u0633\u0644\u062a? \u0645\u0646 .+)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Signature();

    [GeneratedRegex(@"^[-_=\s]*(?:Original Message|Original message|Message d'origine|Urspr\u00fcngliche Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Forwarded message|Begin forwarded message:)[-_=\s]*$|^_{10,}$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OriginalMessage();

    // "On <date>, <name> wrote:" and its translations, including Arabic ("... كتب:").
    [GeneratedRegex(@"^(?:On\s.+\swrote|Le\s.+\sa\s\u00e9crit|Am\s.+\sschrieb.*|El\s.+\sescribi\u00f3|Il\s.+\sha\sscritto|Op\s.+\sschreef.*|.+\s\u0643\u062a\u0628(?:\s.*)?|.+\s\u0643\u062a\u0628\u062a?)\s?:\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex QuoteHeader();

    [GeneratedRegex(@"^(?:On|Le|Am|El|Il|Op)\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex QuoteHeaderStart();

    [GeneratedRegex(@"^\*?(?:From|De|Von|Van|Da|\u0645\u0646)\s?:\*?\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OutlookFrom();

    [GeneratedRegex(@"^\*?(?:Sent|Date|Envoy\u00e9|Gesendet|Enviado|Fecha|Inviato|Data|Verzonden|Datum|\u062a\u0627\u0631\u064a\u062e \u0627\u0644\u0625\u0631\u0633\u0627\u0644|\u0623\u0631\u0633\u0644)\s?:\*?\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OutlookSent();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankRuns();

    [GeneratedRegex(@"<div[^>]*\b(?:class=""[^""]*\b(?:gmail_quote|gmail_signature|moz-signature)\b|id=""(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)"")|<hr\b[^>]*id=""stopSpelling""",
        RegexOptions.IgnoreCase, 1000)]
    private static partial Regex QuoteContainer();

    [GeneratedRegex(@"<(?<t>head|style|script|title)\b[^>]*>[\s\S]*?</\k<t>\s*>", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex Invisible();

    [GeneratedRegex(@"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|table)\s*>", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex LineBreaks();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.None, 1000)]
    private static partial Regex Tags();
}
