using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary><c>GET /api/directory/users</c>: every user with roles, manager and groups; never a password hash.</summary>
public static class ListUsers
{
    public sealed record Query : IQuery<IReadOnlyList<UserView>>;

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, IReadOnlyList<UserView>>
    {
        public async ValueTask<IReadOnlyList<UserView>> Handle(Query q, CancellationToken ct)
        {
            var users = await db.Users.AsNoTracking().ToListAsync(ct);
            var memberships = (await db.GroupMembers.AsNoTracking().ToListAsync(ct))
                .ToLookup(m => m.Email, m => m.GroupName);
            return users.OrderBy(u => u.Email, StringComparer.Ordinal)
                .Select(u => new UserView(u.Email, u.DisplayName, u.Roles, u.Manager,
                    memberships[u.Email].Order(StringComparer.Ordinal).ToList(), u.CreatedAt, u.UpdatedAt, u.Disabled, OutOfOfficeView.Of(u)))
                .ToList();
        }
    }

    public static void Map(RouteGroupBuilder directory) =>
        directory.MapGet("/users", async Task<Ok<IReadOnlyList<UserView>>> (IMediator m, CancellationToken ct) => TypedResults.Ok(await m.Send(new Query(), ct)))
            .WithName("ListUsers")
            .WithSummary("Every user with roles, manager and groups");
}
