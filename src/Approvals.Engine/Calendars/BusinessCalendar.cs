using Approvals.Engine.Model;
using NodaTime;

namespace Approvals.Engine.Calendars;

/// <summary>
/// Business hours in one time zone: the days of the week people work, the hours they work on those days
/// (wall-clock, the same every working day) and the dates they do not (holidays, as local dates).
/// Durations counted by a calendar count working time only: <c>P1D</c> is one working day, <c>PT4H</c> four
/// working hours. Build one with <see cref="Parse"/>, which refuses what <see cref="Add"/> cannot count with.
/// </summary>
public sealed partial record BusinessCalendar(
    string Name,
    string TimeZone,
    IReadOnlyList<DayOfWeek> WorkingDays,
    TimeOnly Start,
    TimeOnly End,
    IReadOnlyList<DateOnly> Holidays)
{
    /// <summary>
    /// Days scanned in one call before the calendar is taken for one that never works (every day a holiday,
    /// say). Generous: the longest duration the reader accepts, counted in one-hour working days, stays below it.
    /// </summary>
    private const int MaxDaysScanned = 2_000_000;

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="duration"/> counted in working time, as a UTC instant.
    /// <list type="bullet">
    /// <item>A start whose time of day is outside working hours first moves to the next working moment
    /// (before the day's start: that day's start if it is a working day; after its end: the next working day's start).</item>
    /// <item>The days part then moves to the N-th working day after the start's date, keeping the time of day
    /// (Monday 10:00 + P1D = Tuesday 10:00; Friday 10:00 + P1D with Sunday–Thursday weeks = Sunday 10:00).</item>
    /// <item>The time part counts working hours only, going on into the next working days as needed
    /// (14:00 + PT4H with 08:00–16:00 = the next working day 10:00). Work that ends exactly at the day's end
    /// ends then, not the next morning.</item>
    /// </list>
    /// Everything is counted in local wall-clock time and converted back with the zone's lenient resolver, so
    /// a daylight-saving change neither adds nor loses a working hour. A calendar that cannot be counted with
    /// (unknown zone, no working days, empty hours, every day a holiday) gives elapsed time instead of throwing.
    /// </summary>
    public DateTimeOffset Add(DateTimeOffset from, IsoDuration duration)
    {
        var elapsed = from + duration.ToTimeSpan();
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(TimeZone);
        if (zone is null || WorkingDays.Count == 0 || Start >= End) return elapsed;

        var start = LocalTime.FromTicksSinceMidnight(Start.Ticks);
        var end = LocalTime.FromTicksSinceMidnight(End.Ticks);
        var holidays = Holidays.Select(h => new LocalDate(h.Year, h.Month, h.Day)).ToHashSet();
        var workingDays = WorkingDays.Select(d => d == DayOfWeek.Sunday ? IsoDayOfWeek.Sunday : (IsoDayOfWeek)(int)d).ToHashSet();
        var budget = MaxDaysScanned;

        bool IsWorking(LocalDate d) => workingDays.Contains(d.DayOfWeek) && !holidays.Contains(d);

        // The first working day after `d`, or null when the scan runs out (a calendar that never works).
        LocalDate? NextWorkingDay(LocalDate d)
        {
            do
            {
                if (--budget < 0) return null;
                d = d.PlusDays(1);
            } while (!IsWorking(d));
            return d;
        }

        var local = Instant.FromDateTimeOffset(from).InZone(zone).LocalDateTime;
        var date = local.Date;
        var time = local.TimeOfDay;

        // Outside the day's hours: on to the next working moment.
        if (time < start && IsWorking(date)) time = start;
        else if (time < start || time >= end)
        {
            if (NextWorkingDay(date) is not { } next) return elapsed;
            (date, time) = (next, start);
        }

        for (var i = 0; i < duration.Days; i++)
        {
            if (NextWorkingDay(date) is not { } next) return elapsed;
            date = next;
        }

        var remaining = duration.Time;
        if (remaining > TimeSpan.Zero && !IsWorking(date))
        {
            // Only reached with no days part: a start on a day off whose clock time lies within working hours.
            if (NextWorkingDay(date) is not { } next) return elapsed;
            (date, time) = (next, start);
        }
        while (remaining > TimeSpan.Zero)
        {
            var left = TimeSpan.FromTicks(end.TickOfDay - time.TickOfDay);
            if (remaining <= left)
            {
                time = time.PlusTicks(remaining.Ticks);
                break;
            }
            remaining -= left;
            if (NextWorkingDay(date) is not { } next) return elapsed;
            (date, time) = (next, start);
        }

        var result = date.At(time).InZoneLeniently(zone).ToInstant();
        return result.ToDateTimeOffset(); // offset zero
    }

    public bool Equals(BusinessCalendar? other) =>
        other is not null && Name == other.Name && TimeZone == other.TimeZone && Start == other.Start && End == other.End
        && WorkingDays.SequenceEqual(other.WorkingDays) && Holidays.SequenceEqual(other.Holidays);

    public override int GetHashCode() => HashCode.Combine(Name, TimeZone, Start, End, WorkingDays.Count, Holidays.Count);
}
