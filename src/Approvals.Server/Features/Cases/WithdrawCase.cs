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

    public sealed record Command(Guid Id, ClaimsPrincipal User, string? Comment) : ICommand<CaseView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, TimeProvider clock) : ICommandHandler<Command, CaseView>
    {
        public async ValueTask<CaseView> Handle(Command c, CancellationToken ct)
        {
            await db.VisibleCaseAsync(c.Id, c.User, ct);
            var now = clock.GetUtcNow();
            var done = await store.ApplyAsync(c.Id, _ => new Runtime.WithdrawCase(c.Comment, c.User.Email(), now) { ActorIsAdmin = c.User.IsAdmin() }, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {c.Id} does not exist.");
            var workflow = await catalog.VersionAsync(db, done.Row.WorkflowKey, done.Row.WorkflowVersion, ct);
            return CaseView.From(done.Row, id => workflow?.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapPost("/{id:guid}/withdraw", (Guid id, Request? body, ClaimsPrincipal user, IMediator mediator) =>
                RefusalResults.Run(async () => Results.Ok(await mediator.Send(new Command(id, user, body?.Comment)))))
            .WithName("WithdrawCase")
            .Produces<CaseView>();
}
