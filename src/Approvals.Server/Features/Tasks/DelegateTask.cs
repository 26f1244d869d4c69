using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

public static class DelegateTask
{
    public sealed record Request([property: Required] string? To, string? Comment);

    public sealed record Command(Guid Id, Actor Actor, string To, string? Comment) : ICommand<TaskView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, TimeProvider clock) : ICommandHandler<Command, TaskView>
    {
        public async ValueTask<TaskView> Handle(Command c, CancellationToken ct)
        {
            var to = c.To.Trim().ToLowerInvariant();
            if (!await db.Users.AnyAsync(u => u.Email == to, ct))
                throw RequestInvalid.Field("to", $"{to} is not a user of the directory.");
            var now = clock.GetUtcNow();
            return await store.ApplyAsync(db, catalog, c.Id,
                _ => new Runtime.DelegateTask(c.Id, to, c.Comment, c.Actor.Email, now) { ActorIsAdmin = c.Actor.IsAdmin }, ct);
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapPost("/{id:guid}/delegate", async Task<Ok<TaskView>> (Guid id, Request body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(body.To)) throw RequestInvalid.Field("to", "Say whom to hand the task to: {\"to\": email}.");
                return TypedResults.Ok(await mediator.Send(new Command(id, user.Actor(), body.To, body.Comment), ct));
            })
            .RequireAuthorization(Policies.Reviewer)
            .WithName("DelegateTask")
            .WithSummary("Hands an open task on to another reviewer")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
