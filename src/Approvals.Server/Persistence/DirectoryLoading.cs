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
        var managers = await db.Users.AsNoTracking().Where(u => u.Manager != null)
            .Select(u => new { u.Email, u.Manager }).ToListAsync(ct);

        var snapshot = new DirectorySnapshot();
        var byGroup = members.ToLookup(m => m.GroupName, m => m.Email, StringComparer.Ordinal);
        foreach (var g in groups.Order(StringComparer.Ordinal))
            snapshot.AddGroup(g, byGroup[g].Order(StringComparer.Ordinal).ToArray());
        foreach (var u in managers)
            snapshot.SetManager(u.Email, u.Manager!);
        var enabled = await db.Users.AsNoTracking().Where(u => !u.Disabled).Select(u => new { u.Email, u.Roles }).ToListAsync(ct);
        snapshot.SetDeciders(enabled.Where(u => u.Roles.Contains(Auth.Roles.Reviewer) || u.Roles.Contains(Auth.Roles.Admin)).Select(u => u.Email));
        return snapshot;
    }
}
