using System.Security.Claims;
using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

public static class ResubmitCase
{
    public sealed record Request(JsonObject? Data, string? Comment);

    public sealed record Command(Guid Id, Actor Actor, JsonObject? Data, string? Comment) : ICommand<CaseView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, DirectoryCache directory) : ICommandHandler<Command, CaseView>
    {
        public async ValueTask<CaseView> Handle(Command c, CancellationToken ct)
        {
            PlainText.Comment(c.Comment);
            var row = await db.VisibleCaseAsync(directory, c.Id, c.Actor, ct);
            var workflow = await catalog.VersionAsync(db, row.WorkflowKey, row.WorkflowVersion, ct)
                ?? throw new InvalidOperationException($"Workflow {row.WorkflowKey} v{row.WorkflowVersion} is missing.");
            if (c.Data is not null) CaseData.Check(workflow, c.Data);
            var done = await store.ApplyAsync(c.Id, (_, at) => new Runtime.ResubmitCase(c.Data, c.Comment, c.Actor.Email, at) { ActorIsAdmin = c.Actor.IsAdmin }, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {c.Id} does not exist.");
            return CaseView.From(done.Row, id => workflow.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapPost("/{id:guid}/resubmit", async Task<Ok<CaseView>> (Guid id, Request? body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(id, user.Actor(), body?.Data, body?.Comment), ct)))
            .WithName("ResubmitCase")
            .WithSummary("Sends a case back into review after changes were requested, with corrected data if given")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
