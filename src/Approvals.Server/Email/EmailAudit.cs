using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Email;

/// <summary>What delivery writes into a case's history (the system is the actor).</summary>
public static class EmailAuditActions
{
    public const string EmailSent = "EmailSent";
    public const string EmailFailed = "EmailFailed";
    public const string TemplateFailed = "TemplateFailed";
}

/// <summary>
/// Appends a delivery line to a case's sealed history the way every other server-side line is written: the next row
/// of the case's <see cref="AuditChain"/>, the case row's count, seal and version updated in the same SaveChanges, and
/// the whole thing read again and redone when another writer extended the chain first.
/// </summary>
public static class EmailAudit
{
    private const int MaxAttempts = 12;

    public static async Task AppendAsync(ApprovalsDb db, Guid caseId, AuditEntry entry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var row = await db.Cases.FirstOrDefaultAsync(c => c.Id == caseId, ct);
            if (row is null) return;
            var chain = await AuditChain.TailAsync(db, row, ct);
            db.Audit.Add(chain.Next(entry));
            row.Version++;
            try
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts && CaseStore.IsLostRace(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), ct);
            }
        }
    }

    public static AuditEntry Entry(DateTimeOffset at, string action, OutboxRow row, JsonObject details) =>
        new(at, Actors.System, action, row.ActivityId, row.TaskId, null, details);
}
