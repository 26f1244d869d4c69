using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// <c>POST /api/tasks/{id}/delegate</c> <c>{"to": email}</c>: hands a task on, only to someone who may decide it:
/// an existing, enabled user holding the reviewer (or admin) role who is not the case's requester. Anyone else
/// would leave the task stranded, so they are refused with 400 naming <c>to</c>.
/// </summary>
public static class DelegateTask
{
    public sealed record Request([property: Required] string? To, string? Comment);

    public sealed record Command(Guid Id, Actor Actor, string To, string? Comment) : ICommand<TaskView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog) : ICommandHandler<Command, TaskView>
    {
        public async ValueTask<TaskView> Handle(Command c, CancellationToken ct)
        {
            PlainText.Comment(c.Comment);
            var to = c.To.Trim().ToLowerInvariant();
            var target = await db.Users.AsNoTracking().Where(u => u.Email == to).Select(u => new { u.Disabled, u.Roles }).FirstOrDefaultAsync(ct);
            if (target is null) throw RequestInvalid.Field("to", $"{to} is not a user of the directory.");
            if (target.Disabled) throw RequestInvalid.Field("to", $"{to} is disabled and cannot decide.");
            if (!Roles.MayDecide(target.Roles))
                throw RequestInvalid.Field("to", $"{to} is not a reviewer and could not decide the task.");
            return await store.ApplyAsync(db, catalog, c.Id, (row, at) =>
                // Separation of duties: checked on the case row read for this very attempt.
                row.Requester == to
                    ? throw RequestInvalid.Field("to", "A task cannot be handed to the requester of its own case.")
                    : new Runtime.DelegateTask(c.Id, to, c.Comment, c.Actor.Email, at) { ActorIsAdmin = c.Actor.IsAdmin }, ct);
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
            .WithSummary("Hands an open task on to an enabled reviewer who is not the case's requester")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
