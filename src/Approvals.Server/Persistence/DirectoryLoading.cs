using Approvals.Engine.Runtime;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

public static class DirectoryLoading
{
    /// <summary>The directory as the engine sees it: groups with members (ordered by email) and every user's manager.</summary>
    public static async Task<DirectorySnapshot> LoadDirectoryAsync(this ApprovalsDb db, CancellationToken ct)
    {
        var members = await db.GroupMembers.AsNoTracking().Select(m => new { m.GroupName, m.Email }).ToListAsync(ct);
        var groups = await db.Groups.AsNoTracking().Select(g => g.Name).ToListAsync(ct);
        // One read of the users serves managers and who may decide: this runs inside every step.
        var users = await db.Users.AsNoTracking()
            .Select(u => new { u.Email, u.Manager, u.Roles, u.Disabled, u.AwayFrom, u.AwayUntil, u.AwayDelegate }).ToListAsync(ct);

        var snapshot = new DirectorySnapshot();
        var byGroup = members.ToLookup(m => m.GroupName, m => m.Email, StringComparer.Ordinal);
        foreach (var g in groups.Order(StringComparer.Ordinal))
            snapshot.AddGroup(g, byGroup[g].Order(StringComparer.Ordinal).ToArray());
        foreach (var u in users.Where(u => u.Manager is not null))
            snapshot.SetManager(u.Email, u.Manager!);
        foreach (var u in users)
            if (u is { AwayFrom: { } from, AwayUntil: { } until, AwayDelegate: { } to })
                snapshot.SetAbsence(u.Email, from, until, to);
        snapshot.SetDeciders(users.Where(u => !u.Disabled && Auth.Roles.MayDecide(u.Roles)).Select(u => u.Email));
        return snapshot;
    }
}
