using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

public static class ClaimTask
{
    public sealed record Command(Guid Id, Actor Actor) : ICommand<TaskView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog) : ICommandHandler<Command, TaskView>
    {
        public async ValueTask<TaskView> Handle(Command c, CancellationToken ct)
        {
            return await store.ApplyAsync(db, catalog, c.Id, (_, at) => new Runtime.ClaimTask(c.Id, c.Actor.Email, at) { ActorIsAdmin = c.Actor.IsAdmin }, ct);
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapPost("/{id:guid}/claim", async Task<Ok<TaskView>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(id, user.Actor()), ct)))
            .RequireAuthorization(Policies.Reviewer)
            .WithName("ClaimTask")
            .WithSummary("Takes a task offered to a group the caller is in")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
}
