namespace Approvals.Engine.Runtime;

/// <summary>
/// The part of the people directory routing needs. The server hands the engine a snapshot, so the
/// engine itself does no I/O. Emails are lower-case.
/// </summary>
public interface IDirectoryView
{
    /// <summary>Members of a group in a stable order; empty when the group is unknown.</summary>
    IReadOnlyList<string> MembersOf(string group);

    string? ManagerOf(string email);

    bool IsMember(string email, string group);

    /// <summary>
    /// Whether the person may decide tasks at all: an enabled user holding the reviewer (or admin) role. A
    /// task handed to anyone else could never be decided. True for everyone when the directory does not say.
    /// </summary>
    bool MayDecide(string email) => true;

    /// <summary>Whom <paramref name="email"/> hands work to while out of office at <paramref name="at"/>; null when present.</summary>
    string? DelegateOf(string email, DateTimeOffset at) => null;
}

/// <summary>An in-memory directory: what the server loads and what tests build.</summary>
public sealed class DirectorySnapshot : IDirectoryView
{
    private readonly Dictionary<string, List<string>> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _managers = new(StringComparer.OrdinalIgnoreCase);
    private HashSet<string>? _deciders;
    private readonly Dictionary<string, (DateTimeOffset From, DateTimeOffset Until, string Delegate)> _absences = new(StringComparer.OrdinalIgnoreCase);

    public static readonly DirectorySnapshot Empty = new();

    public DirectorySnapshot AddGroup(string name, params string[] members)
    {
        _groups[name] = members.Select(m => m.Trim().ToLowerInvariant()).Distinct().ToList();
        _groupsByMember = null;
        return this;
    }

    /// <summary>Each member's groups, built on first use: the snapshot does not change once it is shared.</summary>
    private Dictionary<string, string[]>? _groupsByMember;

    /// <summary>The groups <paramref name="email"/> is a member of, by name in ordinal order; empty when none.</summary>
    public IReadOnlyList<string> GroupsOf(string email)
    {
        var byMember = Volatile.Read(ref _groupsByMember);
        if (byMember is null)
        {
            byMember = _groups.SelectMany(g => g.Value.Select(m => (Member: m, Group: g.Key)))
                .GroupBy(x => x.Member, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(x => x.Group).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
            Volatile.Write(ref _groupsByMember, byMember);
        }
        return byMember.TryGetValue(email.Trim().ToLowerInvariant(), out var groups) ? groups : [];
    }

    public DirectorySnapshot SetManager(string email, string manager)
    {
        _managers[email.Trim().ToLowerInvariant()] = manager.Trim().ToLowerInvariant();
        return this;
    }

    /// <summary>Names everyone who may decide tasks; anyone else is left out of stages (see <see cref="IDirectoryView.MayDecide"/>).</summary>
    public DirectorySnapshot SetDeciders(IEnumerable<string> emails)
    {
        _deciders = emails.Select(m => m.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        return this;
    }

    /// <summary>Records that <paramref name="email"/> is out of office from <paramref name="from"/> until <paramref name="until"/>, handing work to <paramref name="delegateTo"/>.</summary>
    public DirectorySnapshot SetAbsence(string email, DateTimeOffset from, DateTimeOffset until, string delegateTo)
    {
        _absences[email.Trim().ToLowerInvariant()] = (from, until, delegateTo.Trim().ToLowerInvariant());
        return this;
    }

    public string? DelegateOf(string email, DateTimeOffset at) =>
        _absences.TryGetValue(email.Trim().ToLowerInvariant(), out var a) && a.From <= at && at < a.Until ? a.Delegate : null;

    public bool MayDecide(string email) => _deciders is null || _deciders.Contains(email.Trim().ToLowerInvariant());

    public IReadOnlyList<string> MembersOf(string group) => _groups.TryGetValue(group, out var m) ? m : [];

    public string? ManagerOf(string email) => _managers.GetValueOrDefault(email.Trim().ToLowerInvariant());

    public bool IsMember(string email, string group) =>
        _groups.TryGetValue(group, out var m) && m.Contains(email.Trim().ToLowerInvariant());
}
