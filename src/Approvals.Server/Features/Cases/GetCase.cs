using System.Security.Claims;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;

namespace Approvals.Server.Features.Cases;

public static class GetCase
{
    public sealed record Query(Guid Id, ClaimsPrincipal User) : IQuery<CaseView>;

    public sealed class Handler(ApprovalsDb db, WorkflowCatalog catalog) : IQueryHandler<Query, CaseView>
    {
        public async ValueTask<CaseView> Handle(Query q, CancellationToken ct)
        {
            var row = await db.VisibleCaseAsync(q.Id, q.User, ct);
            var workflow = await catalog.VersionAsync(db, row.WorkflowKey, row.WorkflowVersion, ct);
            return CaseView.From(row, id => workflow?.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}", (Guid id, ClaimsPrincipal user, IMediator mediator) =>
                RefusalResults.Run(async () => Results.Ok(await mediator.Send(new Query(id, user)))))
            .WithName("GetCase")
            .Produces<CaseView>();
}
