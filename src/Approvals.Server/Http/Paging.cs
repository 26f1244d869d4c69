using System.Buffers.Text;
using System.Text.Json;

namespace Approvals.Server.Http;

/// <summary>One page of a list: the items, and the cursor of the next page (null on the last one).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>A cursor's sort key that can tell whether its values are ones a page could have ended on.</summary>
public interface ICursorKey
{
    bool Plausible { get; }
}

/// <summary>
/// Keyset paging. A cursor is the sort key of the last item a page returned, wrapped so clients treat it
/// as opaque: base64url of a small JSON object that also names the list it belongs to, so a cursor of one
/// list handed to another is refused instead of silently skipping rows. A cursor only moves the position;
/// every page is still filtered by what the caller may see, so a forged one reveals nothing.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxCursorLength = 512;

    /// <summary>The page size asked for, or a 400 naming <c>limit</c>.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw RequestInvalid.Field("limit", $"limit is a whole number from 1 to {MaxLimit}."),
        { } n => n,
    };

    public static string Encode<TKey>(string list, TKey key)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Envelope<TKey>(list, key), Json);
        return Base64Url.EncodeToString(json);
    }

    /// <summary>The key inside <paramref name="cursor"/>, null when there is none, or a 400 naming <c>cursor</c>.</summary>
    public static TKey? Decode<TKey>(string list, string? cursor) where TKey : class
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            if (cursor.Length > MaxCursorLength) throw new FormatException();
            var envelope = JsonSerializer.Deserialize<Envelope<TKey>>(Base64Url.DecodeFromChars(cursor), Json);
            if (envelope is { List: var l, Key: { } key } && l == list && (key is not ICursorKey k || k.Plausible)) return key;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            // fall through to the refusal below: the text is not a cursor this server made
        }
        throw RequestInvalid.Field("cursor", "cursor is not one this list handed out; pass the `next` value of the previous page, or leave it out for the first page.");
    }

    /// <summary>Whether <paramref name="ticks"/> (UTC) is an instant a <see cref="DateTimeOffset"/> can hold.</summary>
    public static bool IsInstant(long ticks) => ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;

    /// <summary>Every field of a key is required: a key missing one is not a cursor this server made.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false, RespectRequiredConstructorParameters = true,
    };

    private sealed record Envelope<TKey>(string List, TKey? Key);

    /// <summary>A comma-separated list of enum names (any letter case) meaning exactly those values; null when absent.</summary>
    public static IReadOnlyList<string>? EnumList<T>(string? value, string field, string what) where T : struct, Enum
    {
        if (value is null) return null;
        var names = value.Split(',', StringSplitOptions.TrimEntries);
        var result = new List<string>(names.Length);
        foreach (var name in names)
        {
            // Enum.TryParse would read "Approved,Rejected" as a flag combination and "1" as a number: neither is a name.
            var match = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
                throw RequestInvalid.Field(field, $"'{name}' is not {what}: use one of {string.Join(", ", Enum.GetNames<T>())}, or several separated by commas.");
            if (!result.Contains(match)) result.Add(match);
        }
        return result;
    }
}
