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
    public static async Task<List<string>> GroupsOfAsync(this ApprovalsDb db, string email, CancellationToken ct) =>
        await db.GroupMembers.Where(m => m.Email == email).Select(m => m.GroupName).ToListAsync(ct);

    /// <summary>The caller's groups as a subquery, for a statement that should not need a round trip of its own to list them.</summary>
    public static IQueryable<string> GroupNamesOf(this ApprovalsDb db, string email) =>
        db.GroupMembers.Where(m => m.Email == email).Select(m => m.GroupName);

    /// <param name="groups">The caller's groups: a list read before, or <see cref="GroupNamesOf"/> to read them inside the statement.</param>
    public static IQueryable<CaseRow> VisibleCases(this ApprovalsDb db, string me, IEnumerable<string> groups, bool admin) =>
        admin
            ? db.Cases
            : db.Cases.Where(c => c.Requester == me || db.Tasks.Any(t => t.CaseId == c.Id && (
                t.Assignee == me || t.DecidedBy == me ||
                t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))));

    /// <summary>The case, when it exists and the caller may see it; NotFound or Forbidden refusals otherwise.</summary>
    public static async Task<CaseRow> VisibleCaseAsync(this ApprovalsDb db, Guid id, Actor actor, CancellationToken ct)
    {
        var row = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {id} does not exist.");
        var me = actor.Email;
        if (actor.IsAdmin || row.Requester == me) return row;
        // One query: the caller's groups are read inside it rather than by a query of their own.
        if (!await db.VisibleCases(me, db.GroupNamesOf(me), admin: false).AnyAsync(c => c.Id == id, ct))
            throw new EngineRefusal(RefusalKind.Forbidden, "You are neither the requester nor a reviewer of this case.");
        return row;
    }
}
