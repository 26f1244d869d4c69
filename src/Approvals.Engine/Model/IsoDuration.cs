using System.Globalization;
using System.Text.RegularExpressions;

namespace Approvals.Engine.Model;

/// <summary>
/// An ISO 8601 duration limited to weeks, days and time (years and months have no fixed length).
/// Days are kept apart from hours so that a business calendar can count <c>P1D</c> as one working day.
/// </summary>
public readonly partial record struct IsoDuration(int Days, TimeSpan Time)
{
    public static bool TryParse(string? text, out IsoDuration duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = Pattern().Match(text.Trim());
        if (!m.Success) return false;
        int Int(string g) => m.Groups[g].Success ? int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            var days = checked(Int("w") * 7 + Int("d"));
            var seconds = m.Groups["s"].Success ? double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
            var time = TimeSpan.FromHours(Int("h")) + TimeSpan.FromMinutes(Int("m")) + TimeSpan.FromSeconds(seconds);
            if (days > 36_500 || time > TimeSpan.FromDays(36_500)) return false;
            duration = new IsoDuration(days, time);
            return days > 0 || time > TimeSpan.Zero;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static IsoDuration Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"'{text}' is not an ISO 8601 duration such as PT4H or P2D.");

    /// <summary>Elapsed (calendar) time: a day is 24 hours.</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromDays(Days) + Time;

    public override string ToString()
    {
        var s = "P" + (Days > 0 ? $"{Days}D" : "");
        if (Time > TimeSpan.Zero)
        {
            s += "T";
            if (Time.Days * 24 + Time.Hours > 0) s += $"{Time.Days * 24 + Time.Hours}H";
            if (Time.Minutes > 0) s += $"{Time.Minutes}M";
            var sec = Time.Seconds + Time.Milliseconds / 1000.0;
            if (sec > 0) s += sec.ToString(CultureInfo.InvariantCulture) + "S";
        }
        return s;
    }

    [GeneratedRegex(@"^P(?:(?<w>\d{1,5})W)?(?:(?<d>\d{1,5})D)?(?:T(?=\d)(?:(?<h>\d{1,6})H)?(?:(?<m>\d{1,7})M)?(?:(?<s>\d{1,9}(?:\.\d{1,3})?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
