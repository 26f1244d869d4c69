using Approvals.Server.Auth;
using Approvals.Server.Http;

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
}
