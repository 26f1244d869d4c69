using System.Collections.Concurrent;
using Approvals.Engine.Json;
using Approvals.Engine.Model;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

public sealed record PublishedWorkflow(string Key, int Version, WorkflowDefinition Definition);

/// <summary>
/// Parsed published definitions. A published version never changes, so each is parsed once per process
/// and kept; only "which version is the latest" is asked of the database every time.
/// </summary>
public sealed class WorkflowCatalog
{
    private readonly ConcurrentDictionary<(string Key, int Version), PublishedWorkflow> _parsed = new();

    public async Task<PublishedWorkflow?> LatestAsync(ApprovalsDb db, string key, CancellationToken ct)
    {
        var latest = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == key)
            .MaxAsync(v => (int?)v.Version, ct);
        return latest is null ? null : await VersionAsync(db, key, latest.Value, ct);
    }

    public async Task<PublishedWorkflow?> VersionAsync(ApprovalsDb db, string key, int version, CancellationToken ct)
    {
        if (_parsed.TryGetValue((key, version), out var cached)) return cached;
        var json = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == key && v.Version == version)
            .Select(v => v.Json).FirstOrDefaultAsync(ct);
        if (json is null) return null;
        var (definition, errors) = DefinitionReader.Read(json, key);
        if (definition is null)
            throw new InvalidOperationException($"Published workflow {key} v{version} cannot be read: {string.Join("; ", errors.Select(e => e.Message))}");
        return _parsed.GetOrAdd((key, version), new PublishedWorkflow(key, version, definition));
    }
}
