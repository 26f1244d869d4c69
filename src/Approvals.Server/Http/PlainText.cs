using System.Buffers;
using System.Globalization;
using System.Text;

namespace Approvals.Server.Http;

/// <summary>
/// Rules for the free text people write into a case: titles and comments end up in the audit trail, emails and
/// screens, so they may not hide or reorder what a reader sees (controls, zero-width and bidirectional-override
/// characters, broken surrogates) and may not hold NUL, which PostgreSQL text refuses. Comments may span lines.
/// </summary>
public static class PlainText
{
    public const int MaxCommentLength = 4_000;

    /// <summary>Refuses a comment that is too long or holds hidden characters (line breaks and tabs are fine).</summary>
    public static void Comment(string? text, string field = "comment")
    {
        if (text is null) return;
        if (text.Length > MaxCommentLength)
            throw RequestInvalid.Field(field, $"A comment may be at most {MaxCommentLength} characters long.");
        Check(field, text, multiline: true);
    }

    /// <summary>Refuses a one-line text (a title, a name) that holds hidden characters.</summary>
    public static void Line(string? text, string field)
    {
        if (text is not null) Check(field, text, multiline: false);
    }

    public static bool HasHiddenCharacters(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != OperationStatus.Done) return true;
            i += used;
            if (multiline && rune.Value is '\n' or '\r' or '\t') continue;
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator) return true;
        }
        return false;
    }

    private static void Check(string field, string text, bool multiline)
    {
        if (HasHiddenCharacters(text, multiline))
            throw new RequestInvalid($"{field} holds hidden characters.",
                [new ApiError(field, $"{field} holds control, zero-width or bidirectional-override characters.", "hidden-characters")]);
    }
}
