using System.Security.Claims;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary>
/// <c>POST /api/cases/{id}/migrate</c> moves one running case to another published version of its workflow;
/// <c>POST /api/workflows/{key}/migrate</c> does it for every running case of a version, or only checks (dry run).
/// Administrators only: it changes cases in flight.
/// </summary>
public static class MigrateCases
{
    public const int MaxMapEntries = 1_000;

    [SchemaName("MigrateCaseRequest")]
    public sealed record CaseRequest(int? ToVersion, Dictionary<string, string>? ActivityMap);

    [SchemaName("MigrateWorkflowRequest")]
    public sealed record WorkflowRequest(int? FromVersion, int? ToVersion, Dictionary<string, string>? ActivityMap, bool DryRun);

    [SchemaName("CaseMigrationResult")]
    public sealed record CaseResult(Guid Id, bool Ok, IReadOnlyList<ApiError> Errors);

    [SchemaName("WorkflowMigrationResult")]
    public sealed record WorkflowAnswer(IReadOnlyList<CaseResult> Cases, int Migrated, bool DryRun);

    public sealed record CaseCommand(Guid CaseId, int ToVersion, IReadOnlyDictionary<string, string> Map, string Actor) : ICommand<CaseView>;

    public sealed record WorkflowCommand(string Key, int FromVersion, int ToVersion, IReadOnlyDictionary<string, string> Map, bool DryRun, string Actor)
        : ICommand<WorkflowAnswer>;

    public sealed class Handler(ApprovalsDb db, WorkflowCatalog catalog, CaseMigrator migrator)
        : ICommandHandler<CaseCommand, CaseView>, ICommandHandler<WorkflowCommand, WorkflowAnswer>
    {
        public async ValueTask<CaseView> Handle(CaseCommand c, CancellationToken ct)
        {
            var outcome = await migrator.MigrateAsync(c.CaseId, c.ToVersion, c.Map, c.Actor, dryRun: false, ct);
            if (!outcome.Ok)
                throw new RequestConflict("The case cannot move to that version; nothing was changed.", outcome.Problems.Select(CaseMigrator.ToApiError).ToList());
            var workflow = await catalog.VersionAsync(db, outcome.Row.WorkflowKey, outcome.Row.WorkflowVersion, ct);
            return CaseView.From(outcome.Row, id => workflow?.Definition.Find(id)?.Name);
        }

        public async ValueTask<WorkflowAnswer> Handle(WorkflowCommand c, CancellationToken ct)
        {
            if (c.FromVersion == c.ToVersion) throw RequestInvalid.Field("toVersion", "toVersion must differ from fromVersion.");
            if (await catalog.VersionAsync(db, c.Key, c.ToVersion, ct) is null)
                throw RequestInvalid.Field("toVersion", $"Workflow {c.Key} has no published version {c.ToVersion}.");
            string[] running = [nameof(CaseStatus.InProgress), nameof(CaseStatus.ChangesRequested), nameof(CaseStatus.Faulted)];
            var ids = await db.Cases.AsNoTracking()
                .Where(x => x.WorkflowKey == c.Key && x.WorkflowVersion == c.FromVersion && running.Contains(x.Status))
                .OrderBy(x => x.CreatedAt).Select(x => x.Id).ToListAsync(ct);
            var results = new List<CaseResult>();
            foreach (var id in ids)
            {
                var outcome = await migrator.MigrateAsync(id, c.ToVersion, c.Map, c.Actor, c.DryRun, ct);
                results.Add(new CaseResult(id, outcome.Ok, outcome.Problems.Select(CaseMigrator.ToApiError).ToList()));
            }
            return new WorkflowAnswer(results, c.DryRun ? 0 : results.Count(r => r.Ok), c.DryRun);
        }
    }

    private static IReadOnlyDictionary<string, string> Map(Dictionary<string, string>? map)
    {
        if (map is null) return new Dictionary<string, string>();
        if (map.Count > MaxMapEntries) throw RequestInvalid.Field("activityMap", $"An activityMap holds at most {MaxMapEntries} entries.");
        foreach (var (from, to) in map)
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                throw RequestInvalid.Field("activityMap", "Each activityMap entry maps an activity id of the case's version to one of the target version.");
        return map;
    }

    private static int Version(int? version, string field) =>
        version is > 0 ? version.Value : throw RequestInvalid.Field(field, $"{field} is the number of a published version (1 or more).");

    public static void MapCase(RouteGroupBuilder cases) =>
        cases.MapPost("/{id:guid}/migrate", async Task<Ok<CaseView>> (Guid id, CaseRequest body, ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new CaseCommand(id, Version(body.ToVersion, "toVersion"), Map(body.ActivityMap), user.Email()), ct)))
            .RequireAuthorization(Policies.Admin)
            .WithName("MigrateCase")
            .WithSummary("Moves a running case to another published version of its workflow")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

    public static void MapWorkflow(RouteGroupBuilder workflows) =>
        workflows.MapPost("/{key}/migrate", async Task<Ok<WorkflowAnswer>> (string key, WorkflowRequest body, ClaimsPrincipal user, IMediator m,
                CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new WorkflowCommand(key, Version(body.FromVersion, "fromVersion"), Version(body.ToVersion, "toVersion"),
                    Map(body.ActivityMap), body.DryRun, user.Email()), ct)))
            .RequireAuthorization(Policies.Admin)
            .WithName("MigrateWorkflowCases")
            .WithSummary("Moves every running case of one version to another, or checks that it could (dryRun)")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType);
}
