using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

/// <summary>
/// Rows to write, set out explicitly instead of through EF Core's change tracker: rows to insert, rows to update with
/// the columns that changed (their keys as they are), rows to delete. <see cref="BatchWriter"/> writes them beside
/// whatever the context tracks, in the same transaction; where it hands the write to <c>SaveChanges</c> (SQLite, a
/// transaction someone else opened) they are put on the tracker first (<see cref="Track"/>), so both stores write the
/// same rows.
/// </summary>
/// <remarks>
/// Why (issue 9): adding, attaching and then detecting the changes of a step's dozen rows (tasks and their
/// candidates, timers, outbox, history) was about a tenth of the server's CPU under load; the step already knows what
/// it changes. The rows here must not be tracked by the context as well. A row with a concurrency token (the case row's
/// version) is written with <see cref="Update"/>, which matches the token as it was read.
/// </remarks>
public sealed class RowWrites
{
    private readonly List<RowWrite> _items = [];
    private readonly HashSet<object> _inserted = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<object, HashSet<string>> _updated = new(ReferenceEqualityComparer.Instance);

    internal IReadOnlyList<RowWrite> Items => _items;

    /// <summary>A new row, written whole (a key the database generates, left at its default, is left to it).</summary>
    public void Insert(object row)
    {
        if (_inserted.Add(row)) _items.Add(new RowWrite(EntityState.Added, row, null));
    }

    /// <summary>
    /// Marks column <paramref name="property"/> of <paramref name="row"/> changed: the row is updated by its key, which
    /// it holds as in the database. Nothing to do for a row inserted by this write, which is written as it is at the end.
    /// </summary>
    public void Set(object row, string property)
    {
        if (_inserted.Contains(row)) return;
        if (!_updated.TryGetValue(row, out var columns))
        {
            _updated[row] = columns = [];
            _items.Add(new RowWrite(EntityState.Modified, row, columns));
        }
        columns.Add(property);
    }

    /// <summary>A row to delete by its key.</summary>
    public void Delete(object row) => _items.Add(new RowWrite(EntityState.Deleted, row, null));

    /// <summary>
    /// <paramref name="row"/>, read as <paramref name="original"/> holds it (a copy taken when it was read) and changed in
    /// place since: updated where its key and concurrency tokens are as read, setting the columns whose values differ.
    /// Another writer that moved a token on in between makes the whole write fail, as a tracked row's would.
    /// </summary>
    public void Update(object row, object original)
    {
        if (row.GetType() != original.GetType())
            throw new ArgumentException($"The original of a {row.GetType().Name} must be one too, not a {original.GetType().Name}.", nameof(original));
        _items.Add(new RowWrite(EntityState.Modified, row, null, original));
    }

    /// <summary>Puts the rows on <paramref name="db"/>'s change tracker, for a write by <c>SaveChanges</c>.</summary>
    public void Track(ApprovalsDb db)
    {
        foreach (var w in _items)
        {
            switch (w.State)
            {
                case EntityState.Added:
                    db.Add(w.Row);
                    break;
                case EntityState.Modified when w.Original is { } original:
                    // As if read tracked: the values read are the originals (the guard), those that differ are written.
                    var read = db.Attach(w.Row);
                    read.OriginalValues.SetValues(original);
                    foreach (var property in read.Properties)
                        if (!Equals(property.CurrentValue, property.OriginalValue)) property.IsModified = true;
                    break;
                case EntityState.Modified:
                    var entry = db.Attach(w.Row);
                    foreach (var column in w.Columns!) entry.Property(column).IsModified = true;
                    break;
                case EntityState.Deleted:
                    db.Remove(w.Row);
                    break;
            }
        }
        _items.Clear();
        _inserted.Clear();
        _updated.Clear();
    }
}

/// <param name="Columns">For an update by key, the properties that changed.</param>
/// <param name="Original">For an update guarded by what was read (<see cref="RowWrites.Update"/>), the row as read.</param>
internal readonly record struct RowWrite(EntityState State, object Row, IReadOnlySet<string>? Columns, object? Original = null);
