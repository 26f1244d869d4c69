using System.Security.Claims;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

public static class WithdrawCase
{
    public sealed record Request(string? Comment);

    public sealed record Command(Guid Id, Actor Actor, string? Comment) : ICommand<CaseView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, DirectoryCache directory) : ICommandHandler<Command, CaseView>
    {
        public async ValueTask<CaseView> Handle(Command c, CancellationToken ct)
        {
            PlainText.Comment(c.Comment);
            await db.VisibleCaseAsync(directory, c.Id, c.Actor, ct);
            var done = await store.ApplyAsync(c.Id, (_, at) => new Runtime.WithdrawCase(c.Comment, c.Actor.Email, at) { ActorIsAdmin = c.Actor.IsAdmin }, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {c.Id} does not exist.");
            var workflow = await catalog.VersionAsync(db, done.Row.WorkflowKey, done.Row.WorkflowVersion, ct);
            return CaseView.From(done.Row, id => workflow?.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapPost("/{id:guid}/withdraw", async Task<Ok<CaseView>> (Guid id, Request? body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(id, user.Actor(), body?.Comment), ct)))
            .WithName("WithdrawCase")
            .WithSummary("Withdraws a case (requester or admin); its open tasks are cancelled")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
