using System.Text.Json;
using Approvals.Engine.Model;
using Approvals.Engine.Validation;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Examples;

/// <summary>
/// Loads <c>workflows/</c> at start-up when <c>Examples:Load</c> is on: the demo directory (users and groups
/// are created only when missing) and every definition, published as the next version when it differs from
/// the latest. Safe when several servers start at once on one database: a lost insert race is re-checked.
/// </summary>
public static class LoadExamples
{
    public const string DirectoryFile = "directory.json";
    public const string Actor = "system";

    public static bool Enabled(ExamplesOptions examples, StorageOptions storage) => examples.Load ?? storage.Store == StoreProvider.Sqlite;

    /// <summary><c>Examples:Path</c>, else the first <c>workflows/</c> holding a directory.json above the content root or the binaries.</summary>
    public static string? FindFolder(ExamplesOptions examples, string contentRoot)
    {
        if (examples.Path is { Length: > 0 } configured)
            return Path.GetFullPath(configured, contentRoot);
        foreach (var start in new[] { contentRoot, System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "workflows");
                if (File.Exists(Path.Combine(candidate, DirectoryFile))) return candidate;
            }
        }
        return null;
    }

    public static async Task RunAsync(ApprovalsDb db, string folder, TimeProvider clock, ILogger log, CancellationToken ct)
    {
        if (!System.IO.Directory.Exists(folder))
        {
            log.LogWarning("Examples folder {Folder} does not exist; nothing loaded", folder);
            return;
        }
        var directoryFile = Path.Combine(folder, DirectoryFile);
        if (File.Exists(directoryFile)) await LoadDirectoryAsync(db, directoryFile, clock, log, ct);
        foreach (var file in System.IO.Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).Equals(DirectoryFile, StringComparison.OrdinalIgnoreCase)) continue;
            await LoadWorkflowAsync(db, file, clock, log, ct);
        }
    }

    private sealed record DirectoryDoc(List<GroupDoc>? Groups, List<UserDoc>? Users);
    private sealed record GroupDoc(string Name, string? DisplayName);
    private sealed record UserDoc(string Email, string? DisplayName, string? Password, List<string>? Roles, string? Manager, List<string>? Groups);

    private static async Task LoadDirectoryAsync(ApprovalsDb db, string file, TimeProvider clock, ILogger log, CancellationToken ct)
    {
        DirectoryDoc? doc;
        try
        {
            doc = JsonSerializer.Deserialize<DirectoryDoc>(await File.ReadAllTextAsync(file, ct), JsonSerializerOptions.Web);
        }
        catch (JsonException e)
        {
            log.LogError("Demo directory {File} is not valid JSON ({Error}); skipped", file, e.Message);
            return;
        }
        if (doc is null) return;

        for (var attempt = 0; ; attempt++)
        {
            var groups = await db.Groups.Select(g => g.Name).ToListAsync(ct);
            var users = await db.Users.Select(u => u.Email).ToListAsync(ct);
            var newGroups = (doc.Groups ?? []).Where(g => !string.IsNullOrWhiteSpace(g.Name) && !groups.Contains(g.Name.Trim()))
                .DistinctBy(g => g.Name.Trim()).Select(g => new GroupRow { Name = g.Name.Trim(), DisplayName = g.DisplayName }).ToList();
            var known = groups.Concat(newGroups.Select(g => g.Name)).ToHashSet();
            var now = clock.GetUtcNow();
            var newUsers = (doc.Users ?? []).Where(u => !string.IsNullOrWhiteSpace(u.Email) && !string.IsNullOrEmpty(u.Password))
                .Select(u => (Doc: u, Email: u.Email.Trim().ToLowerInvariant()))
                .Where(u => !users.Contains(u.Email)).DistinctBy(u => u.Email).ToList();

            // PBKDF2 is slow on purpose; hash the demo passwords side by side.
            var rows = new UserRow[newUsers.Count];
            Parallel.For(0, newUsers.Count, i =>
            {
                var (u, email) = newUsers[i];
                var row = new UserRow
                {
                    Email = email,
                    DisplayName = string.IsNullOrWhiteSpace(u.DisplayName) ? email : u.DisplayName.Trim(),
                    Roles = (u.Roles ?? []).Select(r => r.Trim().ToLowerInvariant()).Where(Roles.All.Contains).Distinct().ToList(),
                    Manager = string.IsNullOrWhiteSpace(u.Manager) ? null : u.Manager.Trim().ToLowerInvariant(),
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                row.PasswordHash = Passwords.Hash(row, u.Password!);
                rows[i] = row;
            });
            db.Groups.AddRange(newGroups);
            db.Users.AddRange(rows);
            foreach (var (u, email) in newUsers)
                foreach (var g in (u.Groups ?? []).Select(g => g.Trim()).Distinct().Where(known.Contains))
                    db.GroupMembers.Add(new GroupMemberRow { GroupName = g, Email = email });
            try
            {
                await db.SaveChangesAsync(ct);
                if (newGroups.Count + rows.Length > 0)
                    log.LogInformation("Demo directory loaded: {Users} users and {Groups} groups created", rows.Length, newGroups.Count);
                return;
            }
            catch (DbUpdateException e) when (attempt < 3 && e.IsUniqueViolation())
            {
                db.ChangeTracker.Clear(); // another server is seeding too; take what it wrote and add the rest
            }
        }
    }

    private static async Task LoadWorkflowAsync(ApprovalsDb db, string file, TimeProvider clock, ILogger log, CancellationToken ct)
    {
        var name = Path.GetFileName(file);
        var json = await File.ReadAllTextAsync(file, ct);
        var keyInFile = WorkflowJson.Node(json)?["key"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var k) ? k : null;
        var key = keyInFile ?? Path.GetFileNameWithoutExtension(file);
        var (definition, errors) = WorkflowValidation.Validate(json, keyInFile is null ? key : null);
        if (definition is null || errors.Count > 0 || !Keys.IsValid(key))
        {
            log.LogError("Example workflow {File} has {Count} faults and was not published: {Faults}", name, errors.Count,
                string.Join("; ", errors.Take(5).Select(e => $"{e.Path}: {e.Message}")));
            return;
        }
        json = WorkflowJson.WithKey(json, key);
        for (var attempt = 0; ; attempt++)
        {
            // One read gives both the content to compare and the number to take, so a server that published
            // in between makes this insert clash on (Key, Version) instead of adding a duplicate version.
            var latest = await db.WorkflowVersions.AsNoTracking().Where(x => x.Key == key)
                .OrderByDescending(x => x.Version).Select(x => new { x.Version, x.Json }).FirstOrDefaultAsync(ct);
            if (latest?.Json == json) return;
            var version = (latest?.Version ?? 0) + 1;
            db.WorkflowVersions.Add(new WorkflowVersionRow
            {
                Key = key, Version = version, Name = definition.Name, Json = json, PublishedAt = clock.GetUtcNow(), PublishedBy = Actor,
            });
            try
            {
                await db.SaveChangesAsync(ct);
                log.LogInformation("Example workflow {Key} published as version {Version}", key, version);
                return;
            }
            catch (DbUpdateException e) when (attempt < 5 && e.IsUniqueViolation())
            {
                db.ChangeTracker.Clear(); // another server published at the same moment: compare with what it published
            }
        }
    }
}
