using System.Text.Json.Nodes;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>GET /api/workflows/{key}/versions/{n}</c>: one published version, as it was published.</summary>
public static class GetWorkflowVersion
{
    public sealed record Query(string Key, int Version) : IQuery<Result<View>>;

    public sealed record View(string Key, string Name, int Version, DateTimeOffset PublishedAt, string PublishedBy, JsonNode? Definition);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Result<View>>
    {
        public async ValueTask<Result<View>> Handle(Query q, CancellationToken ct)
        {
            var row = await db.WorkflowVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Key == q.Key && v.Version == q.Version, ct);
            return row is null
                ? Result<View>.Fail(Problems.NotFound($"Workflow {q.Key} has no version {q.Version}."))
                : new View(row.Key, row.Name, row.Version, row.PublishedAt, row.PublishedBy, WorkflowJson.Node(row.Json));
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/{key}/versions/{version}", async (string key, int version, IMediator m, CancellationToken ct) =>
                (await m.Send(new Query(key, version), ct)).ToHttp())
            .WithName("GetWorkflowVersion")
            .Produces<View>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
