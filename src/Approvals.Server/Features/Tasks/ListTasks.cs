using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// <c>GET /api/tasks</c>: the caller's tasks — assigned to them, offered to them or to a group they are in,
/// or decided by them — most urgent first (earliest due date, tasks without one after those with one, then
/// oldest), a page at a time.
/// </summary>
public static class ListTasks
{
    public sealed record Query(Actor Actor, IReadOnlyList<string>? Statuses, int Limit, TaskCursor? After) : IQuery<Page<TaskView>>;

    /// <summary>The sort key of the last task of a page (UTC ticks; <c>Due</c> null for tasks without a due date).</summary>
    public sealed record TaskCursor(long? Due, long Created, Guid Id);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Page<TaskView>>
    {
        public async ValueTask<Page<TaskView>> Handle(Query q, CancellationToken ct)
        {
            var me = q.Actor.Email;
            var groups = await db.GroupsOfAsync(me, ct);
            var take = q.Limit + 1;
            var reads = new InboxReads(db, me, take);
            // The caller's tasks, read branch by branch (assigned, decided, offered, unassigned for administrators),
            // each in index order and cut at a page: no branch can bring more than a page, so the first page of the
            // union is among them. One OR over every task, or a union sorted as a whole, read every open task of a
            // large group for each page (issue 9, EXPLAIN ANALYZE in docs/performance.md).
            var offered = await reads.OfferedCountAsync(groups, ct);
            System.Linq.Expressions.Expression<Func<TaskRow, bool>> offeredToMe = t =>
                t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name)));
            var rows = new List<TaskRow>();
            foreach (var region in InboxReads.Regions(db.Tasks.AsNoTracking(), q.Statuses, q.After))
            {
                rows.AddRange(await reads.FirstAsync(region.Where(t => t.Assignee == me), ct));
                rows.AddRange(await reads.FirstAsync(region.Where(t => t.DecidedBy == me), ct));
                // Few candidate rows: look them up and sort them; many: walk the unassigned tasks in order.
                if (offered > InboxReads.LookupUpTo) rows.AddRange(await reads.WalkedAsync(region, offeredToMe, ct));
                else if (offered > 0) rows.AddRange(await reads.LookedUpAsync(region.Where(t => t.Assignee == null), offeredToMe, ct));
                // Stages nobody named may decide are offered to administrators.
                if (q.Actor.IsAdmin) rows.AddRange(await reads.WalkedAsync(region, t => !t.Candidates.Any(), ct));
            }
            rows = rows.DistinctBy(t => t.Id)
                .OrderBy(t => t.DueAt == null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id)
                .Take(take).ToList();
            var more = rows.Count > q.Limit;
            if (more) rows.RemoveAt(rows.Count - 1);

            var ids = rows.Select(t => t.Id).ToList();
            var candidates = (await db.TaskCandidates.AsNoTracking().Where(k => ids.Contains(k.TaskId)).ToListAsync(ct)).ToLookup(k => k.TaskId);
            foreach (var t in rows) t.Candidates = candidates[t.Id].ToList();
            var caseIds = rows.Select(t => t.CaseId).Distinct().ToList();
            var cases = await db.Cases.AsNoTracking().Where(c => caseIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var items = rows.Select(t => TaskView.From(t, cases.TryGetValue(t.CaseId, out var c) ? CaseSummary.From(c) : null)).ToList();
            var last = rows.LastOrDefault();
            var next = more && last is not null
                ? Paging.Encode("tasks", new TaskCursor(last.DueAt?.UtcTicks, last.CreatedAt.UtcTicks, last.Id))
                : null;
            return new Page<TaskView>(items, next);
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapGet("/", async Task<Ok<Page<TaskView>>> (HttpContext http, IMediator mediator, string? status, int? limit, string? cursor) =>
            {
                var statuses = Paging.EnumList<Runtime.ReviewTaskStatus>(status, "status", "a task status");
                var query = new Query(http.User.Actor(), statuses, Paging.Limit(limit), Paging.Decode<TaskCursor>("tasks", cursor));
                return TypedResults.Ok(await mediator.Send(query, http.RequestAborted));
            })
            .WithName("ListTasks")
            .WithSummary("A page of the caller's tasks, most urgent first")
            .ProducesErrors(StatusCodes.Status400BadRequest);
}
