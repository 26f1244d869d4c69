using System.Text.RegularExpressions;
using MimeKit;

namespace Approvals.Server.Email;

/// <summary>
/// What a reply must show before it may decide. <c>Authentication-Results</c> (RFC 8601) count only when their
/// authserv-id is the one our own receiving host writes, since anyone can add a header of that name before the mail
/// reaches us. With that id configured, a reply decides only when such a header shows DMARC passing, or DKIM or SPF
/// passing for the From address's domain (aligned); DMARC failing refuses it outright, and no header at all refuses
/// it too. Replies written by machines (out-of-office notices, RFC 3834) never decide.
/// </summary>
public static partial class SenderChecks
{
    public static bool Fails(HeaderList headers, string? trustedAuthServId, string? fromAddress)
    {
        if (string.IsNullOrWhiteSpace(trustedAuthServId)) return false;
        var fromDomain = fromAddress is { } f && f.LastIndexOf('@') is var at and > 0 ? f[(at + 1)..].ToLowerInvariant() : "";
        var passed = false;
        foreach (var header in headers.Where(h => h.Field.Equals("Authentication-Results", StringComparison.OrdinalIgnoreCase)))
        {
            var value = Comments().Replace(header.Value ?? "", " ");
            var parts = value.Split(';');
            var id = parts[0].Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (!string.Equals(id, trustedAuthServId.Trim(), StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var part in parts.Skip(1))
            {
                var pairs = Pair().Matches(part).Select(m => (Key: m.Groups["k"].Value.ToLowerInvariant(), Value: m.Groups["v"].Value.Trim('"').ToLowerInvariant())).ToList();
                if (pairs.Count == 0) continue;
                var (method, result) = pairs[0];
                var found = pairs.Skip(1).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
                string? props(string key) => found.GetValueOrDefault(key);
                if (method == "dmarc" && result == "fail") return true;
                if (result != "pass") continue;
                passed |= method switch
                {
                    "dmarc" => true,
                    "dkim" => Aligned(props("header.d"), fromDomain),
                    "spf" => Aligned(DomainOf(props("smtp.mailfrom")), fromDomain),
                    _ => false,
                };
            }
        }
        return !passed;
    }

    /// <summary>An automatic answer (out of office, vacation, bounce): RFC 3834's Auto-Submitted and the common older markers.</summary>
    public static bool IsAutomatic(HeaderList headers)
    {
        // RFC 3834: every value but "no" (parameters after ';' and comments aside) marks a message as automatic, and a
        // message with several such fields is automatic when any of them says so.
        foreach (var field in headers.Where(h => h.Field.Equals("Auto-Submitted", StringComparison.OrdinalIgnoreCase)))
        {
            var value = Comments().Replace(field.Value, "").Split(';')[0].Trim();
            if (!value.Equals("no", StringComparison.OrdinalIgnoreCase)) return true;
        }
        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond")) return true;
        return headers["Precedence"]?.Trim().ToLowerInvariant() is "auto_reply" or "bulk" or "junk" or "list";
    }

    /// <summary>Relaxed alignment: the same domain, or one a subdomain of the other's.</summary>
    private static bool Aligned(string? domain, string fromDomain) =>
        domain is { Length: > 0 } d && fromDomain.Length > 0
        && (d == fromDomain || fromDomain.EndsWith("." + d, StringComparison.Ordinal) || d.EndsWith("." + fromDomain, StringComparison.Ordinal));

    private static string? DomainOf(string? mailbox) => mailbox is null ? null : mailbox.Contains('@') ? mailbox[(mailbox.LastIndexOf('@') + 1)..] : mailbox;

    [GeneratedRegex(@"\([^()]*\)", RegexOptions.None, 1000)]
    private static partial Regex Comments();

    [GeneratedRegex(@"(?<k>[A-Za-z0-9._-]+)\s*=\s*(?<v>""[^""]*""|[^\s;]+)", RegexOptions.None, 1000)]
    private static partial Regex Pair();
}
