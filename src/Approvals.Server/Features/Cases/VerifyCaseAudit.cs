using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary>Checks a case's audit chain: every row still matches its hash and links to the row before.</summary>
public static class VerifyCaseAudit
{
    [SchemaName("AuditVerification")]
    public sealed record Answer(bool Valid, int Entries, int? FirstBrokenSeq);

    public sealed record Query(Guid Id, Actor Actor) : IQuery<Answer>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Answer>
    {
        public async ValueTask<Answer> Handle(Query q, CancellationToken ct)
        {
            await db.VisibleCaseAsync(q.Id, q.Actor, ct);
            var rows = await db.Audit.AsNoTracking().Where(a => a.CaseId == q.Id).OrderBy(a => a.Seq).ToListAsync(ct);
            var broken = AuditChain.FirstBroken(rows);
            return new Answer(broken is null, rows.Count, broken);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}/audit/verify", async Task<Ok<Answer>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(id, user.Actor()), ct)))
            .WithName("VerifyCaseAudit")
            .WithSummary("Checks that no audit row of the case was rewritten or removed")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
