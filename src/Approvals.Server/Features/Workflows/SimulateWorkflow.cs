using System.Security.Claims;
using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Validation;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Features.Workflows;

/// <summary>
/// <c>POST /api/workflows/simulate</c>: a dry run of a definition (given, or a workflow's draft) on the pure engine in
/// memory — the case started, the decisions applied in order, the simulated clock moved on so reminders and
/// escalations fire — answering where the case would stand. Nothing is stored and nothing is sent.
/// </summary>
public static class SimulateWorkflow
{
    public const int MaxDecisions = 500;

    /// <summary>How long one dry run may compute; a workflow whose timers would keep it busy longer is answered 422.</summary>
    public static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(5);

    [SchemaName("SimulatedDecision")]
    public sealed record DecisionRequest(string? ActivityId, [property: OneOfNames(typeof(Decision), KebabCase = true)] string? Decision, string? By, string? Comment);

    [SchemaName("SimulationRequest")]
    /// <param name="Definition">A definition in this engine's form or an Elsa 3 document.</param>
    public sealed record Request(JsonObject? Definition, string? Workflow, JsonObject? Data, string? Requester,
        string? Title, IReadOnlyList<DecisionRequest>? Decisions, DateTimeOffset? At, string? Advance);

    [SchemaName("SimulatedNotification")]
    public sealed record NotificationView(string Event, string Template, IReadOnlyList<string> To, string? ActivityId, Guid? TaskId);

    [SchemaName("SimulationResult")]
    public sealed record Answer([property: OneOfNames(typeof(CaseStatus))] string Status, [property: OneOfNames(typeof(CaseOutcome))] string? Outcome,
        IReadOnlyList<string> Path, IReadOnlyList<TaskView> OpenTasks, IReadOnlyList<TimerView> Timers, IReadOnlyList<AuditView> Audit,
        IReadOnlyList<NotificationView> Notifications, FaultView? Fault, DateTimeOffset At);

    public sealed record Query(Request Body, string Caller) : IQuery<Answer>;

    public sealed class Handler(ApprovalsDb db, DirectoryCache directories, TimeProvider clock, IOptions<EngineOptions> engine) : IQueryHandler<Query, Answer>
    {
        public async ValueTask<Answer> Handle(Query q, CancellationToken ct)
        {
            var b = q.Body;
            var definition = await DefinitionAsync(b, ct);
            var data = b.Data ?? [];
            await CaseData.CheckUnpublishedAsync(definition.InputSchema, data, definition.Key);
            var decisions = Decisions(b.Decisions);
            IsoDuration? advance = null;
            if (b.Advance is { } text)
                advance = IsoDuration.TryParse(text, out var d) ? d
                    : throw RequestInvalid.Field("advance", "advance is an ISO 8601 duration of weeks, days and time, such as P3D or PT4H.");
            var requester = string.IsNullOrWhiteSpace(b.Requester) ? q.Caller : b.Requester.Trim().ToLowerInvariant();
            var at = b.At ?? clock.GetUtcNow();
            if (at.Year is < 1900 or > 9000) throw RequestInvalid.Field("at", "at must be a date between the years 1900 and 9000.");
            if (advance is { } a && a.ToTimeSpan() > TimeSpan.FromDays(3650)) throw RequestInvalid.Field("advance", "advance may be at most ten years (P3650D).");
            var request = new SimulationRequest(Guid.CreateVersion7(at), requester, string.IsNullOrWhiteSpace(b.Title) ? definition.Name : b.Title.Trim(),
                data, decisions, at, advance);
            SimulationResult result;
            // The same directory and calendars the real steps use.
            var (directory, calendars) = await directories.GetAsync(db, ct);
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(TimeBudget);
            try
            {
                result = Simulation.Run(definition, request, directory, calendars, engine.Value.Limits, budget.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new RequestUnprocessable("advance", $"The dry run did not finish within {TimeBudget.TotalSeconds:0} seconds: "
                    + "the workflow fires too many timers over this span. Simulate a shorter span or fewer decisions.", "simulation-too-long");
            }
            catch (SimulationRefused r)
            {
                throw new RequestUnprocessable($"decisions[{r.Index}]", r.Message, "simulation-refused");
            }
            var s = result.State;
            return new Answer(s.Status.ToString(), s.Outcome?.ToString(), result.Path,
                s.OpenTasks.Select(t => TaskView.From(t, s.CaseId, definition.Find(t.ActivityId)?.Name)).ToList(),
                TimerView.Of(s),
                result.Audit.Select(a => new AuditView(a.At, a.Actor, a.Action, a.ActivityId, a.TaskId, a.Comment, a.Details)).ToList(),
                result.Notifications.Select(n => new NotificationView(n.Event, n.Template, n.To, n.ActivityId, n.TaskId)).ToList(),
                FaultView.Of(s),
                result.At);
        }

        /// <summary>The definition given (this engine's form or Elsa 3's), or the named workflow's draft (its latest version when it has none).</summary>
        private async Task<WorkflowDefinition> DefinitionAsync(Request b, CancellationToken ct)
        {
            if ((b.Definition is null) == string.IsNullOrWhiteSpace(b.Workflow))
                throw RequestInvalid.Field("definition", "Give either a definition or the key of a workflow (its draft is simulated), not both.");
            string json;
            if (b.Definition is { } given) json = given.ToJsonString();
            else
            {
                var key = b.Workflow!.Trim();
                json = await db.WorkflowDrafts.AsNoTracking().Where(d => d.Key == key).Select(d => d.Json).FirstOrDefaultAsync(ct)
                    ?? await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == key).OrderByDescending(v => v.Version).Select(v => v.Json).FirstOrDefaultAsync(ct)
                    ?? throw RequestInvalid.Field("workflow", $"There is no workflow '{key}'.");
            }
            var (definition, errors, _) = WorkflowValidation.ValidateAndImport(json, b.Definition is null ? b.Workflow!.Trim() : null);
            if (definition is null || errors.Count > 0)
                throw new RequestInvalid("The definition has faults; nothing was simulated.", errors.Select(WorkflowJson.ToApiError).ToList());
            return definition;
        }

        private static List<SimulatedDecision> Decisions(IReadOnlyList<DecisionRequest>? list)
        {
            if (list is null) return [];
            if (list.Count > MaxDecisions) throw RequestInvalid.Field("decisions", $"A dry run takes at most {MaxDecisions} decisions.");
            var result = new List<SimulatedDecision>();
            for (var i = 0; i < list.Count; i++)
            {
                var d = list[i];
                if (string.IsNullOrWhiteSpace(d.ActivityId)) throw RequestInvalid.Field($"decisions[{i}].activityId", "Name the activity whose open task is decided.");
                if (!DecisionNames.TryParse(d.Decision, out var decision))
                    throw RequestInvalid.Field($"decisions[{i}].decision", "decision must be \"approve\", \"reject\" or \"request-changes\".");
                PlainText.Comment(d.Comment);
                result.Add(new SimulatedDecision(d.ActivityId.Trim(), decision, string.IsNullOrWhiteSpace(d.By) ? null : d.By.Trim().ToLowerInvariant(), d.Comment));
            }
            return result;
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapPost("/simulate", async Task<Ok<Answer>> (Request body, ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(body, user.Email()), ct)))
            .RequireAuthorization(Policies.Designer)
            .WithName("SimulateWorkflow")
            .WithSummary("Dry-runs a definition or a workflow's draft in memory: nothing is stored or sent")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType,
                StatusCodes.Status422UnprocessableEntity);
}
