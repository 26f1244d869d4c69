using System.Linq.Expressions;
using Approvals.Server.Features.Cases;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// The statement behind <see cref="ListTasks"/>: the first <c>take</c> tasks of each way a task reaches the caller
/// (assigned, decided, offered to them or their groups, unassigned for administrators), each an ordered subquery
/// cut at a page, combined with UNION into one statement, so a large inbox costs a page, not every open task
/// (issue 9, part 5), and a page costs one round trip (two when the way offered tasks are read must change: <see cref="InboxGates"/>).
/// The order is (has no due date, due date, created, id). An index cannot serve "has no due date" on both stores
/// (PostgreSQL sorts nulls last, SQLite first), so each read is split into a region with a due date and one
/// without; inside a region the order is (due date, created, id), which the
/// <c>(…, Status, DueAt, CreatedAt, Id)</c> indexes return without a sort.
/// Tasks offered to the caller are read one of two ways, by the number of candidate rows that name them or their
/// groups (<see cref="InboxRow.Few"/>): looked up and sorted, or walked in order. The statement holds one way only
/// (<see cref="InboxShape.Many"/>), chosen before it runs and checked by it (<see cref="InboxGates"/>): a statement
/// with both, each gated, cost PostgreSQL more to start than to run (docs/performance.md).
/// </summary>
internal sealed class InboxReads(ApprovalsDb db, InboxArgs a)
{
    /// <summary>Candidate rows up to which offered tasks are looked up by candidate and sorted, not walked in order.</summary>
    internal const int LookupUpTo = 500;

    /// <summary>Unassigned tasks a walk reads in order before it gives up and looks the matches up instead.</summary>
    internal const int WalkAtMost = 2000;

    /// <summary>
    /// The caller's groups, read inside the statement. Not the directory snapshot's list as an array parameter: in the
    /// generic plan PostgreSQL cannot tell how many names <c>= ANY($n)</c> holds, and it read every group's candidate
    /// rows in a sequential scan at each gate (110 ms per run with 100,000 open tasks, issue 9, docs/performance.md).
    /// </summary>
    private IQueryable<string> MyGroups => db.GroupMembers.Where(m => m.Email == a.Me).Select(m => m.GroupName);

    /// <summary>
    /// One status (or any) and one side of the due date, the cursor already applied. Where the store sorts nulls
    /// last (<paramref name="nullsLast"/>: PostgreSQL), the index order already is the inbox order, so a page that
    /// starts before the tasks without a due date is one region per status, not two: half the branches to plan.
    /// </summary>
    public static IEnumerable<IQueryable<TaskRow>> Regions(IQueryable<TaskRow> tasks, InboxShape shape, InboxArgs a)
    {
        IQueryable<TaskRow> Status(int slot) => slot switch
        {
            0 => tasks.Where(t => t.Status == a.Status0),
            1 => tasks.Where(t => t.Status == a.Status1),
            _ => tasks.Where(t => t.Status == a.Status2),
        };
        var byStatus = shape.Statuses == 0 ? [tasks] : Enumerable.Range(0, shape.Statuses).Select(Status);
        foreach (var status in byStatus)
        {
            switch (shape.After)
            {
                case InboxCursor.None when shape.NullsLast:
                    yield return status;
                    break;
                case InboxCursor.None:
                    yield return status.Where(t => t.DueAt != null);
                    yield return status.Where(t => t.DueAt == null);
                    break;
                case InboxCursor.Due:
                    // A range (an index bound), then the tie-breakers: with DueAt >= due, "DueAt > due or (DueAt = due and X)"
                    // is "DueAt > due or X"; likewise for the creation time.
                    yield return status.Where(t => t.DueAt != null && t.DueAt >= a.Due
                        && (t.DueAt > a.Due || t.CreatedAt > a.Created || (t.CreatedAt == a.Created && t.Id.CompareTo(a.Id) > 0)));
                    yield return status.Where(t => t.DueAt == null); // every task without a due date comes after
                    break;
                default:
                    yield return status.Where(t => t.DueAt == null && t.CreatedAt >= a.Created
                        && (t.CreatedAt > a.Created || t.Id.CompareTo(a.Id) > 0));
                    break;
            }
        }
    }

    /// <summary>The caller's candidate rows by name, cut one past <see cref="LookupUpTo"/>.</summary>
    public IQueryable<Guid> ByUser => db.TaskCandidates.Where(k => k.Kind == "user" && k.Name == a.Me).Take(LookupUpTo + 1).Select(k => k.TaskId);

