using System.Security.Cryptography;
using System.Text;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

/// <summary>
/// The key that signs access tokens. <c>Auth:SigningKey</c> wins; without it a random key is generated once
/// and kept in the database's Settings table, so tokens survive a restart and every server on one database
/// accepts the others' tokens. The key is never logged.
/// </summary>
public sealed class SigningKeys(IOptions<AuthOptions> options)
{
    internal const string SettingName = "auth.signing-key";
    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Current => _key ?? throw new InvalidOperationException("The signing key is loaded at start-up; it is not ready yet.");

    public async Task LoadAsync(ApprovalsDb db, CancellationToken ct)
    {
        if (options.Value.SigningKey is { Length: > 0 } configured)
        {
            var bytes = Encoding.UTF8.GetBytes(configured);
            if (bytes.Length < 32)
                throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes long (HMAC-SHA256).");
            _key = new SymmetricSecurityKey(bytes);
            return;
        }

        var stored = await db.Settings.AsNoTracking().Where(s => s.Name == SettingName).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (stored is null)
        {
            db.Settings.Add(new SettingRow { Name = SettingName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // Another server started at the same moment and stored its key first: use that one.
            }
            db.ChangeTracker.Clear();
            stored = await db.Settings.AsNoTracking().Where(s => s.Name == SettingName).Select(s => s.Value).FirstAsync(ct);
        }
        _key = new SymmetricSecurityKey(Convert.FromBase64String(stored));
    }
}
