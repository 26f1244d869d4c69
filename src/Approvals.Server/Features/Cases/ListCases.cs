using System.Text.Json.Serialization;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

/// <summary><c>GET /api/cases</c>: a page of the cases the caller may see, newest first.</summary>
public static class ListCases
{
    /// <summary>The last page number <c>page=</c> may ask for; keyset cursors reach every case.</summary>
    public const int MaxPage = 100_000;

    public sealed record Query(Actor Actor, IReadOnlyList<string>? Statuses, string? Workflow, int Limit, CaseCursor? After, int? Page)
        : IQuery<CasePage>;

    /// <summary>The sort key of the last case of a page (creation time in UTC ticks, then id).</summary>
    public sealed record CaseCursor(long Created, Guid Id) : ICursorKey
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public bool Plausible => Paging.IsInstant(Created);
    }

    /// <summary>
    /// A page of cases. <c>page</c>, <c>pageSize</c> and <c>total</c> are only there when the caller asked with
    /// the older <c>page=</c> parameter.
    /// </summary>
    [SchemaName("CasePage")]
    public sealed record CasePage(
        IReadOnlyList<CaseSummary> Items,
        string? Next,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? PageSize = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Total = null);

    public sealed class Handler(ApprovalsDb db, DirectoryCache directory, WorkflowCatalog catalog) : IQueryHandler<Query, CasePage>
    {
        public async ValueTask<CasePage> Handle(Query q, CancellationToken ct)
        {
            var me = q.Actor.Email;
            var groups = await directory.GroupsOfAsync(db, me, ct);
            int? total = q.Page is null ? null : await Filtered(db.VisibleCases(me, groups, q.Actor.IsAdmin), q).CountAsync(ct);
            var skip = q.Page is { } page ? (page - 1) * q.Limit : 0; // page <= MaxPage and limit <= 200: no overflow
            var take = skip + q.Limit + 1;
            List<CaseRow> rows;
            if (q.Actor.IsAdmin)
            {
                rows = await Newest(Filtered(db.Cases, q)).Skip(skip).Take(q.Limit + 1).ToListAsync(ct);
            }
            else
            {
                // Visible = requested by me OR involving me through a task. One OR over both reads every case (the task
                // side cannot use an index); two index-ordered reads of the newest rows each, merged here, read only
                // what the page needs (issue 9: a requester's first page over 400,000 cases).
                var requested = await Newest(Filtered(db.Cases.Where(c => c.Requester == me), q)).Take(take).ToListAsync(ct);
                // A union of index lookups, not one OR: an OR with the candidate subquery made PostgreSQL walk every case.
                var involved = db.Tasks.Where(t => t.Assignee == me).Select(t => t.CaseId)
                    .Union(db.Tasks.Where(t => t.DecidedBy == me).Select(t => t.CaseId))
                    .Union(db.Tasks.Where(t => t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))
                        .Select(t => t.CaseId));
                var reviewed = await Newest(Filtered(db.Cases.Where(c => c.Requester != me && involved.Contains(c.Id)), q)).Take(take).ToListAsync(ct);
                rows = requested.Concat(reviewed)
                    .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
                    .Skip(skip).Take(q.Limit + 1).ToList();
            }
            var more = rows.Count > q.Limit;
            if (more) rows.RemoveAt(rows.Count - 1);
            var next = more ? Paging.Encode("cases", new CaseCursor(rows[^1].CreatedAt.UtcTicks, rows[^1].Id)) : null;
            var items = new List<CaseSummary>(rows.Count);
            foreach (var row in rows) items.Add(await CaseSummary.From(row).NamedAsync(db, catalog, ct));
            return new CasePage(items, next, q.Page, q.Page is null ? null : q.Limit, total);
        }

        /// <summary>The query's status, workflow and cursor conditions.</summary>
        private static IQueryable<CaseRow> Filtered(IQueryable<CaseRow> cases, Query q)
        {
            cases = cases.AsNoTracking();
            if (q.Statuses is { } statuses) cases = cases.Where(c => statuses.Contains(c.Status));
            if (q.Workflow is { } workflow) cases = cases.Where(c => c.WorkflowKey == workflow);
            if (q.After is { } after)
            {
                var created = new DateTimeOffset(after.Created, TimeSpan.Zero);
                cases = cases.Where(c => c.CreatedAt < created || (c.CreatedAt == created && c.Id.CompareTo(after.Id) < 0));
            }
            return cases;
        }

        private static IOrderedQueryable<CaseRow> Newest(IQueryable<CaseRow> cases) =>
            cases.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id);
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapGet("/", async Task<Ok<CasePage>> (HttpContext http, IMediator mediator, string? status, string? workflow,
                int? limit, string? cursor, int? page) =>
            {
                var statuses = Paging.EnumList<Runtime.CaseStatus>(status, "status", "a case status");
                if (page is < 1 or > MaxPage) throw RequestInvalid.Field("page", $"page is a whole number from 1 to {MaxPage}; use cursor to go further.");
                if (page is not null && cursor is not null) throw RequestInvalid.Field("cursor", "Use either page or cursor, not both.");
                var w = string.IsNullOrWhiteSpace(workflow) ? null : workflow.Trim();
                var query = new Query(http.User.Actor(), statuses, w, Paging.Limit(limit), Paging.Decode<CaseCursor>("cases", cursor), page);
                return TypedResults.Ok(await mediator.Send(query, http.RequestAborted));
            })
            .WithName("ListCases")
            .WithSummary("A page of the cases the caller may see, newest first")
            .ProducesErrors(StatusCodes.Status400BadRequest);
}
