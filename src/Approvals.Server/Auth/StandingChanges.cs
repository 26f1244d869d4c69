using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Auth;

/// <summary>
/// Saves a change to users' standing (stamp, disabled flag, deletion, a revoked token) and tells every server.
/// On PostgreSQL the NOTIFY is sent in the same transaction as the change, so other servers hear of it exactly
/// when it commits (never before, and never for a change that rolled back); this server drops its own entries
/// right after the commit.
/// </summary>
public sealed class StandingChanges(StandingCache cache)
{
    public const string Channel = "approvals_directory";

    /// <summary>Payload meaning "forget everyone": used when many users changed at once.</summary>
    public const string Everyone = "*";

    /// <summary>
    /// Payload meaning "the directory changed" (groups, members, managers, roles, calendars): every server drops its
    /// <see cref="DirectoryCache"/> snapshot. Not an email, so it never names a user's standing.
    /// </summary>
    public const string Directory = "#directory";

    private const int MaxSingleNotifications = 20;

    /// <param name="directory">True when the change touches what the engine routes by (see <see cref="Directory"/>).</param>
    public Task SaveAsync(ApprovalsDb db, IReadOnlyCollection<string> emails, CancellationToken ct, bool directory = false) =>
        RunAsync(db, emails, () => db.SaveChangesAsync(ct), ct, directory);

    /// <summary>Runs <paramref name="write"/> (SaveChanges, ExecuteUpdate, ...) as a standing change of <paramref name="emails"/>.</summary>
    public async Task RunAsync(ApprovalsDb db, IReadOnlyCollection<string> emails, Func<Task> write, CancellationToken ct, bool directory = false)
    {
        var changed = emails.Distinct(StringComparer.Ordinal).ToList();
        if (db.Database.CurrentTransaction is not null)
            throw new InvalidOperationException("Standing changes commit on their own: the cache is invalidated after that commit.");
        if ((changed.Count == 0 && !directory) || !db.Database.IsNpgsql())
        {
            await write();
        }
        else
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await write();
            await NotifyAsync(db, changed, ct);
            if (directory) await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {Directory})", ct);
            await tx.CommitAsync(ct);
        }
        if (changed.Count > MaxSingleNotifications) cache.Clear();
        else foreach (var email in changed) cache.Invalidate(email);
        if (directory) cache.DropDirectory();
    }

    private static async Task NotifyAsync(ApprovalsDb db, List<string> emails, CancellationToken ct)
    {
        if (emails.Count == 0) return;
        if (emails.Count > MaxSingleNotifications)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {Everyone})", ct);
            return;
        }
        foreach (var email in emails)
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {email})", ct);
    }
}
