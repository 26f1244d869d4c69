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
/// Delivery lines of a case's history. They are appended like every other server-side line, through
/// <see cref="CaseStore.AppendAuditAsync"/>: the next row of the case's sealed chain, written with the case row.
/// </summary>
public static class EmailAudit
{
    public static AuditEntry Entry(DateTimeOffset at, string action, OutboxRow row, JsonObject details) =>
        new(at, Actors.System, action, row.ActivityId, row.TaskId, null, details);
}
