using System.Linq.Expressions;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// The reads behind <see cref="ListTasks"/>: the first <c>take</c> tasks of each way a task reaches the caller
/// (assigned, decided, offered to them or their groups, unassigned for administrators), each read in index order
/// and cut at the page, so a large inbox costs a page, not every open task (issue 9, part 5).
/// The order is (has no due date, due date, created, id). An index cannot serve "has no due date" on both stores
/// (PostgreSQL sorts nulls last, SQLite first), so each read is split into a region with a due date and one
/// without; inside a region the order is (due date, created, id), which the
/// <c>(…, Status, DueAt, CreatedAt, Id)</c> indexes return without a sort.
/// </summary>
internal sealed class InboxReads(ApprovalsDb db, string me, int take)
{
    /// <summary>Candidate rows up to which offered tasks are looked up by candidate and sorted, not walked in order.</summary>
    internal const int LookupUpTo = 500;

    /// <summary>Unassigned tasks a walk reads in order before it gives up and looks the matches up instead.</summary>
    internal const int WalkAtMost = 2000;

    /// <summary>One status (or any) and one side of the due date, the cursor already applied.</summary>
    public static IEnumerable<IQueryable<TaskRow>> Regions(IQueryable<TaskRow> tasks, IReadOnlyList<string>? statuses, ListTasks.TaskCursor? after)
    {
        var byStatus = statuses is null
            ? [tasks]
            : statuses.Distinct().Select(s => tasks.Where(t => t.Status == s));
        foreach (var status in byStatus)
        {
            if (after is null)
            {
                yield return status.Where(t => t.DueAt != null);
                yield return status.Where(t => t.DueAt == null);
                continue;
            }
            var created = new DateTimeOffset(after.Created, TimeSpan.Zero);
            var id = after.Id;
            if (after.Due is { } dueTicks)
            {
                // A range (an index bound), then the tie-breakers: with DueAt >= due, "DueAt > due or (DueAt = due and X)"
                // is "DueAt > due or X"; likewise for the creation time.
                var due = new DateTimeOffset(dueTicks, TimeSpan.Zero);
                yield return status.Where(t => t.DueAt != null && t.DueAt >= due
                    && (t.DueAt > due || t.CreatedAt > created || (t.CreatedAt == created && t.Id.CompareTo(id) > 0)));
                yield return status.Where(t => t.DueAt == null); // every task without a due date comes after
            }
            else
            {
                yield return status.Where(t => t.DueAt == null && t.CreatedAt >= created
                    && (t.CreatedAt > created || t.Id.CompareTo(id) > 0));
            }
        }
    }

    /// <summary>The first tasks of <paramref name="region"/> that are not of the caller's own case.</summary>
    public Task<List<TaskRow>> FirstAsync(IQueryable<TaskRow> region, CancellationToken ct) =>
        Ordered(NotOwn(region)).Take(take).ToListAsync(ct);

    /// <summary>
    /// The first unassigned tasks of <paramref name="region"/> that <paramref name="match"/>: walked in order over at
    /// most <see cref="WalkAtMost"/> unassigned tasks (cheap when the matches are common), and looked up and sorted
    /// when the walk finds fewer than a page (the matches are rare, so there are few of them to sort).
    /// </summary>
    public async Task<List<TaskRow>> WalkedAsync(IQueryable<TaskRow> region, Expression<Func<TaskRow, bool>> match, CancellationToken ct)
    {
        var walked = await Walk(region, match).ToListAsync(ct);
        return walked.Count == take ? walked : await LookedUpAsync(region.Where(t => t.Assignee == null), match, ct);
    }

    /// <summary>
    /// The walk: the first <see cref="WalkAtMost"/> unassigned tasks in order, those that match (still in order,
    /// a nested loop over the candidates' key), then the separation of duties on those only. The second cut makes
    /// its own subquery: without it PostgreSQL checks each walked task's case before the match (3× slower).
    /// </summary>
    internal IQueryable<TaskRow> Walk(IQueryable<TaskRow> region, Expression<Func<TaskRow, bool>> match) =>
        Ordered(NotOwn(Ordered(Ordered(region.Where(t => t.Assignee == null)).Take(WalkAtMost).Where(match)).Take(WalkAtMost))).Take(take);

    /// <summary>The first tasks of <paramref name="region"/> that <paramref name="match"/>, found by the match and sorted.</summary>
    public Task<List<TaskRow>> LookedUpAsync(IQueryable<TaskRow> region, Expression<Func<TaskRow, bool>> match, CancellationToken ct) =>
        Ordered(NotOwn(region.Where(match))).Take(take).ToListAsync(ct);

    /// <summary>The candidate rows naming the caller or their groups, counted up to one more than <see cref="LookupUpTo"/>.</summary>
    public async Task<int> OfferedCountAsync(IReadOnlyList<string> groups, CancellationToken ct) =>
        await db.TaskCandidates.Where(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name)))
            .Take(LookupUpTo + 1).CountAsync(ct);

    /// <summary>
    /// Separation of duties: never offer anyone a task of their own case. A per-row look at the task's case rather
    /// than NOT EXISTS: PostgreSQL turned that into a hash anti join, which loses the index order, so every walk read
    /// all <see cref="WalkAtMost"/> tasks and sorted them; a filter keeps the walk stopping at a page.
    /// </summary>
    private IQueryable<TaskRow> NotOwn(IQueryable<TaskRow> tasks) =>
        tasks.Where(t => db.Cases.Where(c => c.Id == t.CaseId).Select(c => c.Requester).FirstOrDefault() != me);

    private static IOrderedQueryable<TaskRow> Ordered(IQueryable<TaskRow> tasks) =>
        tasks.OrderBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id);
}