    /// <summary>The candidate rows of the caller's groups, cut one past <see cref="LookupUpTo"/>.</summary>
    public IQueryable<Guid> ByGroup
    {
        get
        {
            var myGroups = MyGroups;
            return db.TaskCandidates.Where(k => k.Kind == "group" && myGroups.Contains(k.Name)).Take(LookupUpTo + 1).Select(k => k.TaskId);
        }
    }

    /// <summary>The branches of one region: each ordered and cut at a page.</summary>
    public IEnumerable<IQueryable<TaskRow>> Branches(IQueryable<TaskRow> region, InboxShape shape)
    {
        yield return First(region.Where(t => t.Assignee == a.Me));
        // Only a decision sets who decided, and it completes the task: an open task has no decider.
        if (!shape.OpenOnly) yield return First(region.Where(t => t.DecidedBy == a.Me));
        var unassigned = region.Where(t => t.Assignee == null);
        if (shape.Many)
        {
            // Many candidate rows: walk the unassigned tasks in order (a lookup too when the walk finds less than a page).
            var myGroups = MyGroups;
            foreach (var branch in Walked(unassigned, t =>
                t.Candidates.Any(k => (k.Kind == "user" && k.Name == a.Me) || (k.Kind == "group" && myGroups.Contains(k.Name)))))
                yield return branch;
        }
        else
        {
            // Few: look them up and sort them. The candidate rows are read by name, cut one past the limit (two index
            // range reads: the caller's name; each of their groups); the cut sets drive the lookup, so PostgreSQL starts
            // it from the candidates, not from a walk of every unassigned task. Past the cut the read is incomplete:
            // the statement's Few says so, and the page is read again the other way (InboxGates).
            var offeredIds = ByUser.Concat(ByGroup);
            yield return First(unassigned.Where(t => offeredIds.Contains(t.Id)));
        }
        // Stages nobody named may decide are offered to administrators.
        if (shape.Admin) foreach (var branch in Walked(unassigned, t => !t.Candidates.Any())) yield return branch;
    }

    /// <summary>The first tasks of <paramref name="region"/> that are not of the caller's own case.</summary>
    private IQueryable<TaskRow> First(IQueryable<TaskRow> region) => a.Page(Ordered(NotOwn(region)));

    /// <summary>
    /// The first tasks of <paramref name="unassigned"/> that <paramref name="match"/>: walked in order over at most
    /// <see cref="WalkAtMost"/> tasks (cheap when the matches are common), and looked up by the match and sorted
    /// when the walk finds fewer than a page. That gate is an uncorrelated subquery (it reads the walk a second
    /// time), so PostgreSQL skips the lookup unless the walk fell short. UNION drops the overlap.
    /// </summary>
    private IEnumerable<IQueryable<TaskRow>> Walked(IQueryable<TaskRow> unassigned, Expression<Func<TaskRow, bool>> match)
    {
        var walked = Walk(unassigned, match);
        yield return walked;
        yield return First(unassigned.Where(t => walked.Count() < a.Take).Where(match));
    }

    /// <summary>
    /// The walk: the first <see cref="WalkAtMost"/> unassigned tasks in order, those that match (still in order,
    /// a nested loop over the candidates' key), then the separation of duties on those only. The second cut makes
    /// its own subquery: without it PostgreSQL checks each walked task's case before the match (3× slower).
    /// </summary>
    private IQueryable<TaskRow> Walk(IQueryable<TaskRow> unassigned, Expression<Func<TaskRow, bool>> match) =>
        a.Page(Ordered(NotOwn(Ordered(Ordered(unassigned).Take(WalkAtMost).Where(match)).Take(WalkAtMost))));

    /// <summary>
    /// Separation of duties: never offer anyone a task of their own case. A per-row look at the task's case rather
    /// than NOT EXISTS: PostgreSQL turned that into a hash anti join, which loses the index order, so every walk read
    /// all <see cref="WalkAtMost"/> tasks and sorted them; a filter keeps the walk stopping at a page.
    /// </summary>
    private IQueryable<TaskRow> NotOwn(IQueryable<TaskRow> tasks) =>
        tasks.Where(t => (db.Cases.Where(c => c.Id == t.CaseId).Select(c => c.Requester).FirstOrDefault() ?? "") != a.Me);

    private static IOrderedQueryable<TaskRow> Ordered(IQueryable<TaskRow> tasks) =>
        tasks.OrderBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id);
}
