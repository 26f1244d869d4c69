using System.ComponentModel.DataAnnotations;

namespace Approvals.Server.Jobs;

/// <summary><c>Jobs:*</c> — Hangfire workers and the timer sweep.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    [Range(1, 1000, ErrorMessage = "Jobs:Workers must be between 1 and 1000.")]
    public int Workers { get; set; } = Math.Max(8, Environment.ProcessorCount * 4);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Jobs:OverdueAfter must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Hangfire file of the embedded store; beside the case database when unset.</summary>
    public string? SqlitePath { get; set; }
}
