using Approvals.Engine.Schema;

namespace Approvals.Server.Features.Schema;

/// <summary><c>GET /api/schema/workflow.json</c> (anonymous): the JSON Schema of a workflow definition, for editors.</summary>
public static class GetWorkflowSchema
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/schema/workflow.json", () => Results.Text(WorkflowSchema.Json, "application/schema+json"))
            .AllowAnonymous()
            .WithTags("Workflows")
            .WithName("GetWorkflowSchema");
}
