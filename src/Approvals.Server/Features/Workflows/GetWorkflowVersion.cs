using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>GET /api/workflows/{key}/versions/{n}</c>: one published version, as it was published.</summary>
public static class GetWorkflowVersion
{
    public sealed record Query(string Key, int Version) : IQuery<View>;

    [SchemaName("WorkflowVersionView")]
    public sealed record View(string Key, string Name, int Version, DateTimeOffset PublishedAt, string PublishedBy,
        [property: WorkflowDefinition] JsonNode? Definition);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, View>
    {
        public async ValueTask<View> Handle(Query q, CancellationToken ct)
        {
            var row = await db.WorkflowVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Key == q.Key && v.Version == q.Version, ct);
            return row is null
                ? throw new EngineRefusal(RefusalKind.NotFound, $"Workflow {q.Key} has no version {q.Version}.")
                : new View(row.Key, row.Name, row.Version, row.PublishedAt, row.PublishedBy, WorkflowJson.Node(row.Json));
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/{key}/versions/{version}", async Task<Ok<View>> (string key, int version, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(key, version), ct)))
            .WithName("GetWorkflowVersion")
            .WithSummary("One published version of a workflow, as it was published")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
}
