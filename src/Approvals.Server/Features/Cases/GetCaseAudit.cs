using System.Security.Claims;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

public static class GetCaseAudit
{
    public sealed record Query(Guid Id, ClaimsPrincipal User) : IQuery<IReadOnlyList<AuditView>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<AuditView>>
    {
        public async ValueTask<IReadOnlyList<AuditView>> Handle(Query q, CancellationToken ct)
        {
            await db.VisibleCaseAsync(q.Id, q.User, ct);
            var rows = await db.Audit.AsNoTracking().Where(a => a.CaseId == q.Id).OrderBy(a => a.Seq).ToListAsync(ct);
            return rows.Select(AuditView.From).ToList();
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}/audit", (Guid id, ClaimsPrincipal user, IMediator mediator) =>
                RefusalResults.Run(async () => Results.Ok(await mediator.Send(new Query(id, user)))))
            .WithName("GetCaseAudit")
            .Produces<IReadOnlyList<AuditView>>();
}
