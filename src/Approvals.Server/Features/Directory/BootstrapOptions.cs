using System.ComponentModel.DataAnnotations;

namespace Approvals.Server.Features.Directory;

/// <summary><c>Bootstrap:*</c> — the first administrator, ensured at start-up.</summary>
public sealed class BootstrapOptions : IValidatableObject
{
    public const string Section = "Bootstrap";

    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(AdminEmail) != string.IsNullOrEmpty(AdminPassword))
            yield return new ValidationResult("Set both Bootstrap:AdminEmail and Bootstrap:AdminPassword, or neither.");
    }
}
