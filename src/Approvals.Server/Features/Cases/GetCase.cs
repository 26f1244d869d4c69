using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;

namespace Approvals.Server.Features.Cases;

public static class GetCase
{
    public sealed record Query(Guid Id, Actor Actor) : IQuery<CaseView>;

    public sealed class Handler(ApprovalsDb db, WorkflowCatalog catalog, DirectoryCache directory) : IQueryHandler<Query, CaseView>
    {
        public async ValueTask<CaseView> Handle(Query q, CancellationToken ct)
        {
            var row = await db.VisibleCaseAsync(directory, q.Id, q.Actor, ct);
            var workflow = await catalog.VersionAsync(db, row.WorkflowKey, row.WorkflowVersion, ct);
            return CaseView.From(row, id => workflow?.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}", async Task<Ok<CaseView>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(id, user.Actor()), ct)))
            .WithName("GetCase")
            .WithSummary("One case: data, status, open tasks, active stages and pending timers")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
