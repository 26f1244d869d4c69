using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

/// <summary>
/// The bearer token check, remembered per token: a client sends the same token with every request, and parsing it,
/// checking its HMAC and building its claims cost about 5 % of the server's CPU under load (issue 9). A token that
/// passed once passes again, without that work, for as long as its lifetime allows: judged each time by the same
/// <see cref="TokenValidationParameters.LifetimeValidator"/> as a full check (AuthSetup's, by the server's clock). What
/// can end it sooner (the user disabled or changed, the token logged out) is <see cref="SessionCheck"/>'s, which still
/// runs on every request. Only tokens that passed are remembered, keyed by their whole text, so a changed token is
/// checked in full; the signing key is fixed while the server runs.
/// </summary>
public sealed class CachedTokenHandler : JsonWebTokenHandler
{
    /// <summary>Tokens remembered at most; when full, the memory is emptied and refills with the tokens in use.</summary>
    public const int Capacity = 2_000;

    private readonly ConcurrentDictionary<string, Passed> _passed = new(StringComparer.Ordinal);

    /// <param name="NotBefore">As the lifetime check is given it: null when the token has no <c>nbf</c>.</param>
    /// <param name="Expires">Likewise for <c>exp</c>.</param>
    private sealed record Passed(SecurityToken Token, ClaimsIdentity Identity, string Issuer, string? TokenType, DateTime? NotBefore, DateTime? Expires);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_passed.TryGetValue(token, out var known) && validationParameters.LifetimeValidator is { } lifetime)
        {
            if (lifetime(known.NotBefore, known.Expires, known.Token, validationParameters))
                return new TokenValidationResult
                {
                    IsValid = true, SecurityToken = known.Token, Issuer = known.Issuer, TokenType = known.TokenType,
                    ClaimsIdentity = known.Identity.Clone(), // each request's own: an event may add to it
                };
            _passed.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt)
        {
            if (_passed.Count >= Capacity) _passed.Clear();
            _passed[token] = new Passed(jwt, result.ClaimsIdentity.Clone(), result.Issuer, result.TokenType,
                jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out _) ? jwt.ValidFrom : null,
                jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out _) ? jwt.ValidTo : null);
        }
        return result;
    }
}
