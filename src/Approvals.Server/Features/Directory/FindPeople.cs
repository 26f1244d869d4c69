using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>GET /api/people?q=&amp;limit=</c>: for any signed-in user, the people a task may be delegated to — enabled
/// users holding the reviewer or admin role — whose email or display name contains <c>q</c> (case-insensitive),
/// by display name. Email and display name only: roles, groups and managers stay admin-only.
/// </summary>
public static class FindPeople
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;
    public const int MaxQueryLength = 320;

    public sealed record Query(Actor Actor, string? Text, int Limit) : IQuery<Result>;

    [SchemaName("Person")]
    public sealed record Person(string Email, string DisplayName);

    [SchemaName("People")]
    public sealed record Result(IReadOnlyList<Person> Items);

    public sealed class Handler(ApprovalsDb db) : IQueryHandler<Query, Result>
    {
        public async ValueTask<Result> Handle(Query q, CancellationToken ct)
        {
            // The directory is small (people, not cases); roles are a list column, so the filter runs here,
            // the same way on both stores, with one culture-free comparison.
            var enabled = await db.Users.AsNoTracking().Where(u => !u.Disabled)
                .Select(u => new { u.Email, u.DisplayName, u.Roles }).ToListAsync(ct);
            var text = q.Text?.Trim() ?? "";
            var items = enabled
                .Where(u => Roles.MayDecide(u.Roles))
                .Where(u => text.Length == 0
                    || u.Email.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || u.DisplayName.Contains(text, StringComparison.OrdinalIgnoreCase))
                .OrderBy(u => u.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(u => u.Email, StringComparer.Ordinal)
                .Take(q.Limit)
                .Select(u => new Person(u.Email, u.DisplayName))
                .ToList();
            return new Result(items);
        }
    }

    /// <summary>The number of people asked for, or a 400 naming <c>limit</c>.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw RequestInvalid.Field("limit", $"limit is a whole number from 1 to {MaxLimit}."),
        { } n => n,
    };

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/people", async Task<Ok<Result>> (HttpContext http, IMediator mediator, string? q, int? limit) =>
            {
                if (q is { Length: > MaxQueryLength })
                    throw RequestInvalid.Field("q", $"q is at most {MaxQueryLength} characters.");
                var query = new Query(http.User.Actor(), q, Limit(limit));
                return TypedResults.Ok(await mediator.Send(query, http.RequestAborted));
            })
            .WithTags("Directory")
            .WithName("FindPeople")
            .WithSummary("Enabled reviewers and administrators whose email or display name contains q, by display name: the people a task may be delegated to")
            .ProducesErrors(StatusCodes.Status400BadRequest);
}
