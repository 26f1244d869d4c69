using System.Collections.Concurrent;
using Approvals.Server.Persistence;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// Reads an inbox page in the shape that fits the caller (<see cref="InboxShape.Many"/>): tasks offered to them looked
/// up when few candidate rows name them or their groups, walked in order when many. The statement holds one of the
/// two only: with both, each behind a gate, PostgreSQL spent more starting its hundred-odd plan nodes than running
/// the few that ran, and the inbox read alone reached less than half the rate (issue 9, docs/performance.md).
/// Which callers have many is remembered, so a page is one statement. The memory is only a hint: a lookup is
/// complete only over few candidate rows, and the statement says whether they were, in its own snapshot
/// (<see cref="InboxRow.Few"/>); a page looked up over many is read again, walked. A stale entry costs a second
/// statement, never a wrong page; a walk is complete either way.
/// </summary>
internal sealed class InboxGates
{
    /// <summary>Callers remembered at most (then forgotten all at once: a forgotten caller is looked up first, and checked).</summary>
    private const int RememberedAtMost = 100_000;

    private readonly ConcurrentDictionary<string, byte> _many = new(StringComparer.Ordinal);

    public async Task<List<InboxRow>> ReadAsync(ApprovalsDb db, InboxShape shape, InboxArgs a, CancellationToken ct)
    {
        if (_many.ContainsKey(a.Me))
        {
            var walked = await InboxQuery.ReadAsync(db, shape with { Many = true }, a, ct);
            if (walked.Count > 0 && walked[0].Few) _many.TryRemove(a.Me, out _);
            return walked;
        }
        var rows = await InboxQuery.ReadAsync(db, shape with { Many = false }, a, ct);
        // A page without rows carries no answer: ask on its own (an empty inbox is cheap to read twice).
        if (rows.Count > 0 ? rows[0].Few : await InboxQuery.FewAsync(db, a.Me, ct)) return rows;
        if (_many.Count >= RememberedAtMost) _many.Clear();
        _many.TryAdd(a.Me, 0);
        return await InboxQuery.ReadAsync(db, shape with { Many = true }, a, ct);
    }
}
