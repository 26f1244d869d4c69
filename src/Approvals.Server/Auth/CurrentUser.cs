using System.Security.Claims;

namespace Approvals.Server.Auth;

public static class Roles
{
    public const string Admin = "admin";
    public const string Designer = "designer";
    public const string Reviewer = "reviewer";
    public const string Requester = "requester";

    public static readonly IReadOnlyList<string> All = [Admin, Designer, Reviewer, Requester];

    /// <summary>Whether roles let a person decide tasks: reviewers and administrators (the user must also be enabled).</summary>
    public static bool MayDecide(IReadOnlyCollection<string> roles) => roles.Contains(Reviewer) || roles.Contains(Admin);
}

/// <summary>Authorization policy names. Admin passes every policy.</summary>
public static class Policies
{
    public const string Admin = "admin";
    public const string Designer = "designer";
    public const string Requester = "requester";
    public const string Reviewer = "reviewer";
}

public static class CurrentUser
{
    public const string EmailClaim = "email";
    public const string NameClaim = "name";
    public const string RoleClaim = "role";

    /// <summary>The signed-in user's email, lower-case. Throws when nobody is signed in.</summary>
    public static string Email(this ClaimsPrincipal user) =>
        (user.FindFirst(EmailClaim)?.Value ?? user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value
            ?? throw new InvalidOperationException("No user is signed in.")).Trim().ToLowerInvariant();

    public static bool HasRole(this ClaimsPrincipal user, string role) =>
        user.FindAll(RoleClaim).Any(c => string.Equals(c.Value, role, StringComparison.OrdinalIgnoreCase));

    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasRole(Roles.Admin);

    public static bool IsDesigner(this ClaimsPrincipal user) => user.IsAdmin() || user.HasRole(Roles.Designer);
}
