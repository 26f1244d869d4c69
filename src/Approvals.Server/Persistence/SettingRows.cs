using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

public static class SettingRows
{
    /// <summary>
    /// The stored value of <paramref name="name"/>; when there is none, <paramref name="make"/>'s value is stored
    /// first. Two servers starting at once both end with the one value that was stored first.
    /// </summary>
    public static async Task<string> GetOrCreateAsync(ApprovalsDb db, string name, Func<string> make, CancellationToken ct)
    {
        var stored = await db.Settings.AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (stored is not null) return stored;
        db.Settings.Add(new SettingRow { Name = name, Value = make() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another server started at the same moment and stored its value first: use that one.
        }
        db.ChangeTracker.Clear();
        return await db.Settings.AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).FirstAsync(ct);
    }
}
