using Approvals.Server.Persistence;
using Microsoft.AspNetCore.Identity;

namespace Approvals.Server.Auth;

/// <summary>ASP.NET Core Identity's PBKDF2 hasher, used on its own.</summary>
public static class Passwords
{
    public const int MinLength = 8;

    private static readonly PasswordHasher<UserRow> Hasher = new();

    // Checked against when the user is unknown, so an unknown email costs as much time as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword(new UserRow(), "not-a-real-password"));

    public static string Hash(UserRow user, string password) => Hasher.HashPassword(user, password);

    public static bool Verify(UserRow? user, string password)
    {
        if (user is null || string.IsNullOrEmpty(user.PasswordHash))
        {
            Hasher.VerifyHashedPassword(new UserRow(), DecoyHash.Value, password);
            return false;
        }
        return Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
    }
}
