using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Server.Http;
using Approvals.Server.Persistence;

namespace Approvals.Server.Features.Cases;

/// <summary>A pending timer, or one whose firing failed again and again (<c>status</c> <c>Failed</c>) until a retry arms it again.</summary>
public sealed record TimerView(Guid Id, [property: OneOfNames(typeof(TimerKind))] string Kind, string ActivityId, Guid? TaskId, DateTimeOffset DueAt,
    [property: OneOfNames(typeof(TimerStatus))] string Status = "Pending")
{
    /// <summary>A case's pending and failed timers, soonest first.</summary>
    public static List<TimerView> Of(CaseState state) =>
        state.PendingTimers.Concat(state.FailedTimers).OrderBy(t => t.DueAt)
            .Select(t => new TimerView(t.Id, t.Kind.ToString(), t.ActivityId, t.TaskId, t.DueAt, t.Status.ToString())).ToList();
}

/// <summary>Why a <c>Faulted</c> case stopped: the activity, what went wrong, and when.</summary>
public sealed record FaultView(string ActivityId, string Message, DateTimeOffset At)
{
    public static FaultView? Of(CaseState state) =>
        state is { Status: CaseStatus.Faulted, Fault: { } f } ? new FaultView(f.ActivityId, f.Message, f.At) : null;
}

public sealed record TaskView(
    Guid Id, Guid CaseId, string ActivityId, string? ActivityName, string? Assignee, IReadOnlyList<string> CandidateUsers,
    IReadOnlyList<string> CandidateGroups, [property: OneOfNames(typeof(ReviewTaskStatus))] string Status, DateTimeOffset CreatedAt, DateTimeOffset? DueAt,
    [property: OneOfNames(typeof(Decision), KebabCase = true)] string? Decision,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? Comment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CaseSummary? Case = null)
{
    public static TaskView From(TaskRow t, CaseSummary? summary = null) => new(
        t.Id, t.CaseId, t.ActivityId, t.ActivityName, t.Assignee,
        t.Candidates.Where(c => c.Kind == "user").Select(c => c.Name).OrderBy(n => n).ToList(),
        t.Candidates.Where(c => c.Kind == "group").Select(c => c.Name).OrderBy(n => n).ToList(),
        t.Status, t.CreatedAt, t.DueAt, t.Decision, t.DecidedBy, t.DecidedAt, t.Comment, summary);

    public static TaskView From(ReviewTask t, Guid caseId, string? activityName) => new(
        t.Id, caseId, t.ActivityId, activityName, t.Assignee, t.CandidateUsers, t.CandidateGroups, t.Status.ToString(),
        t.CreatedAt, t.DueAt, t.Decision is { } d ? DecisionNames.Of(d) : null, t.DecidedBy, t.DecidedAt, t.Comment);
}

public sealed record CaseSummary(Guid Id, string Workflow, int WorkflowVersion, string Title, [property: OneOfNames(typeof(CaseStatus))] string Status,
    string Requester, [property: OneOfNames(typeof(CaseOutcome))] string? Outcome)
{
    public static CaseSummary From(CaseRow c) => new(c.Id, c.WorkflowKey, c.WorkflowVersion, c.Title, c.Status, c.Requester, c.Outcome);

    /// <summary>The workflow's name as of the version the case is pinned to (what lists show); null when that version cannot be read.</summary>
    public string? WorkflowName { get; init; }

    /// <summary>
    /// This summary with its workflow's name, from the parsed published versions the catalog keeps (a version is read
    /// once per process, so a page costs no query once its workflows were seen).
    /// </summary>
    public async ValueTask<CaseSummary> NamedAsync(ApprovalsDb db, WorkflowCatalog catalog, CancellationToken ct) =>
        this with { WorkflowName = (await catalog.VersionAsync(db, Workflow, WorkflowVersion, ct))?.Definition.Name };
}

public sealed record CaseView(
    Guid Id, string Workflow, int WorkflowVersion, string Title, [property: OneOfNames(typeof(CaseStatus))] string Status, JsonObject Data, string Requester,
    IReadOnlyList<TaskView> OpenTasks, IReadOnlyList<string> ActiveActivities, [property: OneOfNames(typeof(CaseOutcome))] string? Outcome, IReadOnlyList<TimerView> Timers,
    IReadOnlyList<string> ChangesRequestedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FaultView? Fault = null)
{
    public static CaseView From(CaseRow row, Func<string, string?> activityName)
    {
        var state = CaseStateJson.Deserialize(row.StateJson);
        return new CaseView(
            row.Id, row.WorkflowKey, row.WorkflowVersion, row.Title, row.Status, state.Data, row.Requester,
            state.OpenTasks.Select(t => TaskView.From(t, row.Id, activityName(t.ActivityId))).ToList(),
            state.ActiveActivities,
            row.Outcome,
            TimerView.Of(state),
            state.ChangesRequestedBy,
            row.CreatedAt, row.UpdatedAt, row.CompletedAt,
            FaultView.Of(state));
    }
}

public sealed record AuditView(DateTimeOffset At, string Actor, string Action, string? ActivityId, Guid? TaskId, string? Comment, JsonNode? Details)
{
    public static AuditView From(AuditRow a) =>
        new(a.At, a.Actor, a.Action, a.ActivityId, a.TaskId, a.Comment, a.DetailsJson is null ? null : JsonNode.Parse(a.DetailsJson));
}
