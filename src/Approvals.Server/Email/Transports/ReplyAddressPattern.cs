namespace Approvals.Server.Email.Transports;

/// <summary>
/// The shape of <c>Email__ReplyAddress</c> (<c>approvals+{token}@example.org</c>, or <c>*</c> for the token): what comes
/// before and after the token. The SMTP listener takes mail only for addresses of this shape, so it never becomes an open
/// mailbox for anything else at the domain. Compared without regard to case, as mail systems do for the domain.
/// </summary>
public sealed record ReplyAddressPattern(string Prefix, string Suffix)
{
    private static readonly string[] Placeholders = ["{token}", "*"];

    public static ReplyAddressPattern? TryParse(string? replyAddress)
    {
        if (string.IsNullOrWhiteSpace(replyAddress)) return null;
        foreach (var placeholder in Placeholders)
        {
            var at = replyAddress.IndexOf(placeholder, StringComparison.Ordinal);
            if (at < 0 || replyAddress.IndexOf(placeholder, at + 1, StringComparison.Ordinal) >= 0) continue;
            var prefix = replyAddress[..at];
            var suffix = replyAddress[(at + placeholder.Length)..];
            // The token must sit in the local part: "approvals+{token}@example.org", not "approvals@{token}.org".
            if (prefix.Contains('@', StringComparison.Ordinal) || !suffix.StartsWith('@') || suffix.Length < 2) return null;
            return new ReplyAddressPattern(prefix, suffix);
        }
        return null;
    }

    /// <summary>True for an address with a non-empty token between the prefix and the suffix.</summary>
    public bool Matches(string address) =>
        address.Length > Prefix.Length + Suffix.Length
        && address.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
        && address.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase)
        && !address.AsSpan(Prefix.Length, address.Length - Prefix.Length - Suffix.Length).ContainsAny('@', ' ');
}
