using System.Text;

namespace Approvals.Server.Email.Transports;

/// <summary>
/// Removes <c>Authentication-Results</c> header fields that claim our own authserv-id (RFC 8601 §5: the border host
/// removes copies carrying its own id before anything downstream reads them). Anyone can write such a header into a
/// message; only one added by our receiving host may be trusted, and for mail the built-in listener takes directly that
/// host is the listener itself. Works on the raw bytes so that everything else reaches the handler unchanged.
/// </summary>
public static class OwnAuthenticationResults
{
    private const string FieldName = "Authentication-Results";

    /// <returns>The message without those fields (the same array when there were none), and how many were removed.</returns>
    public static (byte[] Message, int Removed) Remove(byte[] raw, string? authServId)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (string.IsNullOrWhiteSpace(authServId)) return (raw, 0);
        using var kept = new MemoryStream(raw.Length);
        var removed = 0;
        var pos = 0;
        while (pos < raw.Length)
        {
            var lineEnd = NextLine(raw, pos);
            if (IsBlank(raw, pos, lineEnd)) break; // the end of the header
            var fieldEnd = lineEnd;
            while (fieldEnd < raw.Length && raw[fieldEnd] is (byte)' ' or (byte)'\t') fieldEnd = NextLine(raw, fieldEnd);
            if (ClaimsId(raw.AsSpan(pos, fieldEnd - pos), authServId.Trim())) removed++;
            else kept.Write(raw, pos, fieldEnd - pos);
            pos = fieldEnd;
        }
        if (removed == 0) return (raw, 0);
        kept.Write(raw, pos, raw.Length - pos);
        return (kept.ToArray(), removed);
    }

    private static int NextLine(byte[] raw, int from)
    {
        var lf = Array.IndexOf(raw, (byte)'\n', from);
        return lf < 0 ? raw.Length : lf + 1;
    }

    private static bool IsBlank(byte[] raw, int from, int to) =>
        to - from <= 2 && raw.AsSpan(from, to - from).TrimEnd("\r\n"u8).IsEmpty;

    private static bool ClaimsId(ReadOnlySpan<byte> field, string authServId)
    {
        var text = Encoding.Latin1.GetString(field);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !text[..colon].Trim().Equals(FieldName, StringComparison.OrdinalIgnoreCase)) return false;
        var value = WithoutComments(text[(colon + 1)..]).Trim();
        var end = value.IndexOfAny([';', ' ', '\t', '\r', '\n']);
        var id = end < 0 ? value : value[..end];
        return id.Equals(authServId, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>CFWS may come before the authserv-id: "(comment) example.org; ..." names example.org.</summary>
    private static string WithoutComments(string value)
    {
        var sb = new StringBuilder(value.Length);
        var depth = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && depth > 0) { i++; continue; }
            if (c == '(') { depth++; sb.Append(' '); continue; }
            if (c == ')' && depth > 0) { depth--; continue; }
            if (depth == 0) sb.Append(c);
        }
        return sb.ToString();
    }
}
