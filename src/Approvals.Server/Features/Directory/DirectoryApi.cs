using Approvals.Server.Auth;
using Approvals.Server.Http;

namespace Approvals.Server.Features.Directory;

public static class DirectoryApi
{
    /// <summary>Maps the directory routes (admin only, apart from <c>/people</c> and <c>/groups</c>) under the authorized <c>/api</c> group.</summary>
    public static RouteGroupBuilder MapDirectoryEndpoints(this RouteGroupBuilder api)
    {
        var directory = api.MapGroup("/directory").WithTags("Directory").RequireAuthorization(Policies.Admin)
            .ProducesErrors(StatusCodes.Status403Forbidden);
        ListUsers.Map(directory);
        ListGroups.Map(directory);
        PutUser.Map(directory);
        PutGroup.Map(directory);
        DeleteUser.Map(directory);
        // Any signed-in user may look up whom to delegate to; only names and emails leave.
        FindPeople.Map(api);
        // Designers pick the groups a Review is assigned to; only names and member counts leave.
        FindGroups.Map(api);
        // A user sets their own absence; an administrator anyone's.
        SetOutOfOffice.Map(api);
        return api;
    }
}

public sealed record UserView(string Email, string DisplayName, IReadOnlyList<string> Roles, string? Manager, IReadOnlyList<string> Groups,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Disabled = false, OutOfOfficeView? OutOfOffice = null);

/// <summary>An absence: from when until when, and who gets new tasks meanwhile.</summary>
public sealed record OutOfOfficeView(DateTimeOffset From, DateTimeOffset Until, string Delegate)
{
    public static OutOfOfficeView? Of(Persistence.UserRow u) =>
        u is { AwayFrom: { } from, AwayUntil: { } until, AwayDelegate: { } to } ? new OutOfOfficeView(from, until, to) : null;
}

public sealed record GroupView(string Name, string? DisplayName, IReadOnlyList<string> Members);

public static partial class DirectoryRules
{
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static bool IsEmail(string email) => EmailPattern().IsMatch(email) && email.Length <= 320;

    public static bool IsGroupName(string name) => GroupPattern().IsMatch(name);

    /// <summary>
    /// True when <paramref name="text"/> holds a character a reader cannot see or that reorders what they see:
    /// controls, format characters (zero-width spaces and joiners, bidirectional overrides and isolates, BOM),
    /// line and paragraph separators, or a broken surrogate. Such a name can pass for someone else's.
    /// </summary>
    public static bool HasHiddenCharacters(string text) => Http.PlainText.HasHiddenCharacters(text);

    /// <summary>The 400 error for <paramref name="field"/> when it holds hidden characters, else null.</summary>
    public static Http.ApiError? HiddenCharacters(string field, string? text) =>
        text is not null && HasHiddenCharacters(text)
            ? new Http.ApiError(field, $"{field} holds control, zero-width or bidirectional-override characters.", "hidden-characters")
            : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[^@\s""<>(),;:\\]+@[^@\s""<>(),;:\\]+\.[^@\s""<>(),;:\\]+$")]
    private static partial System.Text.RegularExpressions.Regex EmailPattern();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex GroupPattern();
}
