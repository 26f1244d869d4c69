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
}

/// <summary>An in-memory directory: what the server loads and what tests build.</summary>
public sealed class DirectorySnapshot : IDirectoryView
{
    private readonly Dictionary<string, List<string>> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _managers = new(StringComparer.OrdinalIgnoreCase);

    public static readonly DirectorySnapshot Empty = new();

    public DirectorySnapshot AddGroup(string name, params string[] members)
    {
        _groups[name] = members.Select(m => m.Trim().ToLowerInvariant()).Distinct().ToList();
        return this;
    }

    public DirectorySnapshot SetManager(string email, string manager)
    {
        _managers[email.Trim().ToLowerInvariant()] = manager.Trim().ToLowerInvariant();
        return this;
    }

    public IReadOnlyList<string> MembersOf(string group) => _groups.TryGetValue(group, out var m) ? m : [];

    public string? ManagerOf(string email) => _managers.GetValueOrDefault(email.Trim().ToLowerInvariant());

    public bool IsMember(string email, string group) =>
        _groups.TryGetValue(group, out var m) && m.Contains(email.Trim().ToLowerInvariant());
}
