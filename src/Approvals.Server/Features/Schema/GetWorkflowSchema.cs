using Approvals.Engine.Schema;

namespace Approvals.Server.Features.Schema;

/// <summary><c>GET /api/schema/workflow.json</c> (anonymous): the JSON Schema of a workflow definition, for editors.</summary>
public static class GetWorkflowSchema
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/schema/workflow.json", () => TypedResults.Text(WorkflowSchema.Json, "application/schema+json"))
            .AllowAnonymous()
            .WithTags("Workflows")
            .WithName("GetWorkflowSchema")
            .WithSummary("The JSON Schema (draft-07) of a workflow definition")
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, "application/schema+json");
}
