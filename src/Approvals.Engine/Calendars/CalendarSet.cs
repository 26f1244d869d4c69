namespace Approvals.Engine.Calendars;

/// <summary>
/// The business calendars the engine may count durations with. The server hands the engine a snapshot, as it
/// does the directory, so the engine itself does no I/O.
/// </summary>
public interface ICalendarView
{
    /// <summary>The calendar of that name, or null when there is none.</summary>
    BusinessCalendar? Find(string name);
}

/// <summary>An in-memory set of calendars: what the server loads and what tests build.</summary>
public sealed class CalendarSet : ICalendarView
{
    private readonly Dictionary<string, BusinessCalendar> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>No calendars. Do not add to it; make a new set.</summary>
    public static readonly CalendarSet Empty = new();

    public CalendarSet() { }

    public CalendarSet(IEnumerable<BusinessCalendar> calendars)
    {
        foreach (var c in calendars) Add(c);
    }

    /// <summary>Adds or replaces the calendar of the same name.</summary>
    public CalendarSet Add(BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (ReferenceEquals(this, Empty)) throw new InvalidOperationException("CalendarSet.Empty stays empty; make a new CalendarSet.");
        _byName[calendar.Name] = calendar;
        return this;
    }

    public IReadOnlyCollection<BusinessCalendar> All => _byName.Values;

    public BusinessCalendar? Find(string name) => name is null ? null : _byName.GetValueOrDefault(name);
}
