using Approvals.Engine.Calendars;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

/// <summary>
/// The directory and the calendars as the engine sees them, read once and kept until they change, instead of four
/// queries and a parse of every calendar inside every step (issue 9: they were a third of a decision's round trips).
/// It follows <see cref="StandingCache"/>: kept only while that cache is on (on PostgreSQL, while the listener holds
/// its LISTEN, so a missed notification can never leave a stale snapshot in use) and dropped whenever it signals
/// <see cref="StandingCache.DirectoryChanged"/> — a user, group or calendar changed here or on another server
/// (<see cref="StandingChanges"/> sends that NOTIFY in the change's own transaction).
/// The snapshot is never changed once built, so concurrent steps share it safely.
/// </summary>
public sealed class DirectoryCache
{
    private readonly StandingCache _standing;
    private Snapshot? _current;
    private long _generation;

    public DirectoryCache(StandingCache standing)
    {
        _standing = standing;
        standing.DirectoryChanged += Drop;
    }

    private sealed record Snapshot(DirectorySnapshot Directory, CalendarSet Calendars);

    public async ValueTask<(DirectorySnapshot Directory, CalendarSet Calendars)> GetAsync(ApprovalsDb db, CancellationToken ct)
    {
        if (_standing.Enabled && Volatile.Read(ref _current) is { } hit) return (hit.Directory, hit.Calendars);
        var generation = Interlocked.Read(ref _generation);
        var loaded = new Snapshot(await db.LoadDirectoryAsync(ct), await db.LoadCalendarsAsync(ct));
        if (_standing.Enabled && Interlocked.Read(ref _generation) == generation)
        {
            // A change may land between the read above and this store: Drop bumps the generation before it
            // clears, so either it clears what is stored here or the check below sees the bump and clears it.
            Volatile.Write(ref _current, loaded);
            if (Interlocked.Read(ref _generation) != generation) Interlocked.CompareExchange(ref _current, null, loaded);
        }
        return (loaded.Directory, loaded.Calendars);
    }

    /// <summary>
    /// The groups <paramref name="email"/> is in, by name: from the snapshot while it is kept (no query: a case view, the
    /// case list and the live feed ask on every request), else read. Not for the inbox statement (see <c>InboxReads</c>).
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> GroupsOfAsync(ApprovalsDb db, string email, CancellationToken ct)
    {
        if (!_standing.Enabled) return await db.GroupMembers.Where(m => m.Email == email).Select(m => m.GroupName).ToListAsync(ct);
        var (directory, _) = await GetAsync(db, ct);
        return directory.GroupsOf(email);
    }

    private void Drop()
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _current, null);
    }
}
