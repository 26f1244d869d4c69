using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>PUT /api/directory/users/{email}</c>: creates or updates a user. On update, a missing password,
/// display name, roles, groups or disabled flag keeps what is there; <c>manager</c> is always replaced (null
/// clears it). A change of password, roles, groups or the disabled flag gives the user a new stamp, which ends
/// every token they hold on every server.
/// </summary>
public static class PutUser
{
    public sealed record Request(string? DisplayName, string? Password, List<string>? Roles, string? Manager, List<string>? Groups, bool? Disabled);

    public sealed record Command(string Email, string? DisplayName, string? Password, IReadOnlyList<string>? Roles, string? Manager,
        IReadOnlyList<string>? Groups, bool? Disabled = null) : ICommand<UserView>;

    public sealed class Handler(ApprovalsDb db, TimeProvider clock, StandingChanges changes) : ICommandHandler<Command, UserView>
    {
        public async ValueTask<UserView> Handle(Command c, CancellationToken ct)
        {
            var email = DirectoryRules.NormalizeEmail(c.Email);
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct);
            var errors = await ValidateAsync(c, email, creating: user is null, ct);
            if (errors.Count > 0) throw new RequestInvalid("The user is not valid.", errors);

            var now = clock.GetUtcNow();
            var wasActiveAdmin = user is { Disabled: false } && user.Roles.Contains(Roles.Admin);
            if (user is null)
            {
                user = new UserRow { Email = email, CreatedAt = now };
                db.Users.Add(user);
            }
            user.DisplayName = c.DisplayName?.Trim() is { Length: > 0 } name ? name : user.DisplayName is { Length: > 0 } old ? old : email;
            var standingChanged = false;
            if (c.Password is not null)
            {
                user.PasswordHash = Passwords.Hash(user, c.Password);
                standingChanged = true;
            }
            if (c.Roles?.Select(r => r.Trim().ToLowerInvariant()).Distinct().ToList() is { } roles)
            {
                standingChanged |= !roles.ToHashSet().SetEquals(user.Roles);
                user.Roles = roles;
            }
            if (c.Disabled is { } disabled && disabled != user.Disabled)
            {
                user.Disabled = disabled;
                standingChanged = true;
            }
            user.Manager = string.IsNullOrWhiteSpace(c.Manager) ? null : DirectoryRules.NormalizeEmail(c.Manager);
            user.UpdatedAt = now;

            var groups = c.Groups?.Select(g => g.Trim()).Distinct(StringComparer.Ordinal).ToList();
            if (groups is not null)
            {
                var current = await db.GroupMembers.Where(m => m.Email == email).ToListAsync(ct);
                var leaving = current.Where(m => !groups.Contains(m.GroupName)).ToList();
                var joining = groups.Where(g => current.All(m => m.GroupName != g)).ToList();
                db.GroupMembers.RemoveRange(leaving);
                foreach (var g in joining) db.GroupMembers.Add(new GroupMemberRow { GroupName = g, Email = email });
                standingChanged |= leaving.Count + joining.Count > 0;
            }
            if (standingChanged) user.SecurityStamp = UserRow.NewStamp();
            if (wasActiveAdmin && !(user.Roles.Contains(Roles.Admin) && !user.Disabled)
                && !await db.Users.AnyAsync(u => u.Email != email && !u.Disabled && u.Roles.Contains(Roles.Admin), ct))
                throw new EngineRefusal(RefusalKind.Conflict,
                    $"{email} is the last enabled administrator: make someone else an administrator first.");

            try
            {
                await changes.SaveAsync(db, standingChanged ? [email] : [], ct, directory: true);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                throw new EngineRefusal(RefusalKind.Conflict, $"User {email} was changed by someone else at the same moment; send the request again.");
            }
            var memberOf = await db.GroupMembers.AsNoTracking().Where(m => m.Email == email).Select(m => m.GroupName).ToListAsync(ct);
            return new UserView(user.Email, user.DisplayName, user.Roles, user.Manager, memberOf.Order(StringComparer.Ordinal).ToList(),
                user.CreatedAt, user.UpdatedAt, user.Disabled, OutOfOfficeView.Of(user));
        }

        private async Task<List<ApiError>> ValidateAsync(Command c, string email, bool creating, CancellationToken ct)
        {
            var errors = new List<ApiError>();
            if (DirectoryRules.HiddenCharacters("email", c.Email) is { } hiddenEmail) errors.Add(hiddenEmail);
            else if (c.Email != c.Email.Trim())
                // "%20admin@example.org" must not quietly become (and overwrite) admin@example.org.
                errors.Add(new ApiError("email", "The email has leading or trailing spaces; send the address alone.", "invalid-value"));
            else if (!DirectoryRules.IsEmail(email))
                errors.Add(new ApiError("email", $"'{c.Email}' is not an email address.", "invalid-value"));
            if (c.DisplayName is { Length: > 200 })
                errors.Add(new ApiError("displayName", "displayName may hold at most 200 characters.", "invalid-value"));
            else if (DirectoryRules.HiddenCharacters("displayName", c.DisplayName) is { } hiddenName) errors.Add(hiddenName);
            if (DirectoryRules.HiddenCharacters("manager", c.Manager) is { } hiddenManager) errors.Add(hiddenManager);
            if (c.Password is null && creating)
                errors.Add(new ApiError("password", "password is required for a new user.", "required"));
            else if (c.Password is not null && c.Password.Length < Passwords.MinLength)
                errors.Add(new ApiError("password", $"password must have at least {Passwords.MinLength} characters.", "invalid-value"));
            if (c.Roles is not null)
                for (var i = 0; i < c.Roles.Count; i++)
                    if (!Roles.All.Contains(c.Roles[i]?.Trim().ToLowerInvariant() ?? ""))
                        errors.Add(new ApiError($"roles[{i}]", $"'{c.Roles[i]}' is not a role; roles are {string.Join(", ", Roles.All)}.", "invalid-value"));
            if (!string.IsNullOrWhiteSpace(c.Manager))
            {
                var manager = DirectoryRules.NormalizeEmail(c.Manager);
                if (manager == email)
                    errors.Add(new ApiError("manager", "A user cannot be their own manager.", "invalid-value"));
                else if (!await db.Users.AnyAsync(u => u.Email == manager, ct))
                    errors.Add(new ApiError("manager", $"There is no user {manager}.", "unknown-user"));
            }
            if (c.Groups is not null)
            {
                var names = c.Groups.Select(g => g?.Trim() ?? "").ToList();
                var known = await db.Groups.Where(g => names.Contains(g.Name)).Select(g => g.Name).ToListAsync(ct);
                for (var i = 0; i < names.Count; i++)
                    if (!known.Contains(names[i]))
                        errors.Add(new ApiError($"groups[{i}]", $"There is no group '{names[i]}'.", "unknown-group"));
            }
            return errors;
        }
    }

    public static void Map(RouteGroupBuilder directory) =>
        directory.MapPut("/users/{email}", async Task<Ok<UserView>> (string email, Request body, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Command(email, body.DisplayName, body.Password, body.Roles, body.Manager, body.Groups, body.Disabled), ct)))
            .WithName("PutUser")
            .WithSummary("Creates or updates a user; a change of password, roles, groups or disabled ends their sessions")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
