using System.IdentityModel.Tokens.Jwt;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Approvals.Server.Persistence;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

public static class AuthSetup
{
    public const string Issuer = "approvals";
    public const string Audience = "approvals";
    public const string DashboardPath = "/hangfire";
    public const string DashboardCookie = "approvals_dashboard";

    public static IServiceCollection AddApprovalsAuth(this IServiceCollection services)
    {
        JwtSecurityTokenHandler.DefaultMapInboundClaims = false;
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<StandingCache>();
        services.AddSingleton<StandingChanges>();
        services.AddSingleton<DirectoryCache>();
        services.AddHostedService<DirectoryListener>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = Audience,
                ValidateIssuerSigningKey = true,
                NameClaimType = CurrentUser.EmailClaim,
                RoleClaimType = CurrentUser.RoleClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            };
            // A browser cannot send a bearer header to the Hangfire dashboard: there the token may come as
            // ?access_token=... once, and is then kept in an HttpOnly cookie scoped to /hangfire, set only after
            // the token proved valid and an administrator's (SessionCheck).
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var request = context.Request;
                    if (!request.Path.StartsWithSegments(DashboardPath) || request.Headers.Authorization.Count > 0) return Task.CompletedTask;
                    if (request.Query["access_token"].FirstOrDefault() is { Length: > 0 } token)
                    {
                        context.Token = token;
                        context.HttpContext.Items[SessionCheck.DashboardTokenItem] = token;
                    }
                    else if (request.Cookies[DashboardCookie] is { Length: > 0 } kept) context.Token = kept;
                    return Task.CompletedTask;
                },
                OnTokenValidated = SessionCheck.OnTokenValidated,
                OnChallenge = SessionCheck.OnChallenge,
            };
        });
        // The key is only known once the database is up, so it is resolved per token rather than fixed here.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys, TimeProvider>((o, keys, clock) =>
            {
                o.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => [keys.Current];
                o.TimeProvider = clock;
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(new CachedTokenHandler { MapInboundClaims = false });
                // Expiry is judged by the server's TimeProvider (tests move it), not the wall clock.
                o.TokenValidationParameters.LifetimeValidator = (notBefore, expires, _, p) =>
                {
                    var now = clock.GetUtcNow().UtcDateTime;
                    // This delegate replaces the library's own check, RequireExpirationTime included: no expiry, no entry.
                    return expires is not null && (notBefore is null || notBefore.Value <= now + p.ClockSkew)
                        && expires.Value >= now - p.ClockSkew;
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Designer, p => p.RequireRole(Roles.Admin, Roles.Designer))
            .AddPolicy(Policies.Requester, p => p.RequireRole(Roles.Admin, Roles.Requester))
            .AddPolicy(Policies.Reviewer, p => p.RequireRole(Roles.Admin, Roles.Reviewer));
        return services;
    }
}
