using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>GET /api/groups?q=&amp;limit=</c>: for designers and administrators, the groups a Review may be assigned to
/// whose name or display name contains <c>q</c> (case-insensitive), by name. Name, display name and the number of
/// members only: who the members are stays admin-only.
/// </summary>
public static class FindGroups
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;
    public const int MaxQueryLength = 100;

    public sealed record Query(string? Text, int Limit) : IQuery<Result>;

    [SchemaName("GroupSummary")]
    public sealed record GroupSummary(string Name, string? DisplayName, int Members);

    [SchemaName("Groups")]
    public sealed record Result(IReadOnlyList<GroupSummary> Items);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Result>
    {
        public async ValueTask<Result> Handle(Query q, CancellationToken ct)
        {
            // Groups are few; the filter runs here, the same way on both stores, with one culture-free comparison.
            var groups = await db.Groups.AsNoTracking().Select(g => new { g.Name, g.DisplayName }).ToListAsync(ct);
            var counts = (await db.GroupMembers.AsNoTracking().Select(m => m.GroupName).ToListAsync(ct))
                .CountBy(n => n, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
            var text = q.Text?.Trim() ?? "";
            var items = groups
                .Where(g => text.Length == 0
                    || g.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || (g.DisplayName?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false))
                .OrderBy(g => g.Name, StringComparer.Ordinal)
                .Take(q.Limit)
                .Select(g => new GroupSummary(g.Name, g.DisplayName, counts.GetValueOrDefault(g.Name)))
                .ToList();
            return new Result(items);
        }
    }

    /// <summary>The number of groups asked for, or a 400 naming <c>limit</c>.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw RequestInvalid.Field("limit", $"limit is a whole number from 1 to {MaxLimit}."),
        { } n => n,
    };

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/groups", async Task<Ok<Result>> (IMediator mediator, string? q, int? limit, CancellationToken ct) =>
            {
                if (q is { Length: > MaxQueryLength })
                    throw RequestInvalid.Field("q", $"q is at most {MaxQueryLength} characters.");
                return TypedResults.Ok(await mediator.Send(new Query(q, Limit(limit)), ct));
            })
            .RequireAuthorization(Policies.Designer)
            .WithTags("Directory")
            .WithName("FindGroups")
            .WithSummary("Groups whose name or display name contains q, by name, with their number of members: the groups a Review may be assigned to")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
}
