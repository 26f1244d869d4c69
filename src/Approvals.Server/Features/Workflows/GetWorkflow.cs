using System.Security.Claims;
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
    public sealed record Query(string Key, bool IncludeDraft) : IQuery<Result<View>>;

    public sealed record View(string Key, string Name, int? Version, DateTimeOffset? PublishedAt, string? PublishedBy, JsonNode? Definition, Draft? Draft);

    public sealed record Draft(DateTimeOffset UpdatedAt, string UpdatedBy, JsonNode? Definition);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Result<View>>
    {
        public async ValueTask<Result<View>> Handle(Query q, CancellationToken ct)
        {
            var latest = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == q.Key)
                .OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
            var draft = q.IncludeDraft ? await db.WorkflowDrafts.AsNoTracking().FirstOrDefaultAsync(d => d.Key == q.Key, ct) : null;
            if (latest is null && draft is null) return Result<View>.Fail(Problems.NotFound($"There is no workflow {q.Key}."));
            var draftView = draft is null ? null : new Draft(draft.UpdatedAt, draft.UpdatedBy, WorkflowJson.Node(draft.Json));
            return latest is null
                ? new View(q.Key, WorkflowJson.NameOf(draft!.Json) ?? q.Key, null, null, null, null, draftView)
                : new View(latest.Key, latest.Name, latest.Version, latest.PublishedAt, latest.PublishedBy, WorkflowJson.Node(latest.Json), draftView);
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/{key}", async (string key, ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                (await m.Send(new Query(key, user.IsDesigner()), ct)).ToHttp())
            .WithName("GetWorkflow")
            .Produces<View>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
