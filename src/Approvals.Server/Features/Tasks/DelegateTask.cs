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
    public sealed record Request(string? To, string? Comment);

    public sealed record Command(Guid Id, ClaimsPrincipal User, string To, string? Comment) : ICommand<TaskView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, TimeProvider clock) : ICommandHandler<Command, TaskView>
    {
        public async ValueTask<TaskView> Handle(Command c, CancellationToken ct)
        {
            var to = c.To.Trim().ToLowerInvariant();
            if (!await db.Users.AnyAsync(u => u.Email == to, ct))
                throw RequestInvalid.Field("to", $"{to} is not a user of the directory.");
            var now = clock.GetUtcNow();
            return await store.ApplyAsync(db, catalog, c.Id,
                _ => new Runtime.DelegateTask(c.Id, to, c.Comment, c.User.Email(), now) { ActorIsAdmin = c.User.IsAdmin() }, ct);
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapPost("/{id:guid}/delegate", (Guid id, Request body, ClaimsPrincipal user, IMediator mediator) => RefusalResults.Run(async () =>
            {
                if (string.IsNullOrWhiteSpace(body.To)) throw RequestInvalid.Field("to", "Say whom to hand the task to: {\"to\": email}.");
                return Results.Ok(await mediator.Send(new Command(id, user, body.To, body.Comment)));
            }))
            .RequireAuthorization("reviewer")
            .WithName("DelegateTask")
            .Produces<TaskView>();
}
