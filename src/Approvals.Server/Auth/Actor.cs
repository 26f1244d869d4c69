using System.Security.Claims;

namespace Approvals.Server.Auth;

/// <summary>
/// Who a command acts for. Commands carry this instead of a <see cref="ClaimsPrincipal"/>, so a handler is
/// driven the same way from an endpoint, a job, an email link or a test through the mediator.
/// </summary>
public sealed record Actor(string Email, bool IsAdmin)
{
    /// <summary>Automatic steps (timers, sweeps); never an entitled reviewer.</summary>
    public static readonly Actor System = new("system", IsAdmin: false);
}

public static class ActorClaims
{
    /// <summary>The signed-in caller as an <see cref="Actor"/>.</summary>
    public static Actor Actor(this ClaimsPrincipal user) => new(user.Email(), user.IsAdmin());
}
