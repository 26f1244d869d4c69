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
    public sealed record TaskCursor(long? Due, long Created, Guid Id) : ICursorKey
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public bool Plausible => Paging.IsInstant(Created) && (Due is not { } due || Paging.IsInstant(due));
    }

    internal sealed class Handler(ApprovalsDb db, WorkflowCatalog catalog, InboxGates gates) : IQueryHandler<Query, Page<TaskView>>
    {
        public async ValueTask<Page<TaskView>> Handle(Query q, CancellationToken ct)
        {
            var statuses = q.Statuses?.Distinct().ToList();
            ArgumentOutOfRangeException.ThrowIfGreaterThan(statuses?.Count ?? 0, 3, "statuses"); // a task has three
            var a = new InboxArgs
            {
                Me = q.Actor.Email, Take = q.Limit + 1,
                Status0 = statuses?.ElementAtOrDefault(0) ?? "", Status1 = statuses?.ElementAtOrDefault(1) ?? "", Status2 = statuses?.ElementAtOrDefault(2) ?? "",
            };
            var after = InboxCursor.None;
            if (q.After is { } cursor)
            {
                a.Created = new DateTimeOffset(cursor.Created, TimeSpan.Zero);
                a.Id = cursor.Id;
                after = cursor.Due is null ? InboxCursor.NoDue : InboxCursor.Due;
                a.Due = new DateTimeOffset(cursor.Due ?? 0, TimeSpan.Zero);
            }
            // The caller's tasks, read branch by branch (assigned, decided, offered, unassigned for administrators),
            // each in index order and cut at a page: no branch can bring more than a page, so the first page of the
            // union is among them. One OR over every task, or a union sorted as a whole, read every open task of a
            // large group for each page (issue 9, EXPLAIN ANALYZE in docs/performance.md). The branches, the sort of
            // their few rows, the page's cases and candidates are one statement, compiled once per shape.
            var shape = new InboxShape(statuses?.Count ?? 0, after, q.Actor.IsAdmin, NullsLast: db is PostgresApprovalsDb,
                OpenOnly: statuses is { Count: > 0 } && statuses.All(s => s == nameof(Runtime.ReviewTaskStatus.Open)));
            var page = await gates.ReadAsync(db, shape, a, ct);
            var rows = page
                .OrderBy(p => p.Task.DueAt == null).ThenBy(p => p.Task.DueAt).ThenBy(p => p.Task.CreatedAt).ThenBy(p => p.Task.Id)
                .ToList();
            var more = rows.Count > q.Limit;
            if (more) rows.RemoveAt(rows.Count - 1);
            foreach (var p in rows) p.Task.Candidates = p.Candidates;
            var items = new List<TaskView>(rows.Count);
            foreach (var p in rows) items.Add(TaskView.From(p.Task, p.Case is { } summary ? await summary.NamedAsync(db, catalog, ct) : null));
            var last = rows.LastOrDefault()?.Task;
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
