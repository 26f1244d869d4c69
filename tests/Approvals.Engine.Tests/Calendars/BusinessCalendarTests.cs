using Approvals.Engine.Calendars;
using Approvals.Engine.Model;

namespace Approvals.Engine.Tests.Calendars;

/// <summary>
/// <see cref="BusinessCalendar.Add"/>: working days, working hours, holidays, time zones and daylight-saving
/// changes. Times are written in the zone's local offset of that date; results must be the same instant, in UTC.
/// </summary>
public sealed class BusinessCalendarTests
{
    private static readonly DayOfWeek[] MondayToFriday =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static readonly DayOfWeek[] SundayToThursday =
        [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday];

    /// <summary>Europe/Berlin, Monday to Friday, 08:00–16:00.</summary>
    private static BusinessCalendar Berlin(params DateOnly[] holidays) =>
        new("berlin", "Europe/Berlin", MondayToFriday, new TimeOnly(8, 0), new TimeOnly(16, 0), holidays);

    /// <summary>Asia/Gaza, Sunday to Thursday, 08:00–16:00.</summary>
    private static BusinessCalendar Gaza(params DateOnly[] holidays) =>
        new("gaza", "Asia/Gaza", SundayToThursday, new TimeOnly(8, 0), new TimeOnly(16, 0), holidays);

    /// <summary>America/New_York, Monday to Friday, 09:00–17:00.</summary>
    private static BusinessCalendar NewYork() =>
        new("new-york", "America/New_York", MondayToFriday, new TimeOnly(9, 0), new TimeOnly(17, 0), []);

