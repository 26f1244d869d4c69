using System.Security.Claims;
using Approvals.Server.Persistence;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

/// <summary>Writes HMAC-SHA256 access tokens for a directory user: identity, roles, stamp, a unique id and an expiry.</summary>
public sealed class TokenIssuer(SigningKeys keys, TimeProvider clock, IOptions<AuthOptions> options)
{
    public TimeSpan Lifetime => options.Value.TokenLifetime;

    public string Issue(UserRow user)
    {
        var now = clock.GetUtcNow();
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, user.Email),
            new(CurrentUser.EmailClaim, user.Email),
            new(CurrentUser.NameClaim, user.DisplayName),
            // The stamp ties the token to the user's standing when it was issued; the id lets logout end this token alone.
            new(SessionCheck.StampClaim, user.SecurityStamp),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(CurrentUser.RoleClaim, r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = AuthSetup.Issuer,
            Audience = AuthSetup.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(keys.Current, SecurityAlgorithms.HmacSha256),
        });
    }
}
