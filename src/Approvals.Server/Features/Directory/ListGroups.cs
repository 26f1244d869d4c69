using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary><c>GET /api/directory/groups</c>: every group with its members.</summary>
public static class ListGroups
{
    public sealed record Query : IQuery<IReadOnlyList<GroupView>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<GroupView>>
    {
        public async ValueTask<IReadOnlyList<GroupView>> Handle(Query q, CancellationToken ct)
        {
            var groups = await db.Groups.AsNoTracking().ToListAsync(ct);
            var members = (await db.GroupMembers.AsNoTracking().ToListAsync(ct)).ToLookup(m => m.GroupName, m => m.Email);
            return groups.OrderBy(g => g.Name, StringComparer.Ordinal)
                .Select(g => new GroupView(g.Name, g.DisplayName, members[g.Name].Order(StringComparer.Ordinal).ToList()))
                .ToList();
        }
    }

    public static void Map(RouteGroupBuilder directory) =>
        directory.MapGet("/groups", async Task<Ok<IReadOnlyList<GroupView>>> (IMediator m, CancellationToken ct) => TypedResults.Ok(await m.Send(new Query(), ct)))
            .WithName("ListGroups")
            .WithSummary("Every group with its members");
}
