using System.Security.Claims;
using Approvals.Server.Http;
using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Approvals.Server.Features.Auth;

/// <summary>
/// <c>POST /api/auth/logout</c>: ends the caller's token (only that one) on every server. Its id is kept as
/// revoked until the token would have expired anyway; revocations past that are removed on the way.
/// </summary>
public static class Logout
{
    public sealed record Command(string Email, string TokenId, DateTimeOffset ExpiresAt) : ICommand;

    public sealed class Handler(ApprovalsDb db, StandingChanges changes, TimeProvider clock) : ICommandHandler<Command>
    {
        public async ValueTask<Unit> Handle(Command c, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            await db.RevokedTokens.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
            if (!await db.RevokedTokens.AnyAsync(r => r.Jti == c.TokenId, ct))
                db.RevokedTokens.Add(new RevokedTokenRow { Jti = c.TokenId, Email = c.Email, ExpiresAt = c.ExpiresAt });
            try
            {
                await changes.SaveAsync(db, [c.Email], ct);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // the same token logged out twice at once: it is revoked either way
            }
            return Unit.Value;
        }
    }

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/logout", async Task<NoContent> (ClaimsPrincipal user, HttpResponse response, IMediator mediator, CancellationToken ct) =>
            {
                // SessionCheck let the request in, so these claims are present.
                var jti = user.FindFirst(JwtRegisteredClaimNames.Jti)!.Value;
                var exp = DateTimeOffset.FromUnixTimeSeconds(long.Parse(user.FindFirst(JwtRegisteredClaimNames.Exp)!.Value, System.Globalization.CultureInfo.InvariantCulture));
                await mediator.Send(new Command(user.Email(), jti, exp), ct);
                response.Cookies.Delete(AuthSetup.DashboardCookie, new CookieOptions { Path = AuthSetup.DashboardPath });
                return TypedResults.NoContent();
            })
            .RequireAuthorization()
            .WithTags("Auth")
            .WithName("Logout")
            .WithSummary("Ends the caller's token on every server.")
            .ProducesErrors(StatusCodes.Status401Unauthorized);
}

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        IssueToken.Map(app);
        Logout.Map(app);
        return app;
    }
}
