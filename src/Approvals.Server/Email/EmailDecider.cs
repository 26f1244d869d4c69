using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Email;

/// <summary>Why an email link or reply changed nothing: stable codes for the audit and the explanatory reply.</summary>
public static class EmailRefusals
{
    public const string UnknownToken = "unknown-token";
    public const string Expired = "expired";
    public const string Used = "used";
    public const string TaskClosed = "task-closed";
    public const string NotEntitled = "not-entitled";
    public const string InvalidComment = "invalid-comment";
    public const string Ambiguous = "ambiguous";
    public const string ForeignSender = "foreign-sender";
    public const string AuthenticationFailed = "authentication-failed";
    public const string Automatic = "automatic-reply";
}

public static class EmailDecisionAudit
{
    public const string LinkRefused = "EmailLinkRefused";
    public const string ReplyRefused = "EmailReplyRefused";
}

/// <summary>What a token stands for now: its case, the task as the case state holds it, and the stage's name.</summary>
public sealed record TokenSubject(EmailTokenRow Token, CaseRow Case, ReviewTask? Task, string Workflow, string Stage, string PersonName);

/// <summary>
/// The one path by which email decides: the same entitlement rules as <c>POST /api/tasks/{id}/decision</c> (an enabled
/// reviewer or admin, the task's assignee or candidate, never on their own case, one vote per stage) and the same
/// engine step through <see cref="CaseStore"/>, with how the decision arrived (<c>via</c>) sealed into its audit line.
/// </summary>
public sealed class EmailDecider(ApprovalsDb db, CaseStore store, TimeProvider clock, ILogger<EmailDecider> log)
{
    /// <summary>The stored token behind <paramref name="token"/> of <paramref name="kind"/>, or null for junk and forgeries.</summary>
    public async Task<EmailTokenRow?> FindAsync(string? token, string kind, CancellationToken ct)
    {
        if (!EmailTokens.LooksValid(token)) return null;
        var hash = EmailTokens.HashOf(token!);
        return await db.EmailTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash && t.Kind == kind, ct);
    }

    /// <summary>What the token is about, for the confirmation page; null when its case is gone.</summary>
    public async Task<TokenSubject?> SubjectAsync(EmailTokenRow token, CancellationToken ct)
    {
        var row = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.Id == token.CaseId, ct);
        if (row is null) return null;
        var task = CaseStateJson.Deserialize(row.StateJson).FindTask(token.TaskId);
        var workflow = await db.WorkflowVersions.AsNoTracking().Where(w => w.Key == row.WorkflowKey && w.Version == row.WorkflowVersion)
            .Select(w => w.Name).FirstOrDefaultAsync(ct);
        var stage = await db.Tasks.AsNoTracking().Where(t => t.Id == token.TaskId).Select(t => t.ActivityName).FirstOrDefaultAsync(ct);
        var name = await db.Users.AsNoTracking().Where(u => u.Email == token.Person).Select(u => u.DisplayName).FirstOrDefaultAsync(ct);
        return new TokenSubject(token, row, task, string.IsNullOrWhiteSpace(workflow) ? row.WorkflowKey : workflow,
            stage ?? task?.ActivityId ?? "", string.IsNullOrWhiteSpace(name) ? token.Person : name);
    }

    /// <summary>
    /// Why the token cannot decide now, or null when it can: expired, used, the task no longer open, or the person no
    /// longer entitled. The engine checks the task again inside the decision's transaction.
    /// </summary>
    public async Task<string?> RefusalAsync(EmailTokenRow token, CancellationToken ct)
    {
        if (token.UsedAt is not null) return EmailRefusals.Used;
        if (token.ExpiresAt <= clock.GetUtcNow()) return EmailRefusals.Expired;
        var row = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.Id == token.CaseId, ct);
        if (row is null) return EmailRefusals.TaskClosed;
        var state = CaseStateJson.Deserialize(row.StateJson);
        var task = state.FindTask(token.TaskId);
        if (task is not { Status: ReviewTaskStatus.Open } || state.IsTerminal || state.Status == CaseStatus.Faulted) return EmailRefusals.TaskClosed;
        var directory = await db.LoadDirectoryAsync(ct);
        var person = token.Person;
        var candidate = task.Assignee is null
            ? task.CandidateUsers.Contains(person) || task.CandidateGroups.Any(g => directory.IsMember(person, g))
            : task.Assignee == person;
        var voted = state.Stages.FirstOrDefault(s => s.Sequence == task.StageSequence)?.Voters.Contains(person) ?? false;
        return !directory.MayDecide(person) || person == state.Requester || !candidate || voted ? EmailRefusals.NotEntitled : null;
    }

    /// <summary>
    /// Decides as the token's person. A link token (<paramref name="consume"/>) is marked used in the decision's own
    /// transaction, so of two concurrent posts one decides and the other finds the task decided. Returns the refusal
    /// code, or null when the decision was made.
    /// </summary>
    public async Task<string?> DecideAsync(EmailTokenRow token, Decision decision, string? comment, string via, bool consume, CancellationToken ct)
    {
        if (await RefusalAsync(token, ct) is { } refusal) return refusal;
        var now = clock.GetUtcNow();
        try
        {
            await store.ApplyAsync(token.CaseId, (_, at) => new Runtime.DecideTask(token.TaskId, decision, comment, token.Person, at), ct,
                consume ? (_, _, _) => MarkUsed(token, now) : null,
                step => WithVia(step, token.TaskId, via));
            return null;
        }
        catch (EngineRefusal r)
        {
            db.ChangeTracker.Clear();
            var used = await db.EmailTokens.AsNoTracking().AnyAsync(t => t.Id == token.Id && t.UsedAt != null, ct);
            return used ? EmailRefusals.Used : r.Kind == RefusalKind.Forbidden ? EmailRefusals.NotEntitled : EmailRefusals.TaskClosed;
        }
    }

    /// <summary>
    /// Refused links or replies of one person on one task that the case's history records; later ones are only logged.
    /// A used link posted again and again (by a person, a scanner or someone who copied it) must not grow the history
    /// without bound.
    /// </summary>
    public const int MaxRefusalNotes = 10;

    /// <summary>
    /// Notes a refused link or reply in the case's history (sealed like every line); the case itself is unchanged.
    /// At most <see cref="MaxRefusalNotes"/> such lines per person, task and kind; returns false when it was not noted.
    /// </summary>
    public async Task<bool> NoteAsync(Guid caseId, Guid? taskId, string action, string actor, string reason, string via, JsonObject? more, CancellationToken ct)
    {
        var noted = await db.Audit.AsNoTracking()
            .Where(a => a.CaseId == caseId && a.TaskId == taskId && a.Actor == actor && a.Action == action)
            .Take(MaxRefusalNotes).CountAsync(ct);
        if (noted >= MaxRefusalNotes)
        {
            log.LogWarning("{Action} for task {TaskId} by {Actor} ({Reason}) not added to the history: it already holds {Max} such lines.",
                action, taskId, actor, reason, MaxRefusalNotes);
            return false;
        }
        var details = more ?? new JsonObject();
        details["reason"] = reason;
        details["via"] = via;
        return await store.AppendAuditAsync(caseId, new AuditEntry(clock.GetUtcNow(), actor, action, null, taskId, null, details), ct);
    }

    private void MarkUsed(EmailTokenRow token, DateTimeOffset now)
    {
        db.EmailTokens.Attach(token);
        token.UsedAt = now;
        // A retry after a lost race attaches the same object again: say the column changed even when the value did not.
        db.Entry(token).Property(t => t.UsedAt).IsModified = true;
    }

    private static Step WithVia(Step step, Guid taskId, string via) => step with
    {
        Effects = step.Effects.Select(e => e is AuditRecorded { Entry: { Action: AuditActions.TaskDecided } entry } a && entry.TaskId == taskId
            ? a with { Entry = entry with { Details = With(entry.Details, via) } }
            : e).ToList(),
    };

    private static JsonObject With(JsonObject? details, string via)
    {
        var copy = details?.DeepClone().AsObject() ?? new JsonObject();
        copy["via"] = via;
        return copy;
    }
}
