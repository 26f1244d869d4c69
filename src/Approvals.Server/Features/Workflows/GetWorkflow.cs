using System.Security.Claims;
using Approvals.Engine.Runtime;
using System.Text.Json.Nodes;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>GET /api/workflows/{key}</c>: the latest published definition; designers also get the draft.</summary>
public static class GetWorkflow
{
    public sealed record Query(string Key, bool IncludeDraft) : IQuery<View>;

    [SchemaName("WorkflowView")]
    public sealed record View(string Key, string Name, int? Version, DateTimeOffset? PublishedAt, string? PublishedBy,
        [property: WorkflowDefinition] JsonNode? Definition, Draft? Draft);

    [SchemaName("WorkflowDraft")]
    public sealed record Draft(DateTimeOffset UpdatedAt, string UpdatedBy, [property: WorkflowDefinition] JsonNode? Definition);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, View>
    {
        public async ValueTask<View> Handle(Query q, CancellationToken ct)
        {
            var latest = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == q.Key)
                .OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
            var draft = q.IncludeDraft ? await db.WorkflowDrafts.AsNoTracking().FirstOrDefaultAsync(d => d.Key == q.Key, ct) : null;
            if (latest is null && draft is null) throw new EngineRefusal(RefusalKind.NotFound, $"There is no workflow {q.Key}.");
            var draftView = draft is null ? null : new Draft(draft.UpdatedAt, draft.UpdatedBy, WorkflowJson.Node(draft.Json));
            return latest is null
                ? new View(q.Key, WorkflowJson.NameOf(draft!.Json) ?? q.Key, null, null, null, null, draftView)
                : new View(latest.Key, latest.Name, latest.Version, latest.PublishedAt, latest.PublishedBy, WorkflowJson.Node(latest.Json), draftView);
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/{key}", async Task<Ok<View>> (string key, ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(key, user.IsDesigner()), ct)))
            .WithName("GetWorkflow")
            .WithSummary("The latest published definition of a workflow; designers also get its draft")
            .ProducesErrors(StatusCodes.Status404NotFound);
}
