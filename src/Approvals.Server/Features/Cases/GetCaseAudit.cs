using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary><c>GET /api/cases/{id}/audit</c>: every event of the case, oldest first.</summary>
public static class GetCaseAudit
{
    public sealed record Query(Guid Id, Actor Actor) : IQuery<IReadOnlyList<AuditView>>;

    public sealed class Handler(ApprovalsDb db, DirectoryCache directory) : IQueryHandler<Query, IReadOnlyList<AuditView>>
    {
        public async ValueTask<IReadOnlyList<AuditView>> Handle(Query q, CancellationToken ct)
        {
            await db.VisibleCaseAsync(directory, q.Id, q.Actor, ct);
            var rows = await db.Audit.AsNoTracking().Where(a => a.CaseId == q.Id).OrderBy(a => a.Seq).ToListAsync(ct);
            return rows.Select(AuditView.From).ToList();
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}/audit", async Task<Ok<IReadOnlyList<AuditView>>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(id, user.Actor()), ct)))
            .WithName("GetCaseAudit")
            .WithSummary("Every audit event of a case, oldest first")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
