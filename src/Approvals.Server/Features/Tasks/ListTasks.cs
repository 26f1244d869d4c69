using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

public static class ListTasks
{
    public const int Limit = 500;

    public sealed record Query(Actor Actor, string? Status) : IQuery<IReadOnlyList<TaskView>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<TaskView>>
    {
        public async ValueTask<IReadOnlyList<TaskView>> Handle(Query q, CancellationToken ct)
        {
            var me = q.Actor.Email;
            var admin = q.Actor.IsAdmin;
            var groups = await db.GroupsOfAsync(me, ct);
            var tasks = db.Tasks.AsNoTracking().Include(t => t.Candidates)
                .Where(t => t.Assignee == me || t.DecidedBy == me
                    || (t.Assignee == null && t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))
                    // Stages nobody named may decide are offered to administrators.
                    || (admin && t.Assignee == null && !t.Candidates.Any()))
                // Separation of duties: never offer anyone a task of their own case.
                .Where(t => !db.Cases.Any(c => c.Id == t.CaseId && c.Requester == me));
            if (q.Status is { } status) tasks = tasks.Where(t => t.Status == status);
            var rows = await tasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).Take(Limit).ToListAsync(ct);
            var caseIds = rows.Select(t => t.CaseId).Distinct().ToList();
            var cases = await db.Cases.AsNoTracking().Where(c => caseIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            return rows.Select(t => TaskView.From(t, cases.TryGetValue(t.CaseId, out var c) ? CaseSummary.From(c) : null)).ToList();
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapGet("/", async Task<Ok<IReadOnlyList<TaskView>>> (ClaimsPrincipal user, IMediator mediator, string? status, CancellationToken ct) =>
            {
                var s = RequestInvalid.EnumFilter<Runtime.ReviewTaskStatus>(status, "status", "a task status");
                return TypedResults.Ok(await mediator.Send(new Query(user.Actor(), s), ct));
            })
            .WithName("ListTasks")
            .WithSummary("The caller's tasks: assigned to them, or offered to them or a group they are in")
            .ProducesErrors(StatusCodes.Status400BadRequest);
}
