namespace Approvals.Server.Features.Examples;

/// <summary><c>Examples:*</c> — the example workflows and demo directory.</summary>
public sealed class ExamplesOptions
{
    public const string Section = "Examples";

    /// <summary>Unset: on for the embedded store, off for PostgreSQL.</summary>
    public bool? Load { get; set; }

    public string? Path { get; set; }
}
