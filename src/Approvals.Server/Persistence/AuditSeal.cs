using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Persistence;

/// <summary><c>Audit:Key</c>: the key that seals the audit trail. Set it from the secret store in production.</summary>
public sealed class AuditOptions
{
    [MinLength(32, ErrorMessage = "Audit:Key must be at least 32 characters long (HMAC-SHA256).")]
    public string? Key { get; set; }
}

public static class AuditSetup
{
    public static IServiceCollection AddApprovalsAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration("Audit").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditKeys>();
        return services;
    }
}

/// <summary>
/// The audit seal key. <c>Audit:Key</c> wins; without it a random key is generated once and kept in the Settings
/// table (like the token signing key), which is weaker: whoever can write the audit table can usually read that
/// key too and reseal what they changed. The key is never logged.
/// </summary>
public sealed class AuditKeys(IOptions<AuditOptions> options)
{
    internal const string SettingName = "audit.key";
    private byte[]? _key;

    /// <summary>True when the key comes from configuration, not from the database it protects.</summary>
    public bool FromConfiguration => options.Value.Key is { Length: > 0 };

    public byte[] Current => _key ?? throw new InvalidOperationException("The audit key is loaded at start-up; it is not ready yet.");

    public async Task LoadAsync(ApprovalsDb db, CancellationToken ct)
    {
        if (options.Value.Key is { Length: > 0 } configured)
        {
            _key = Encoding.UTF8.GetBytes(configured);
            return;
        }
        _key = Convert.FromBase64String(await SettingRows.GetOrCreateAsync(db, SettingName, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct));
    }
}

/// <summary>
/// The audit trail is insert-only and chained: each row's seal is an HMAC-SHA256, under the audit key, of its
/// canonical content and the seal of the row before. The case row keeps the count and a seal over (count, last
/// row's seal), written in the same transaction as the rows, so a rewritten row (even with every plain hash
/// recomputed), a deleted tail and a deleted history all show without the key. (CaseId, Seq) is unique and the
/// case row's version guards the write, so two writers that raced on one case cannot both extend the chain.
/// What it cannot show: the case row and its rows rolled back together to an earlier copy, or a case deleted whole.
/// </summary>
public sealed class AuditChain
{
    private readonly byte[] _key;
    private readonly CaseRow _case;
    private string _lastRowSeal;

    private AuditChain(byte[] key, CaseRow row, string lastRowSeal) => (_key, _case, _lastRowSeal) = (key, row, lastRowSeal);

    /// <summary>
    /// The chain of <paramref name="row"/>, continued after the count the case row holds. The case row keeps a
    /// seal over the last row's seal, not that seal itself, so the last row is read for it — unless the caller read
    /// it with the case row (<paramref name="knownTail"/>, see <see cref="CaseStore"/>). A case being inserted has no
    /// rows yet and costs no read.
    /// </summary>
    public static async Task<AuditChain> TailAsync(ApprovalsDb db, CaseRow row, CancellationToken ct, string? knownTail = null)
    {
        if (row.AuditCount > 0 && knownTail is not null) return new AuditChain(KeyOf(db), row, knownTail);
        if (row.AuditCount == 0 && db.Entry(row).State == EntityState.Added) return new AuditChain(KeyOf(db), row, "");
        if (row.AuditCount > 0)
        {
            var last = await db.Audit.Where(a => a.CaseId == row.Id && a.Seq == row.AuditCount).Select(a => a.Hash).FirstOrDefaultAsync(ct);
            return new AuditChain(KeyOf(db), row, last ?? "");
        }
        // No count yet: a new case, or one the one-time upgrade left alone. Continue after whatever rows exist, so
        // the case keeps working; rows that were never sealed with the key still verify as rewritten.
        var tail = await db.Audit.Where(a => a.CaseId == row.Id).OrderByDescending(a => a.Seq)
            .Select(a => new { a.Seq, a.Hash }).FirstOrDefaultAsync(ct);
        if (tail is not null) row.AuditCount = tail.Seq;
        return new AuditChain(KeyOf(db), row, tail?.Hash ?? "");
    }

    public AuditRow Next(AuditEntry e)
    {
        var row = new AuditRow
        {
            CaseId = _case.Id, Seq = _case.AuditCount + 1, At = e.At, Actor = e.Actor, Action = e.Action, ActivityId = e.ActivityId,
            TaskId = e.TaskId, Comment = e.Comment, DetailsJson = e.Details?.ToJsonString(), PrevHash = _lastRowSeal,
        };
        row.Hash = SealOf(_key, row);
        _lastRowSeal = row.Hash;
        _case.AuditCount = row.Seq;
        _case.AuditSeal = HeadSeal(_key, _case.Id, _case.AuditCount, row.Hash);
        return row;
    }

    /// <summary>
    /// Checks every row of one case against the key and the case row: the first sequence number that does not
    /// hold and why, or (null, null) when the whole history holds.
    /// </summary>
    public static (int? FirstBrokenSeq, string? Reason) Verify(byte[] key, CaseRow @case, IReadOnlyList<AuditRow> rows)
    {
        if (rows.Count == 0)
            return (1, @case.AuditCount > 0
                ? $"The history was deleted: the case recorded {@case.AuditCount} entries and none is left."
                : "The history was deleted: the case has no entries.");
        var prev = "";
        var expected = 1;
        foreach (var r in rows.OrderBy(r => r.Seq))
        {
            if (r.Seq != expected)
                return (expected, r.Seq > expected
                    ? $"Entries {expected} to {r.Seq - 1} were deleted."
                    : $"Entry {r.Seq} appears twice.");
            if (r.PrevHash != prev || r.Hash != SealOf(key, r))
                return (r.Seq, $"Entry {r.Seq} was rewritten: its seal does not match its content.");
            prev = r.Hash;
            expected++;
        }
        var last = expected - 1;
        var count = @case.AuditCount;
        if (last < count)
            return (last + 1, $"The last {count - last} entries were deleted: the case recorded {count}, {last} are left.");
        var sealAtCount = count == 0 ? "" : rows.Single(r => r.Seq == count).Hash;
        if (@case.AuditSeal != HeadSeal(key, @case.Id, count, sealAtCount))
            return (count + 1, $"The case's own audit seal was altered: it no longer vouches for its {count} entries; entries after {count} may have been deleted.");
        if (last > count)
            return (count + 1, $"Entries after {count} are not covered by the case's seal.");
        return (null, null);
    }

    // StepWriter is static and has no services of its own; the key is a singleton of the application, which
    // EF Core hands back through the context's application service provider.
    private static byte[] KeyOf(ApprovalsDb db) => db.GetService<AuditKeys>().Current;

    public static string SealOf(byte[] key, AuditRow r) => Mac(key, Canonical(r));

    public static string HeadSeal(byte[] key, Guid caseId, int count, string lastRowSeal) =>
        Mac(key, $"head|{caseId}|{count}|{lastRowSeal}");

    /// <summary>The unkeyed SHA-256 of rows written before seals were keyed; read only by the one-time upgrade.</summary>
    public static string LegacyHashOf(AuditRow r) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(r)))).ToLowerInvariant();

    private static string Mac(byte[] key, string text) => Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private static string Canonical(AuditRow r) => new JsonObject
    {
        ["caseId"] = r.CaseId, ["seq"] = r.Seq, ["at"] = r.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["actor"] = r.Actor, ["action"] = r.Action, ["activityId"] = r.ActivityId, ["taskId"] = r.TaskId, ["comment"] = r.Comment,
        ["details"] = r.DetailsJson, ["prev"] = r.PrevHash,
    }.ToJsonString();
}
