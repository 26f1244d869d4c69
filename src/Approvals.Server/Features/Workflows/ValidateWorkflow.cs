using Approvals.Engine.Validation;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Mediator;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>POST /api/workflows/validate</c>: every fault of a definition, without saving anything.</summary>
public static class ValidateWorkflow
{
    public sealed record Query(string Json) : IQuery<Answer>;

    [SchemaName("ValidationReport")]
    public sealed record Answer(bool Valid, IReadOnlyList<ApiError> Errors);

    public sealed class Handler : IQueryHandler<Query, Answer>
    {
        public ValueTask<Answer> Handle(Query q, CancellationToken ct)
        {
            var (_, errors, _) = WorkflowValidation.ValidateAndImport(q.Json);
            return ValueTask.FromResult(new Answer(errors.Count == 0, errors.Select(WorkflowJson.ToApiError).ToList()));
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapPost("/validate", async Task<Ok<Answer>> (HttpRequest request, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(await WorkflowJson.ReadBodyAsync(request, ct)), ct)))
            .RequireAuthorization(Policies.Designer)
            .WithName("ValidateWorkflow")
            .WithSummary("Every fault of a definition, without saving anything")
            .Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
            .WithMetadata(new WorkflowDefinitionAttribute())
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
}
