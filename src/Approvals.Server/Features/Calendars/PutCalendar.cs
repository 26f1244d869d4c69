using System.Security.Claims;
using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Calendars;

public static class PutCalendar
{
    public sealed record Command(string Name, JsonNode? Body, string Actor) : ICommand<JsonObject>;

    public sealed class Handler(ApprovalsDb db, TimeProvider clock, StandingChanges changes) : ICommandHandler<Command, JsonObject>
    {
        public async ValueTask<JsonObject> Handle(Command c, CancellationToken ct)
        {
            var (calendar, errors) = BusinessCalendar.Parse(c.Name, c.Body);
            if (calendar is null || errors.Count > 0)
                throw new RequestInvalid($"Calendar '{c.Name}' is not valid.",
                    errors.Select(e => new ApiError(e.Path, e.Message, e.Code)).ToList());
            var json = calendar.ToJson();
            var row = await db.Calendars.FirstOrDefaultAsync(r => r.Name == calendar.Name, ct);
            if (row is null) db.Calendars.Add(row = new CalendarRow { Name = calendar.Name });
            row.Json = json.ToJsonString();
            row.UpdatedAt = clock.GetUtcNow();
            row.UpdatedBy = c.Actor;
            // Calendars are part of the directory snapshot the case store caches: every server reads them again.
            await changes.SaveAsync(db, [], ct, directory: true);
            json["name"] = calendar.Name;
            return json;
        }
    }

    public static void Map(RouteGroupBuilder calendars) =>
        calendars.MapPut("/{name}", async Task<Ok<JsonObject>> (string name, JsonObject? body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(name.Trim(), body, user.Email()), ct)))
            .WithName("PutCalendar")
            .WithSummary("Creates or replaces a business-hours calendar")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status415UnsupportedMediaType);
}
