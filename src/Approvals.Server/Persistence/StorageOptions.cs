using System.ComponentModel.DataAnnotations;

namespace Approvals.Server.Persistence;

/// <summary><c>Storage:*</c> — which database holds the cases.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    [RegularExpression("(?i)^(sqlite|postgresql|postgres|npgsql)$", ErrorMessage = "Storage:Provider must be Sqlite or PostgreSql.")]
    public string? Provider { get; set; }

    public StoreProvider Store => StorageSetup.Provider(Provider);
}
