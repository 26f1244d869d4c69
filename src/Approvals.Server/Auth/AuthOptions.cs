using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Approvals.Server.Auth;

/// <summary><c>Auth:*</c> — access tokens.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key, 32+ bytes; when unset (or empty) a random key is generated once and kept in the database.</summary>
    public string? SigningKey { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Auth:TokenLifetime must be between 00:01:00 and 30.00:00:00.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(SigningKey) && Encoding.UTF8.GetByteCount(SigningKey) < 32)
            yield return new ValidationResult("Auth:SigningKey must be at least 32 bytes long (HMAC-SHA256).", [nameof(SigningKey)]);
    }
}
