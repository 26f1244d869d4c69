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
    /// <summary>The cases the caller may see. The compiled case view (<see cref="Reads.Visible"/>) writes this predicate out again: change both.</summary>
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
        var reads = ReadsByModel.GetValue(db.Model, static _ => new Reads());
        var row = actor.IsAdmin
            ? await reads.ById(db, id, ct)
            : await reads.Visible(db, id, me, await directory.GroupsOfAsync(db, me, ct), ct);
        if (row is not null) return row;
        if (!await db.Cases.AnyAsync(c => c.Id == id, ct)) throw new EngineRefusal(RefusalKind.NotFound, $"Case {id} does not exist.");
        throw new EngineRefusal(RefusalKind.Forbidden, "You are neither the requester nor a reviewer of this case.");
    }

    /// <summary>
    /// The case view's read compiled once (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(System.Linq.Expressions.Expression{Func{TContext, TParam1, TResult}})"/>):
    /// built per request, EF Core walked, hashed and parameterised the expression and compiled the closures that hold its
    /// values on each call, about half of the read's CPU (4 % of the server's under the latency run, issue 9). The
    /// predicate is <see cref="VisibleCases"/>'s, written out: a compiled statement cannot call a method that builds one.
    /// A compiled query serves one model; the tests hold several (both stores), hence one set per model.
    /// </summary>
    private sealed class Reads
    {
        /// <summary>Any case by its id: what an administrator may see.</summary>
        public readonly Func<ApprovalsDb, Guid, CancellationToken, Task<CaseRow?>> ById = EF.CompileAsyncQuery(
            (ApprovalsDb db, Guid id, CancellationToken ct) => db.Cases.AsNoTracking().FirstOrDefault(c => c.Id == id));

        /// <summary>The case by its id when <c>me</c>, in <c>groups</c>, may see it (<see cref="VisibleCases"/>'s predicate).</summary>
        public readonly Func<ApprovalsDb, Guid, string, IReadOnlyList<string>, CancellationToken, Task<CaseRow?>> Visible = EF.CompileAsyncQuery(
            (ApprovalsDb db, Guid id, string me, IReadOnlyList<string> groups, CancellationToken ct) => db.Cases.AsNoTracking()
                .FirstOrDefault(c => c.Id == id && (c.Requester == me || db.Tasks.Any(t => t.CaseId == c.Id && (
                    t.Assignee == me || t.DecidedBy == me ||
                    t.Candidates.Any(k => (k.Kind == "user" && k.Name == me) || (k.Kind == "group" && groups.Contains(k.Name))))))));
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel, Reads> ReadsByModel = new();
}
