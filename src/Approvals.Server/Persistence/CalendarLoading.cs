using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

public static class CalendarLoading
{
    /// <summary>Every stored calendar, for the engine to count working time with.</summary>
    public static async Task<CalendarSet> LoadCalendarsAsync(this ApprovalsDb db, CancellationToken ct)
    {
        var set = new CalendarSet();
        foreach (var row in await db.Calendars.AsNoTracking().ToListAsync(ct))
            if (BusinessCalendar.Parse(row.Name, JsonNode.Parse(row.Json)).Calendar is { } calendar)
                set.Add(calendar);
        return set;
    }
}
