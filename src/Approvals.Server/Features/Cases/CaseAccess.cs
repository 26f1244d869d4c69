using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary>
/// Who may see a case: administrators; the requester; and everyone who holds, held or is offered one of
/// its tasks (directly or through a group).
/// </summary>
public static class CaseAccess
{
    /// <param name="groups">The caller's groups (<see cref="DirectoryCache.GroupsOfAsync"/>).</param>
    public static IQueryable<CaseRow> VisibleCases(this ApprovalsDb db, string me, IEnumerable<string> groups, bool admin) =>
        admin
            ? db.Cases
            : db.Cases.Where(c => c.Requester == me || db.Tasks.Any(t => t.CaseId == c.Id && (
                t.Assignee == me || t.DecidedBy == me ||
                t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))));

    /// <summary>
    /// The case, when it exists and the caller may see it; NotFound or Forbidden refusals otherwise. One query when it
    /// is visible (the caller's groups are the directory snapshot's); a second only to tell a missing case from one
    /// the caller may not see.
    /// </summary>
    public static async Task<CaseRow> VisibleCaseAsync(this ApprovalsDb db, DirectoryCache directory, Guid id, Actor actor, CancellationToken ct)
    {
        var me = actor.Email;
        var groups = actor.IsAdmin ? [] : await directory.GroupsOfAsync(db, me, ct);
        var row = await db.VisibleCases(me, groups, actor.IsAdmin).AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (row is not null) return row;
        if (!await db.Cases.AnyAsync(c => c.Id == id, ct)) throw new EngineRefusal(RefusalKind.NotFound, $"Case {id} does not exist.");
        throw new EngineRefusal(RefusalKind.Forbidden, "You are neither the requester nor a reviewer of this case.");
    }
}
