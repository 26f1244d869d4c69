using Approvals.Server.Auth;
using Approvals.Server.Http;

namespace Approvals.Server.Features.Directory;

public static class DirectoryApi
{
    /// <summary>Maps the directory routes (admin only) under the authorized <c>/api</c> group.</summary>
    public static RouteGroupBuilder MapDirectoryEndpoints(this RouteGroupBuilder api)
    {
        var directory = api.MapGroup("/directory").WithTags("Directory").RequireAuthorization(Policies.Admin)
            .ProducesErrors(StatusCodes.Status403Forbidden);
        ListUsers.Map(directory);
        ListGroups.Map(directory);
        PutUser.Map(directory);
        PutGroup.Map(directory);
        return api;
    }
}

public sealed record UserView(string Email, string DisplayName, IReadOnlyList<string> Roles, string? Manager, IReadOnlyList<string> Groups,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record GroupView(string Name, string? DisplayName, IReadOnlyList<string> Members);

public static partial class DirectoryRules
{
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static bool IsEmail(string email) => EmailPattern().IsMatch(email) && email.Length <= 320;

    public static bool IsGroupName(string name) => GroupPattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[^@\s""<>(),;:\\]+@[^@\s""<>(),;:\\]+\.[^@\s""<>(),;:\\]+$")]
    private static partial System.Text.RegularExpressions.Regex EmailPattern();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex GroupPattern();
}
