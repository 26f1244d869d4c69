using System.Collections.Concurrent;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Auth;

/// <summary>What the token check needs to know about a user now.</summary>
public sealed record Standing(bool Exists, bool Disabled, string Stamp, IReadOnlySet<string> RevokedTokens)
{
    public static readonly Standing Unknown = new(false, true, "", new HashSet<string>());
}

/// <summary>
/// Every user's current standing, cached by email so that checking a token costs no query. An entry is dropped
/// the moment its user changes: at once on this server (<see cref="StandingChanges"/>), and on PostgreSQL on
/// every other server through LISTEN/NOTIFY (<see cref="DirectoryListener"/>). While that listening connection
/// is down, notifications may be missed, so nothing is cached and every check reads the database. On SQLite
/// (one embedded server) local invalidation is all there is to do.
/// </summary>
public sealed class StandingCache(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Standing> _entries = new(StringComparer.Ordinal);
    private long _generation;
    private volatile bool _enabled;

    /// <summary>Whether entries are kept at all (on PostgreSQL only while the listener holds its LISTEN).</summary>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            _enabled = value;
            Clear();
        }
    }

    public int Count => _entries.Count;

    /// <summary>
    /// Raised when the directory as a whole (groups, members, managers, roles, calendars) may have changed, here or
    /// on another server, and whenever this cache is cleared or switched on or off: <see cref="DirectoryCache"/>
    /// drops its snapshot then. Rides on the same LISTEN/NOTIFY as the standing entries.
    /// </summary>
    public event Action? DirectoryChanged;

    /// <summary>The directory changed: whoever caches a snapshot of it must read it again.</summary>
    public void DropDirectory() => DirectoryChanged?.Invoke();

    public async ValueTask<Standing> GetAsync(ApprovalsDb db, string email, CancellationToken ct)
    {
        if (_enabled && _entries.TryGetValue(email, out var hit)) return hit;
        var generation = Interlocked.Read(ref _generation);
        var loaded = await LoadAsync(db, email, ct);
        if (!_enabled || Interlocked.Read(ref _generation) != generation) return loaded;
        // A change may land between the read above and this store. Invalidation bumps the generation before it
        // removes; so either it removes what is stored here, or the check below sees the bump and removes it.
        _entries[email] = loaded;
        if (Interlocked.Read(ref _generation) != generation) _entries.TryRemove(KeyValuePair.Create(email, loaded));
        return loaded;
    }

    public void Invalidate(string email)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(email, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        DropDirectory();
    }

    private async Task<Standing> LoadAsync(ApprovalsDb db, string email, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Email == email)
            .Select(u => new { u.Disabled, u.SecurityStamp }).FirstOrDefaultAsync(ct);
        if (user is null) return Standing.Unknown;
        var now = clock.GetUtcNow();
        var revoked = await db.RevokedTokens.AsNoTracking().Where(r => r.Email == email && r.ExpiresAt > now).Select(r => r.Jti).ToListAsync(ct);
        return new Standing(true, user.Disabled, user.SecurityStamp, revoked.ToHashSet(StringComparer.Ordinal));
    }
}
