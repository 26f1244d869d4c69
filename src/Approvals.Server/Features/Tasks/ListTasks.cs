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
            // The caller's tasks as a union of index lookups (assigned, decided, offered to them or their groups)
            // rather than one OR over every task: an OR with a candidate subquery cannot use an index and read the
            // whole Tasks table for every inbox page (issue 9, EXPLAIN ANALYZE in docs/performance.md).
            var statuses = q.Statuses;
            IQueryable<TaskRow> Of(IQueryable<TaskRow> branch) => statuses is null ? branch : branch.Where(t => statuses.Contains(t.Status));
            var ids = Of(db.Tasks.Where(t => t.Assignee == me)).Select(t => t.Id)
                .Union(Of(db.Tasks.Where(t => t.DecidedBy == me)).Select(t => t.Id))
                .Union(Of(db.Tasks.Where(t => t.Assignee == null
                    && t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))).Select(t => t.Id));
            // Stages nobody named may decide are offered to administrators.
            if (q.Actor.IsAdmin) ids = ids.Union(Of(db.Tasks.Where(t => t.Assignee == null && !t.Candidates.Any())).Select(t => t.Id));
            var tasks = db.Tasks.AsNoTracking().Where(t => ids.Contains(t.Id))
                // Separation of duties: never offer anyone a task of their own case.
                .Where(t => !db.Cases.Any(c => c.Id == t.CaseId && c.Requester == me));
            if (q.After is { } after) tasks = tasks.Where(After(after));

            var rows = await tasks
                .OrderBy(t => t.DueAt == null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id)
                .Take(q.Limit + 1)
                .Include(t => t.Candidates)
                .ToListAsync(ct);
            var more = rows.Count > q.Limit;
            if (more) rows.RemoveAt(rows.Count - 1);

            var caseIds = rows.Select(t => t.CaseId).Distinct().ToList();
            var cases = await db.Cases.AsNoTracking().Where(c => caseIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var items = rows.Select(t => TaskView.From(t, cases.TryGetValue(t.CaseId, out var c) ? CaseSummary.From(c) : null)).ToList();
            var last = rows.LastOrDefault();
            var next = more && last is not null
                ? Paging.Encode("tasks", new TaskCursor(last.DueAt?.UtcTicks, last.CreatedAt.UtcTicks, last.Id))
                : null;
            return new Page<TaskView>(items, next);
        }

        /// <summary>Tasks after <paramref name="c"/> in the order (has no due date, due date, created, id).</summary>
        private static System.Linq.Expressions.Expression<Func<TaskRow, bool>> After(TaskCursor c)
        {
            var created = new DateTimeOffset(c.Created, TimeSpan.Zero);
            if (c.Due is not { } dueTicks)
                return t => t.DueAt == null
                    && (t.CreatedAt > created || (t.CreatedAt == created && t.Id.CompareTo(c.Id) > 0));
            var due = new DateTimeOffset(dueTicks, TimeSpan.Zero);
            return t => t.DueAt == null || t.DueAt > due
                || (t.DueAt == due && (t.CreatedAt > created || (t.CreatedAt == created && t.Id.CompareTo(c.Id) > 0)));
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
