using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Tests.Calendars;

/// <summary><see cref="BusinessCalendar.Parse"/> and <see cref="BusinessCalendar.ToJson"/>: the API body of a calendar.</summary>
public sealed class BusinessCalendarJsonTests
{
    private const string Gaza = """
        {"timeZone": "Asia/Gaza", "workingDays": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday"],
         "workingHours": {"start": "08:00", "end": "16:00"}, "holidays": ["2026-12-25", "2026-04-10"]}
        """;

    private static IReadOnlyList<ValidationError> Errors(string json, string name = "office")
    {
        var (calendar, errors) = BusinessCalendar.Parse(name, JsonNode.Parse(json));
        Assert.Null(calendar);
        Assert.NotEmpty(errors);
        return errors;
    }

    [Fact]
    public void Parse_ValidBody_Calendar()
    {
        var (calendar, errors) = BusinessCalendar.Parse("gaza-office", JsonNode.Parse(Gaza));

        Assert.Empty(errors);
        Assert.NotNull(calendar);
        Assert.Equal("gaza-office", calendar.Name);
        Assert.Equal("Asia/Gaza", calendar.TimeZone);
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday], calendar.WorkingDays);
        Assert.Equal(new TimeOnly(8, 0), calendar.Start);
        Assert.Equal(new TimeOnly(16, 0), calendar.End);
        Assert.Equal([new DateOnly(2026, 4, 10), new DateOnly(2026, 12, 25)], calendar.Holidays); // in date order
    }

    [Fact]
    public void Parse_NoHolidays_EmptyList()
    {
        var (calendar, errors) = BusinessCalendar.Parse("berlin",
            JsonNode.Parse("""{"timeZone": "Europe/Berlin", "workingDays": ["monday", "Friday"], "workingHours": {"start": "09:30", "end": "17:00:00"}}"""));

        Assert.Empty(errors);
        Assert.Empty(calendar!.Holidays);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Friday], calendar.WorkingDays);
        Assert.Equal(new TimeOnly(9, 30), calendar.Start);
    }

    [Fact]
    public void ToJson_ParsedCalendar_RoundTrips()
    {
        var (calendar, _) = BusinessCalendar.Parse("gaza-office", JsonNode.Parse(Gaza));

        var json = calendar!.ToJson();
        var (again, errors) = BusinessCalendar.Parse("gaza-office", JsonNode.Parse(json.ToJsonString()));

        Assert.Empty(errors);
        Assert.Equal(calendar, again);
        Assert.Equal(json.ToJsonString(), again!.ToJson().ToJsonString());
        Assert.Equal("""{"timeZone":"Asia/Gaza","workingDays":["Sunday","Monday","Tuesday","Wednesday","Thursday"],"workingHours":{"start":"08:00","end":"16:00"},"holidays":["2026-04-10","2026-12-25"]}""",
            json.ToJsonString());
    }

    [Fact]
    public void Parse_UnknownTimeZone_NamesTimeZone()
    {
        var error = Assert.Single(Errors(Gaza.Replace("Asia/Gaza", "Asia/Atlantis")));

        Assert.Equal("timeZone", error.Path);
        Assert.Equal(ErrorCodes.InvalidValue, error.Code);
        Assert.Contains("Asia/Atlantis", error.Message);
    }

    [Fact]
    public void Parse_EmptyWorkingDays_NamesWorkingDays()
    {
        var error = Assert.Single(Errors("""{"timeZone": "UTC", "workingDays": [], "workingHours": {"start": "08:00", "end": "16:00"}}"""));

        Assert.Equal("workingDays", error.Path);
        Assert.Equal(ErrorCodes.Required, error.Code);
    }

    [Fact]
    public void Parse_UnknownDay_NamesItsIndex()
    {
        var errors = Errors("""{"timeZone": "UTC", "workingDays": ["Monday", "Funday", 3], "workingHours": {"start": "08:00", "end": "16:00"}}""");

        Assert.Equal(["workingDays[1]", "workingDays[2]"], errors.Select(e => e.Path));
        Assert.Contains("Funday", errors[0].Message);
    }

    [Fact]
    public void Parse_DayAsNumber_Refused()
    {
        var errors = Errors("""{"timeZone": "UTC", "workingDays": ["1"], "workingHours": {"start": "08:00", "end": "16:00"}}""");

        Assert.Equal(["workingDays[0]"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_StartNotBeforeEnd_NamesStart()
    {
        var error = Assert.Single(Errors("""{"timeZone": "UTC", "workingDays": ["Monday"], "workingHours": {"start": "16:00", "end": "08:00"}}"""));

        Assert.Equal("workingHours.start", error.Path);
    }

    [Fact]
    public void Parse_BadTimeFormats_NameEachField()
    {
        var errors = Errors("""{"timeZone": "UTC", "workingDays": ["Monday"], "workingHours": {"start": "8 am", "end": "25:00"}}""");

        Assert.Equal(["workingHours.start", "workingHours.end"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_BadHoliday_NamesItsIndex()
    {
        var errors = Errors("""{"timeZone": "UTC", "workingDays": ["Monday"], "workingHours": {"start": "08:00", "end": "16:00"}, "holidays": ["2026-12-25", "2026-02-30", "25.12.2026"]}""");

        Assert.Equal(["holidays[1]", "holidays[2]"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_EverythingMissing_EveryFaultAtOnce()
    {
        var errors = Errors("{}", name: "Bad Name");

        Assert.Equal(["name", "timeZone", "workingDays", "workingHours"], errors.Select(e => e.Path));
        Assert.All(errors.Skip(1), e => Assert.Equal(ErrorCodes.Required, e.Code));
    }

    [Theory]
    [InlineData("office")]
    [InlineData("gaza-2026")]
    [InlineData("9-to-5")]
    public void Parse_GoodName_Accepted(string name)
    {
        var (calendar, errors) = BusinessCalendar.Parse(name, JsonNode.Parse(Gaza));

        Assert.Empty(errors);
        Assert.Equal(name, calendar!.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Office")]
    [InlineData("-office")]
    [InlineData("office hours")]
    [InlineData("office\n")]
    public void Parse_BadName_NamesName(string name)
    {
        var error = Assert.Single(Errors(Gaza, name));

        Assert.Equal("name", error.Path);
    }

    [Fact]
    public void Parse_NotAnObject_OneError()
    {
        var (calendar, errors) = BusinessCalendar.Parse("office", JsonNode.Parse("[1, 2]"));

        Assert.Null(calendar);
        Assert.Single(errors);
    }

    [Fact]
    public void Find_CalendarSet_ByName()
    {
        var (calendar, _) = BusinessCalendar.Parse("gaza-office", JsonNode.Parse(Gaza));
        var set = new CalendarSet().Add(calendar!);

        Assert.Same(calendar, set.Find("gaza-office"));
        Assert.Null(set.Find("elsewhere"));
        Assert.Null(CalendarSet.Empty.Find("gaza-office"));
    }
}
