using System.Text.RegularExpressions;
using MimeKit;

namespace Approvals.Server.Email;

/// <summary>
/// Reads <c>Authentication-Results</c> (RFC 8601) the safe way: only a header whose authserv-id is the one our own
/// receiving host writes counts, since anyone can add a header of that name before the mail reaches us (and the
/// border host removes copies carrying its own id). A counted header refuses the mail when DMARC failed, or when
/// SPF failed and no DKIM signature passed.
/// </summary>
public static partial class SenderChecks
{
    public static bool Fails(HeaderList headers, string? trustedAuthServId)
    {
        if (string.IsNullOrWhiteSpace(trustedAuthServId)) return false;
        foreach (var header in headers.Where(h => h.Field.Equals("Authentication-Results", StringComparison.OrdinalIgnoreCase)))
        {
            var value = Comments().Replace(header.Value ?? "", " ");
            var semicolon = value.IndexOf(';', StringComparison.Ordinal);
            var id = (semicolon < 0 ? value : value[..semicolon]).Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (!string.Equals(id, trustedAuthServId.Trim(), StringComparison.OrdinalIgnoreCase)) continue;
            var results = Result().Matches(value).Select(m => (Method: m.Groups["m"].Value.ToLowerInvariant(), Result: m.Groups["r"].Value.ToLowerInvariant())).ToList();
            if (results.Any(r => r is { Method: "dmarc", Result: "fail" })) return true;
            var spfFailed = results.Any(r => r.Method == "spf" && r.Result is "fail" or "softfail");
            if (spfFailed && !results.Any(r => r is { Method: "dkim", Result: "pass" })) return true;
        }
        return false;
    }

    [GeneratedRegex(@"\([^()]*\)", RegexOptions.None, 1000)]
    private static partial Regex Comments();

    [GeneratedRegex(@"(?:^|[;\s])(?<m>dmarc|spf|dkim)\s*=\s*(?<r>[A-Za-z]+)", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex Result();
}
