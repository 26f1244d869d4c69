using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>GET /api/workflows</c>: every published workflow; designers also see workflows that are only drafts.</summary>
public static class ListWorkflows
{
    public sealed record Query(bool IncludeDrafts) : IQuery<IReadOnlyList<Item>>;

    [SchemaName("WorkflowSummary")]
    public sealed record Item(string Key, string Name, int? LatestVersion, bool HasDraft, DateTimeOffset? PublishedAt);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<Item>>
    {
        public async ValueTask<IReadOnlyList<Item>> Handle(Query q, CancellationToken ct)
        {
            var versions = await db.WorkflowVersions.AsNoTracking()
                .Select(v => new { v.Key, v.Version, v.Name, v.PublishedAt }).ToListAsync(ct);
            var latest = versions.GroupBy(v => v.Key).Select(g => g.MaxBy(v => v.Version)!).ToDictionary(v => v.Key);
            var drafts = await db.WorkflowDrafts.AsNoTracking().Select(d => new { d.Key, d.Json }).ToListAsync(ct);
            var draftKeys = drafts.Select(d => d.Key).ToHashSet();

            var items = latest.Values.Select(v => new Item(v.Key, v.Name, v.Version, draftKeys.Contains(v.Key), v.PublishedAt)).ToList();
            if (q.IncludeDrafts)
                items.AddRange(drafts.Where(d => !latest.ContainsKey(d.Key))
                    .Select(d => new Item(d.Key, WorkflowJson.NameOf(d.Json) ?? d.Key, null, true, null)));
            return items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapGet("/", async Task<Ok<IReadOnlyList<Item>>> (ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Query(user.IsDesigner()), ct)))
            .WithName("ListWorkflows")
            .WithSummary("Every published workflow; designers also see workflows that are only drafts");
}
