using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Calendars;

public static class CalendarsApi
{
    /// <summary>Maps the calendar routes (administrators only) under the authorized <c>/api</c> group.</summary>
    public static RouteGroupBuilder MapCalendarEndpoints(this RouteGroupBuilder api)
    {
        var calendars = api.MapGroup("/calendars").WithTags("Calendars").RequireAuthorization(Policies.Admin)
            .ProducesErrors(StatusCodes.Status403Forbidden);
        PutCalendar.Map(calendars);
        ListCalendars.Map(calendars);
        return api;
    }

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
