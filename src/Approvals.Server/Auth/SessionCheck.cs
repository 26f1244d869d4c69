using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Approvals.Server.Auth;

/// <summary>A token that is well signed but no longer (or never) stands for a session.</summary>
public sealed class SessionEnded(string message) : Exception(message);

/// <summary>
/// Runs after a token's signature, issuer, audience and lifetime were checked: the token must name its user,
/// carry an expiry, an id and a stamp, and the user must exist, not be disabled, still have that stamp, and not
/// have ended this token by logging out. Otherwise the request is refused with 401.
/// </summary>
public static class SessionCheck
{
    public const string StampClaim = "stamp";

    /// <summary>Set on a dashboard request whose token came in the query string, to be kept in a cookie once valid.</summary>
    internal const string DashboardTokenItem = "approvals.dashboard-token";

    public static async Task OnTokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var email = principal?.FindFirst(CurrentUser.EmailClaim)?.Value;
        var subject = principal?.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var stamp = principal?.FindFirst(StampClaim)?.Value;
        var jti = principal?.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        var exp = principal?.FindFirst(JwtRegisteredClaimNames.Exp)?.Value;
        if (string.IsNullOrWhiteSpace(email) || !string.Equals(email, subject, StringComparison.Ordinal)
            || string.IsNullOrEmpty(stamp) || string.IsNullOrEmpty(jti) || string.IsNullOrEmpty(exp))
        {
            context.Fail(new SessionEnded("The token does not name its user, its expiry, its id and its stamp; sign in again."));
            return;
        }

        var services = context.HttpContext.RequestServices;
        var standing = await services.GetRequiredService<StandingCache>()
            .GetAsync(services.GetRequiredService<ApprovalsDb>(), email, context.HttpContext.RequestAborted);
        var refusal = !standing.Exists || standing.Disabled ? "Your account no longer allows signing in."
            : standing.Stamp.Length == 0 || !string.Equals(stamp, standing.Stamp, StringComparison.Ordinal)
                ? "Your session ended because your password, roles or groups changed; sign in again."
            : standing.RevokedTokens.Contains(jti) ? "This token was logged out."
            : null;
        if (refusal is not null)
        {
            context.Fail(new SessionEnded(refusal));
            return;
        }

        // Only a valid administrator's token is kept for the dashboard.
        if (context.HttpContext.Items[DashboardTokenItem] is string token && principal!.IsAdmin())
            context.Response.Cookies.Append(AuthSetup.DashboardCookie, token, new CookieOptions
            {
                HttpOnly = true, Path = AuthSetup.DashboardPath, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps,
            });
    }

    /// <summary>A refused session gets a 401 problem that says why, like every other error.</summary>
    public static async Task OnChallenge(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is not SessionEnded ended) return;
        context.HandleResponse();
        var http = context.HttpContext;
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        if (http.Request.Path.StartsWithSegments(AuthSetup.DashboardPath)) http.Response.Cookies.Delete(AuthSetup.DashboardCookie,
            new CookieOptions { Path = AuthSetup.DashboardPath });
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http, ProblemDetails = Problems.Details(StatusCodes.Status401Unauthorized, "Unauthorized", ended.Message),
        });
    }
}
