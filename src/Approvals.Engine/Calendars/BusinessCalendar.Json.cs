using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Engine.Model;
using Approvals.Engine.Validation;
using NodaTime;

namespace Approvals.Engine.Calendars;

/// <summary>
/// The API shape of a calendar: <c>{"timeZone": "Asia/Gaza", "workingDays": ["Sunday", ...],
/// "workingHours": {"start": "08:00", "end": "16:00"}, "holidays": ["2026-12-25", ...]}</c>.
/// </summary>
public sealed partial record BusinessCalendar
{
    private static readonly string[] TimeFormats = ["HH:mm", "HH:mm:ss"];

    /// <summary>
    /// Reads a calendar body. Every fault comes back at once, each with the field it is in
    /// (<c>timeZone</c>, <c>workingDays[1]</c>, <c>workingHours.start</c>, <c>holidays[0]</c>, ...);
    /// the calendar is null when there is any.
    /// </summary>
    public static (BusinessCalendar? Calendar, IReadOnlyList<ValidationError> Errors) Parse(string name, JsonNode? json)
    {
        var errors = new List<ValidationError>();
        void Error(string code, string message, string path) => errors.Add(new ValidationError(code, message, path));

        if (!Keys.IsValid(name))
            Error(ErrorCodes.InvalidValue, $"'{name}' is not a calendar name: lower-case letters, digits and '-', starting with a letter or digit, at most 64 characters.", "name");
        if (json is not JsonObject o)
        {
            Error(ErrorCodes.InvalidValue, "A calendar is a JSON object {\"timeZone\", \"workingDays\", \"workingHours\", \"holidays\"}.", "$");
            return (null, errors);
        }

        var zone = Text(o["timeZone"]);
        if (zone is null)
            Error(o["timeZone"] is null ? ErrorCodes.Required : ErrorCodes.InvalidValue, "timeZone is required: an IANA time zone id such as \"Asia/Gaza\" or \"Europe/Berlin\".", "timeZone");
        else if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is null)
            Error(ErrorCodes.InvalidValue, $"'{zone}' is not a known IANA time zone id (such as \"Asia/Gaza\" or \"Europe/Berlin\").", "timeZone");

        var days = new List<DayOfWeek>();
        if (o["workingDays"] is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var text = Text(list[i]);
                if (text is not null && Enum.TryParse<DayOfWeek>(text, ignoreCase: true, out var day) && Enum.IsDefined(day) && !char.IsDigit(text[0]))
                {
                    if (!days.Contains(day)) days.Add(day);
                }
                else Error(ErrorCodes.InvalidValue, $"'{list[i]?.ToJsonString()}' is not a day of the week; use Monday ... Sunday.", $"workingDays[{i}]");
            }
            if (list.Count == 0) Error(ErrorCodes.Required, "workingDays must name at least one day.", "workingDays");
        }
        else Error(o["workingDays"] is null ? ErrorCodes.Required : ErrorCodes.InvalidValue,
            "workingDays is required: an array of day names such as [\"Monday\", \"Tuesday\"].", "workingDays");

        TimeOnly? start = null, end = null;
        if (o["workingHours"] is JsonObject hours)
        {
            start = Time(hours["start"], "workingHours.start", errors);
            end = Time(hours["end"], "workingHours.end", errors);
            if (start is { } s && end is { } e && s >= e)
                Error(ErrorCodes.InvalidValue, $"workingHours.start ({s:HH:mm}) must be before workingHours.end ({e:HH:mm}).", "workingHours.start");
        }
        else Error(o["workingHours"] is null ? ErrorCodes.Required : ErrorCodes.InvalidValue,
            "workingHours is required: {\"start\": \"08:00\", \"end\": \"16:00\"}.", "workingHours");

        var holidays = new List<DateOnly>();
        if (o["holidays"] is JsonArray hs)
        {
            for (var i = 0; i < hs.Count; i++)
            {
                if (Text(hs[i]) is { } text && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    if (!holidays.Contains(date)) holidays.Add(date);
                }
                else Error(ErrorCodes.InvalidValue, $"'{hs[i]?.ToJsonString()}' is not a date as yyyy-MM-dd.", $"holidays[{i}]");
            }
        }
        else if (o["holidays"] is not null)
            Error(ErrorCodes.InvalidValue, "holidays must be an array of dates as yyyy-MM-dd.", "holidays");

        if (errors.Count > 0) return (null, errors);
        holidays.Sort();
        return (new BusinessCalendar(name!, zone!, days, start!.Value, end!.Value, holidays), errors);
    }

    /// <summary>The API shape, as <see cref="Parse"/> reads it.</summary>
    public JsonObject ToJson() => new()
    {
        ["timeZone"] = TimeZone,
        ["workingDays"] = new JsonArray(WorkingDays.Select(d => (JsonNode)d.ToString()!).ToArray()),
        ["workingHours"] = new JsonObject { ["start"] = Format(Start), ["end"] = Format(End) },
        ["holidays"] = new JsonArray(Holidays.Select(h => (JsonNode)h.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)!).ToArray()),
    };

    private static string Format(TimeOnly t) =>
        t.ToString(t.Second == 0 && t.Millisecond == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static TimeOnly? Time(JsonNode? node, string path, List<ValidationError> errors)
    {
        if (Text(node) is { } text && TimeOnly.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
            return t;
        errors.Add(new ValidationError(node is null ? ErrorCodes.Required : ErrorCodes.InvalidValue,
            $"{path} must be a time of day as HH:mm (24-hour), such as \"08:00\".", path));
        return null;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;
}
