using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Server.Http;
using Mediator;

namespace Approvals.Server.Features.Workflows;

/// <summary>
/// <c>GET /api/workflows/{key}/versions/{n}/elsa</c>: a published version as an Elsa 3.x workflow-definition document
/// (designer positions kept). Putting it back with <c>PUT /api/workflows/{key}</c> gives the same flowchart.
/// </summary>
public static class ExportElsa
{
    public sealed record Query(string Key, int Version) : IQuery<JsonObject>;

    public sealed class Handler(IMediator mediator) : IQueryHandler<Query, JsonObject>
    {
        public async ValueTask<JsonObject> Handle(Query q, CancellationToken ct)
        {
            // The version as GET /api/workflows/{key}/versions/{n} reads it (404 included), in Elsa's shape.
            var version = await mediator.Send(new GetWorkflowVersion.Query(q.Key, q.Version), ct);
            return version.Definition is JsonObject definition
                ? ElsaExport.ToElsa(definition, version.Version)
                : throw new InvalidOperationException($"The stored definition of {q.Key} version {q.Version} is not a JSON object.");
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/{key}/versions/{version}/elsa", async Task<Ok<JsonObject>> (string key, int version, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(key, version), ct)))
            .WithMetadata(new ElsaDocumentAnswerAttribute())
            .WithName("ExportWorkflowVersionToElsa")
            .WithSummary("One published version as an Elsa 3 workflow-definition document")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
}
