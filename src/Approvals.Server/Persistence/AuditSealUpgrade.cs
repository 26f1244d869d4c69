using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

/// <summary>
/// Once per database: rows written before seals were keyed carry a plain SHA-256 chain, which anyone who can
/// write the table can recompute. At the first start with keyed seals, every case whose case row has no count yet
/// is resealed with the audit key as far as its plain chain still holds; from the first row where it does not,
/// rows are left as found, so verification reports that row as rewritten. This trusts the plain chains as they
/// stand at that moment; the log says how many cases were resealed. A Settings row records that it ran, and it
/// never runs again, so forging "legacy" rows later gains nothing: they are reported as rewritten.
/// </summary>
public static class AuditSealUpgrade
{
    internal const string DoneSetting = "audit.keyed-seals-since";

    public static async Task RunAsync(ApprovalsDb db, AuditKeys keys, TimeProvider clock, ILogger log, CancellationToken ct)
    {
        if (await db.Settings.AsNoTracking().AnyAsync(s => s.Name == DoneSetting, ct)) return;
        var alreadyKeyed = await db.Cases.AnyAsync(c => c.AuditCount > 0, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The marker goes in first: a second server upgrading at the same moment waits on its key and then
        // fails, so the reseal happens once.
        db.Settings.Add(new SettingRow { Name = DoneSetting, Value = clock.GetUtcNow().ToString("O") });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return;
        }

        var legacy = await db.Cases.Where(c => c.AuditCount == 0 && db.Audit.Any(a => a.CaseId == c.Id)).Select(c => c.Id).ToListAsync(ct);
        if (alreadyKeyed && legacy.Count > 0)
        {
            // Keyed seals exist, so the upgrade ran before and its marker was removed: do not bless anything now.
            log.LogWarning("Audit: the upgrade marker was missing although keyed seals exist; {Count} cases without a seal count were left " +
                "as found and will verify as rewritten", legacy.Count);
            await tx.CommitAsync(ct);
            return;
        }

        int resealed = 0, rows = 0;
        var broken = new List<Guid>();
        foreach (var id in legacy)
        {
            var @case = await db.Cases.FirstAsync(c => c.Id == id, ct);
            var chain = await db.Audit.Where(a => a.CaseId == id).OrderBy(a => a.Seq).ToListAsync(ct);
            string legacyPrev = "", sealPrev = "";
            var holds = true;
            for (var i = 0; i < chain.Count; i++)
            {
                var r = chain[i];
                holds = holds && r.Seq == i + 1 && r.PrevHash == legacyPrev && r.Hash == AuditChain.LegacyHashOf(r);
                if (!holds) break;
                legacyPrev = r.Hash;
                r.PrevHash = sealPrev;
                r.Hash = AuditChain.SealOf(keys.Current, r);
                sealPrev = r.Hash;
                rows++;
            }
            if (!holds) broken.Add(id);
            var last = chain[^1];
            @case.AuditCount = last.Seq;
            @case.AuditSeal = AuditChain.HeadSeal(keys.Current, id, last.Seq, last.Hash);
            @case.Version++;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            resealed++;
        }
        await tx.CommitAsync(ct);
        if (resealed > 0)
            log.LogWarning("Audit: {Cases} cases ({Rows} rows) written under the plain SHA-256 chain were resealed with the audit key",
                resealed, rows);
        if (broken.Count > 0)
            log.LogError("Audit: {Count} cases had a plain chain that was already broken; from the broken row on they verify as rewritten: {Cases}",
                broken.Count, string.Join(", ", broken));
    }
}
