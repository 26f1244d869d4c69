namespace Approvals.Server.Email.Transports;

/// <summary>
/// <c>Email__ReplyAddress</c> (<c>approvals+{token}@example.org</c>), parsed once for every part that reads it: what
/// comes before and after the token. Task mail gets its Reply-To from <see cref="Format"/>, a reply's token is found
/// again with <see cref="TokenIn"/>, and the SMTP listener takes mail only for addresses that <see cref="Matches"/>, so
/// it never becomes an open mailbox for anything else at the domain. The fixed parts compare without regard to case,
/// as mail systems do; the token keeps its case.
/// </summary>
public sealed record ReplyAddressPattern(string Prefix, string Suffix)
{
    public const string Placeholder = "{token}";

    /// <summary>
    /// The pattern in <paramref name="replyAddress"/>, or null when it is not one: <see cref="Placeholder"/> exactly once,
    /// in the local part ("approvals+{token}@example.org", not "approvals@{token}.org"), a domain after the <c>@</c>, and
    /// no white space.
    /// </summary>
    public static ReplyAddressPattern? TryParse(string? replyAddress)
    {
        if (string.IsNullOrWhiteSpace(replyAddress) || replyAddress.Any(char.IsWhiteSpace)) return null;
        var at = replyAddress.IndexOf(Placeholder, StringComparison.Ordinal);
        if (at < 0 || replyAddress.IndexOf(Placeholder, at + 1, StringComparison.Ordinal) >= 0) return null;
        var prefix = replyAddress[..at];
        var suffix = replyAddress[(at + Placeholder.Length)..];
        if (prefix.Contains('@', StringComparison.Ordinal) || !suffix.StartsWith('@') || suffix.Length < 2
            || suffix.IndexOf('@', 1) >= 0) return null;
        return new ReplyAddressPattern(prefix, suffix);
    }

    /// <summary>The reply address that carries <paramref name="token"/>.</summary>
    public string Format(string token) => Prefix + token + Suffix;

    /// <summary>
    /// The token in <paramref name="address"/> when the address has this shape and what stands in the token's place
    /// has the shape of one of ours (<see cref="EmailTokens.LooksValid"/>), else null.
    /// </summary>
    public string? TokenIn(string? address)
    {
        var trimmed = address?.Trim();
        return trimmed is not null && Matches(trimmed) ? trimmed[Prefix.Length..^Suffix.Length] : null;
    }

    /// <summary>
    /// True for an address with a token of our shape between the prefix and the suffix: what the listener takes. Any
    /// other local part is refused at <c>RCPT</c>, so a stranger cannot hand it kilobytes of address. A token of the
    /// right shape that is not one of ours is taken, and decides nothing.
    /// </summary>
    public bool Matches(string address) =>
        address.Length == Prefix.Length + EmailTokens.Length + Suffix.Length
        && address.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
        && address.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase)
        && EmailTokens.LooksValid(address.Substring(Prefix.Length, EmailTokens.Length));
}
