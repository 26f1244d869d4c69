namespace Approvals.Server.Persistence;

// Plain rows: EF Core maps them, handlers use them directly. Status/kind strings hold enum names as text.
// Every DateTimeOffset is UTC (offset 0).

public class UserRow
{
    /// <summary>Lower-case email; the key.</summary>
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public List<string> Roles { get; set; } = [];
    public string? Manager { get; set; }

    /// <summary>A disabled user cannot sign in, and every token they hold is refused.</summary>
    public bool Disabled { get; set; }

    /// <summary>Out of office from <see cref="AwayFrom"/> until <see cref="AwayUntil"/>: new tasks go to <see cref="AwayDelegate"/>.</summary>
    public DateTimeOffset? AwayFrom { get; set; }
    public DateTimeOffset? AwayUntil { get; set; }
    public string? AwayDelegate { get; set; }

    /// <summary>
    /// Random; replaced whenever the user's password, roles, groups or disabled flag change. Tokens carry the
    /// stamp they were issued with and are refused once it differs. Empty for rows from before stamps existed
    /// (a stamp is given at the next sign-in).
    /// </summary>
    public string SecurityStamp { get; set; } = NewStamp();

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}

/// <summary>A token ended by <c>POST /api/auth/logout</c>, kept until it would have expired anyway.</summary>
public class RevokedTokenRow
{
    public string Jti { get; set; } = "";
    public string Email { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

public class GroupRow
{
    public string Name { get; set; } = "";
    public string? DisplayName { get; set; }
}

public class GroupMemberRow
{
    public string GroupName { get; set; } = "";
    public string Email { get; set; } = "";
}

public class WorkflowDraftRow
{
    public string Key { get; set; } = "";
    public string Json { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}

/// <summary>A published version. Never changed once written.</summary>
public class WorkflowVersionRow
{
    public string Key { get; set; } = "";
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string Json { get; set; } = "";
    public DateTimeOffset PublishedAt { get; set; }
    public string PublishedBy { get; set; } = "";
}

public class CaseRow
{
    public Guid Id { get; set; }
    public string WorkflowKey { get; set; } = "";
    public int WorkflowVersion { get; set; }
    public string Title { get; set; } = "";
    public string Requester { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Outcome { get; set; }
    public string DataJson { get; set; } = "{}";
    public string StateJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Optimistic concurrency: bump it on every write; a lost race fails SaveChanges.</summary>
    public int Version { get; set; }

    /// <summary>How many audit rows the case has written; a deleted tail or history shows against it.</summary>
    public int AuditCount { get; set; }

    /// <summary>Keyed seal over (case, <see cref="AuditCount"/>, last audit row's seal); see <c>AuditChain</c>.</summary>
    public string AuditSeal { get; set; } = "";

    /// <summary>A copy of the row as it is now: what a write guarded by the row as read compares with (<c>RowWrites.Update</c>).</summary>
    public CaseRow Copy() => (CaseRow)MemberwiseClone();
}

public class TaskRow
{
    public Guid Id { get; set; }
    public Guid CaseId { get; set; }
    public string ActivityId { get; set; } = "";
    public string? ActivityName { get; set; }
    public string? Assignee { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public string? Decision { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? Comment { get; set; }
    public List<TaskCandidateRow> Candidates { get; set; } = [];
}

public class TaskCandidateRow
{
    public Guid TaskId { get; set; }

    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
}

public class TimerRow
{
    public Guid Id { get; set; }
    public Guid CaseId { get; set; }
    public Guid? TaskId { get; set; }
    public string ActivityId { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset? FiredAt { get; set; }

    /// <summary>The Hangfire job that fires it, or <c>near:</c> and a timer id while an in-process alarm stands for one.</summary>
    public string? JobId { get; set; }

    /// <summary>Firings that failed with an error; at <c>FireTimerJob.MaxFailures</c> the timer is marked <c>Failed</c>.</summary>
    public int FailedAttempts { get; set; }
    public string? LastError { get; set; }
}

public class OutboxRow
{
    public Guid Id { get; set; }
    public Guid? CaseId { get; set; }
    public string Event { get; set; } = "";
    public string Template { get; set; } = "";
    public string? Subject { get; set; }
    public string RecipientsJson { get; set; } = "[]";
    public string? ActivityId { get; set; }
    public Guid? TaskId { get; set; }
    /// <summary>Extra facts for the template's <c>event</c> (JSON object), e.g. why a reply was refused.</summary>
    public string? DetailsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    /// <summary>When the next delivery attempt is due (null: at once).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
    /// <summary>Set when the last retry failed: the row is given up and visible as failed.</summary>
    public DateTimeOffset? FailedAt { get; set; }
    /// <summary>Recipients already sent to (JSON array), so a retry after a partial send skips them.</summary>
    public string DeliveredJson { get; set; } = "[]";
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    /// <summary>
    /// The claim of the dispatcher round that holds the row until <see cref="NextAttemptAt"/> (its lease): a round
    /// claims all its rows in one statement and reads back the ones that are its own.
    /// </summary>
    public Guid? LeaseId { get; set; }
}

/// <summary>
/// One line of a case's history. Insert-only; <see cref="Hash"/> is its seal, a keyed MAC over its content and
/// <see cref="PrevHash"/>, the seal of the line before.
/// </summary>
public class AuditRow
{
    public long Id { get; set; }
    public Guid CaseId { get; set; }
    public int Seq { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string? ActivityId { get; set; }
    public Guid? TaskId { get; set; }
    public string? Comment { get; set; }
    public string? DetailsJson { get; set; }
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>The first answer to a request carrying an <c>Idempotency-Key</c>, replayed on retries.</summary>
public class IdempotencyRow
{
    public string Actor { get; set; } = "";
    public string Key { get; set; } = "";
    public string Route { get; set; } = "";

    /// <summary>SHA-256 of the request's body as the server read it; the same key with another body is refused.</summary>
    public string RequestHash { get; set; } = "";
    public int StatusCode { get; set; }
    public string ResponseJson { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Server-wide settings shared by every instance on one database (e.g. the generated signing key).</summary>
public class SettingRow
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

/// <summary>A business-hours calendar, kept as the JSON of <c>PUT /api/calendars/{name}</c>.</summary>
public class CalendarRow
{
    public string Name { get; set; } = "";
    public string Json { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}
