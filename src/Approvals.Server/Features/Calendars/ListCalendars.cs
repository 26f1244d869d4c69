using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Calendars;

public static class ListCalendars
{
    public sealed record Query : IQuery<IReadOnlyList<JsonObject>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<JsonObject>>
    {
        public async ValueTask<IReadOnlyList<JsonObject>> Handle(Query q, CancellationToken ct)
        {
            var rows = await db.Calendars.AsNoTracking().OrderBy(r => r.Name).ToListAsync(ct);
            return rows.Select(r =>
            {
                var json = JsonNode.Parse(r.Json)!.AsObject();
                json["name"] = r.Name;
                return json;
            }).ToList();
        }
    }

    public static void Map(RouteGroupBuilder calendars) =>
        calendars.MapGet("/", async Task<Ok<IReadOnlyList<JsonObject>>> (IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(), ct)))
            .WithName("ListCalendars")
            .WithSummary("Every business-hours calendar");
}
