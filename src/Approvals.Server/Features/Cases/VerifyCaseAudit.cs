using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary>
/// <c>GET /api/cases/{id}/audit/verify</c>: checks a case's audit against the audit key and the case's own count
/// and seal, and says where and how it no longer holds (a rewritten row, deleted rows, a deleted tail or history).
/// </summary>
public static class VerifyCaseAudit
{
    [SchemaName("AuditVerification")]
    public sealed record Answer(bool Valid, int Entries, int? FirstBrokenSeq, string? Reason);

    public sealed record Query(Guid Id, Actor Actor) : IQuery<Answer>;

    public sealed class Handler(ApprovalsDb db, AuditKeys keys, DirectoryCache directory) : IQueryHandler<Query, Answer>
    {
        public async ValueTask<Answer> Handle(Query q, CancellationToken ct)
        {
            var @case = await db.VisibleCaseAsync(directory, q.Id, q.Actor, ct);
            var rows = await db.Audit.AsNoTracking().Where(a => a.CaseId == q.Id).OrderBy(a => a.Seq).ToListAsync(ct);
            var (broken, reason) = AuditChain.Verify(keys.Current, @case, rows);
            return new Answer(broken is null, rows.Count, broken, reason);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/{id:guid}/audit/verify", async Task<Ok<Answer>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(id, user.Actor()), ct)))
            .WithName("VerifyCaseAudit")
            .WithSummary("Checks the case's sealed audit trail: rewritten rows, deleted rows, a deleted tail or history")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
