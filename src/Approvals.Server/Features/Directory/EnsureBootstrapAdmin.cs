using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>Bootstrap:AdminEmail</c> + <c>Bootstrap:AdminPassword</c>: at start-up the user exists, holds the admin
/// role, is not disabled and has that password, so an operator can sign in to an empty production database (or
/// regain access to one).
/// </summary>
public static class EnsureBootstrapAdmin
{
    public static async Task RunAsync(ApprovalsDb db, BootstrapOptions options, TimeProvider clock, StandingChanges changes, ILogger log, CancellationToken ct)
    {
        var email = options.AdminEmail?.Trim().ToLowerInvariant();
        var password = options.AdminPassword;
        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(password)) return;
        if (string.IsNullOrEmpty(email) || string.IsNullOrEmpty(password) || !DirectoryRules.IsEmail(email))
            throw new InvalidOperationException("Set both Bootstrap:AdminEmail (an email address) and Bootstrap:AdminPassword, or neither.");

        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct);
            if (user is null)
            {
                user = new UserRow { Email = email, DisplayName = "Administrator", CreatedAt = now, UpdatedAt = now, Roles = [Roles.Admin] };
                user.PasswordHash = Passwords.Hash(user, password);
                db.Users.Add(user);
            }
            else
            {
                var changed = false;
                if (!user.Roles.Contains(Roles.Admin))
                {
                    user.Roles = [.. user.Roles, Roles.Admin];
                    changed = true;
                }
                if (!Passwords.Verify(user, password))
                {
                    user.PasswordHash = Passwords.Hash(user, password);
                    changed = true;
                }
                if (user.Disabled)
                {
                    user.Disabled = false;
                    changed = true;
                }
                if (!changed) return;
                user.SecurityStamp = UserRow.NewStamp();
                user.UpdatedAt = now;
            }
            try
            {
                await changes.SaveAsync(db, [email], ct, directory: true);
                log.LogInformation("Bootstrap admin ensured");
                return;
            }
            catch (DbUpdateException e) when (attempt < 3 && e.IsUniqueViolation())
            {
                db.ChangeTracker.Clear(); // another server created it at the same moment: check it again
            }
        }
    }
}
