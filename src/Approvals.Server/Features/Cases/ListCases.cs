using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

public static class ListCases
{
    public const int PageSize = 50;

    public sealed record Query(Actor Actor, string? Status, string? Workflow, int Page) : IQuery<PageOf<CaseSummary>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, PageOf<CaseSummary>>
    {
        public async ValueTask<PageOf<CaseSummary>> Handle(Query q, CancellationToken ct)
        {
            var me = q.Actor.Email;
            var cases = db.VisibleCases(me, await db.GroupsOfAsync(me, ct), q.Actor.IsAdmin).AsNoTracking();
            if (q.Status is { } status) cases = cases.Where(c => c.Status == status);
            if (q.Workflow is { } workflow) cases = cases.Where(c => c.WorkflowKey == workflow);
            var total = await cases.CountAsync(ct);
            var rows = await cases.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id)
                .Skip((q.Page - 1) * PageSize).Take(PageSize).ToListAsync(ct);
            return new PageOf<CaseSummary>(rows.Select(CaseSummary.From).ToList(), q.Page, PageSize, total);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/", async Task<Ok<PageOf<CaseSummary>>> (ClaimsPrincipal user, IMediator mediator, string? status, string? workflow, int? page,
                CancellationToken ct) =>
            {
                var s = RequestInvalid.EnumFilter<Runtime.CaseStatus>(status, "status", "a case status");
                if (page is < 1) throw RequestInvalid.Field("page", "page starts at 1.");
                var w = string.IsNullOrWhiteSpace(workflow) ? null : workflow.Trim();
                return TypedResults.Ok(await mediator.Send(new Query(user.Actor(), s, w, page ?? 1), ct));
            })
            .WithName("ListCases")
            .WithSummary("A page of the cases the caller may see, newest first")
            .ProducesErrors(StatusCodes.Status400BadRequest);
}