    private static DateTimeOffset At(int month, int day, int hour, int offsetHours, int minute = 0) =>
        new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(offsetHours));

    private static void Same(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected.UtcDateTime, actual.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, actual.Offset);
    }

    private static IsoDuration D(string text) => IsoDuration.Parse(text);

    // ---- days ---------------------------------------------------------------------------------------

    [Fact]
    public void Add_OneDayFromMonday_TuesdaySameTime()
    {
        Same(At(1, 6, 10, 1), Berlin().Add(At(1, 5, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_OneDayFromFridayMondayToFridayWeek_MondaySameTime()
    {
        Same(At(1, 12, 10, 1), Berlin().Add(At(1, 9, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_OneDayFromThursdaySundayToThursdayWeek_SundaySameTime()
    {
        Same(At(1, 11, 10, 2), Gaza().Add(At(1, 8, 10, 2), D("P1D")));
    }

    [Fact]
    public void Add_OneDayFromFridayDayOffSundayToThursdayWeek_NextWorkingDaySameTime()
    {
        Same(At(1, 11, 10, 2), Gaza().Add(At(1, 9, 10, 2), D("P1D")));
    }

    [Fact]
    public void Add_TwoDaysAcrossWeekend_SkipsSaturdayAndSunday()
    {
        Same(At(1, 13, 11, 1), Berlin().Add(At(1, 9, 11, 1), D("P2D")));
    }

    [Fact]
    public void Add_OneWeekAsDays_CountsSevenWorkingDays()
    {
        // P1W is seven days, each a working day: Monday + 7 working days = the Wednesday after next.
        Same(At(1, 14, 9, 1), Berlin().Add(At(1, 5, 9, 1), D("P1W")));
    }

    [Fact]
    public void Add_DayOverHoliday_SkipsTheHoliday()
    {
        Same(At(1, 7, 10, 1), Berlin(new DateOnly(2026, 1, 6)).Add(At(1, 5, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_DaysOverHolidayAndWeekend_SkipsBoth()
    {
        // Friday 25 December is a holiday: Thursday 24 + P1D = Monday 28.
        Same(At(12, 28, 10, 1), Berlin(new DateOnly(2026, 12, 25)).Add(At(12, 24, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_DaysFromAfterHours_StartsFromNextWorkingMorning()
    {
        // Monday 18:00 is as Tuesday 08:00; one working day later is Wednesday 08:00.
        Same(At(1, 7, 8, 1), Berlin().Add(At(1, 5, 18, 1), D("P1D")));
    }

    [Fact]
    public void Add_DaysFromSaturdayEvening_StartsFromMondayMorning()
    {
        Same(At(1, 13, 8, 1), Berlin().Add(At(1, 10, 18, 1), D("P1D")));
    }

    // ---- hours --------------------------------------------------------------------------------------

    [Fact]
    public void Add_FourHoursWithinTheDay_SameDay()
    {
        Same(At(1, 5, 13, 1), Berlin().Add(At(1, 5, 9, 1), D("PT4H")));
    }

    [Fact]
    public void Add_FourHoursFromTwoPm_NextWorkingDayTenAm()
    {
        Same(At(1, 6, 10, 1), Berlin().Add(At(1, 5, 14, 1), D("PT4H")));
    }

    [Fact]
    public void Add_FourHoursFromFridayTwoPm_MondayTenAm()
    {
        Same(At(1, 12, 10, 1), Berlin().Add(At(1, 9, 14, 1), D("PT4H")));
    }

    [Fact]
    public void Add_HoursEndingAtCloseOfDay_EndsAtClose()
    {
        Same(At(1, 6, 16, 1), Berlin().Add(At(1, 5, 8, 1), D("PT16H")));
    }

    [Fact]
    public void Add_HoursSpanningSeveralDays_CountsOnlyWorkingHours()
    {
        // 20 working hours from Thursday 12:00: 4 on Thursday, 8 on Friday, 8 on Monday → Monday 16:00.
        Same(At(1, 12, 16, 1), Berlin().Add(At(1, 8, 12, 1), D("PT20H")));
    }

    [Fact]
    public void Add_MinutesFromBeforeOpening_CountFromOpening()
    {
        Same(At(1, 5, 8, 1, 30), Berlin().Add(At(1, 5, 6, 1), D("PT30M")));
    }

    [Fact]
    public void Add_HoursFromAfterClosing_CountFromNextOpening()
    {
        Same(At(1, 6, 12, 1), Berlin().Add(At(1, 5, 18, 1), D("PT4H")));
    }

    [Fact]
    public void Add_HoursFromExactlyClosingTime_CountFromNextOpening()
    {
        Same(At(1, 6, 9, 1), Berlin().Add(At(1, 5, 16, 1), D("PT1H")));
    }

    [Fact]
    public void Add_HoursFromWeekend_CountFromMondayOpening()
    {
        Same(At(1, 12, 12, 1), Berlin().Add(At(1, 10, 11, 1), D("PT4H")));
    }

    [Fact]
    public void Add_HoursFromHoliday_CountFromNextWorkingDay()
    {
        Same(At(1, 7, 10, 1), Berlin(new DateOnly(2026, 1, 6)).Add(At(1, 6, 10, 1), D("PT2H")));
    }

    [Fact]
    public void Add_DaysAndHours_DaysFirstThenWorkingHours()
    {
        // Monday 14:00 + P2D = Wednesday 14:00; + PT4H = 2 h on Wednesday, 2 h on Thursday → Thursday 10:00.
        Same(At(1, 8, 10, 1), Berlin().Add(At(1, 5, 14, 1), D("P2DT4H")));
    }

    // ---- time zones and daylight saving -------------------------------------------------------------

    [Fact]
    public void Add_GazaSundayToThursday_ResultInUtc()
    {
        var result = Gaza().Add(At(1, 11, 14, 2), D("PT4H"));

        Assert.Equal(new DateTimeOffset(2026, 1, 12, 8, 0, 0, TimeSpan.Zero), result);
        Assert.Equal(TimeSpan.Zero, result.Offset);
    }

    [Fact]
    public void Add_GazaThursdayAfternoon_SkipsFridayAndSaturday()
    {
        Same(At(1, 11, 10, 2), Gaza().Add(At(1, 8, 14, 2), D("PT4H")));
    }

    [Fact]
    public void Add_InputInAnotherOffset_CountsInTheCalendarsZone()
    {
        // 13:00 UTC on Monday is 14:00 in Berlin in winter.
        Same(At(1, 6, 10, 1), Berlin().Add(new DateTimeOffset(2026, 1, 5, 13, 0, 0, TimeSpan.Zero), D("PT4H")));
    }

    [Fact]
    public void Add_DayOverBerlinSpringForward_SameWallClockTime()
    {
        // Clocks go forward on Sunday 29 March: Friday 10:00 CET + P1D = Monday 10:00 CEST (08:00 UTC).
        Same(At(3, 30, 10, 2), Berlin().Add(At(3, 27, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_HoursOverBerlinSpringForward_CountWorkingHoursOnly()
    {
        Same(At(3, 30, 10, 2), Berlin().Add(At(3, 27, 14, 1), D("PT4H")));
    }

    [Fact]
    public void Add_DayOverBerlinFallBack_SameWallClockTime()
    {
        // Clocks go back on Sunday 25 October: Friday 10:00 CEST + P1D = Monday 10:00 CET (09:00 UTC).
        Same(At(10, 26, 10, 1), Berlin().Add(At(10, 23, 10, 2), D("P1D")));
    }

    [Fact]
    public void Add_HoursOverBerlinFallBack_CountWorkingHoursOnly()
    {
        Same(At(10, 26, 9, 1), Berlin().Add(At(10, 23, 15, 2), D("PT2H")));
    }

    [Fact]
    public void Add_HoursInsideTheSpringGap_LandAfterTheGap()
    {
        // Working every day through the night: Sunday 29 March 01:00 CET + PT1H30M is 02:30 local, which does
        // not exist (02:00 → 03:00); the lenient resolver moves it on by the gap to 03:30 CEST (01:30 UTC).
        var nights = new BusinessCalendar("nights", "Europe/Berlin", Enum.GetValues<DayOfWeek>(), new TimeOnly(0, 0), new TimeOnly(6, 0), []);

        Same(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), nights.Add(At(3, 29, 1, 1), D("PT1H30M")));
    }

    [Fact]
    public void Add_DayOverNewYorkSpringForward_SameWallClockTime()
    {
        // US clocks go forward on Sunday 8 March: Friday 10:00 EST + P1D = Monday 10:00 EDT (14:00 UTC).
        Same(At(3, 9, 10, -4), NewYork().Add(At(3, 6, 10, -5), D("P1D")));
    }

    [Fact]
    public void Add_HoursOverNewYorkFallBack_CountWorkingHoursOnly()
    {
        // US clocks go back on Sunday 1 November: Friday 15:00 EDT + PT3H = 2 h Friday, 1 h Monday → 10:00 EST.
        Same(At(11, 2, 10, -5), NewYork().Add(At(10, 30, 15, -4), D("PT3H")));
    }

    // ---- calendars that cannot count -----------------------------------------------------------------

    [Fact]
    public void Add_NoWorkingDays_ElapsedTime()
    {
        var none = new BusinessCalendar("none", "Europe/Berlin", [], new TimeOnly(8, 0), new TimeOnly(16, 0), []);

        Assert.Equal(At(1, 6, 10, 1), none.Add(At(1, 5, 10, 1), D("P1D")));
    }

    [Fact]
    public void Add_UnknownZone_ElapsedTime()
    {
        var lost = new BusinessCalendar("lost", "Mars/Olympus", MondayToFriday, new TimeOnly(8, 0), new TimeOnly(16, 0), []);

        Assert.Equal(At(1, 5, 14, 1), lost.Add(At(1, 5, 10, 1), D("PT4H")));
    }

    [Fact]
    public void Add_EveryWorkingDayAHoliday_ElapsedTimeWithoutLooping()
    {
        var mondays = Enumerable.Range(0, 60).Select(w => new DateOnly(2026, 1, 5).AddDays(7 * w)).ToArray();
        var mondaysOnly = new BusinessCalendar("mondays", "UTC", [DayOfWeek.Monday], new TimeOnly(8, 0), new TimeOnly(16, 0), mondays);

        // Sixty Mondays are holidays; the first working Monday is 2027-03-01, 60 weeks on.
        Same(new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero), mondaysOnly.Add(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero), D("PT2H")));
    }

    [Fact]
    public void Add_LongestDuration_Terminates()
    {
        var result = Berlin().Add(At(1, 5, 10, 1), D("P36500D"));

        Assert.True(result > At(1, 5, 10, 1).AddYears(100));
    }
}
