using System.ComponentModel.DataAnnotations;
using Approvals.Engine.Runtime;

namespace Approvals.Server.Persistence;

/// <summary>
/// The <c>Engine</c> settings: bounds on what one case may spend, handed to the engine as
/// <see cref="EngineLimits"/> on every step (the engine reads no configuration).
/// </summary>
public sealed class EngineOptions
{
    /// <summary><c>Engine__MaxTasksPerStage</c>: most reviewers one stage may have; an expression naming more faults the case.</summary>
    [Range(1, 10_000)]
    public int MaxTasksPerStage { get; set; } = EngineLimits.DefaultMaxTasksPerStage;

    /// <summary><c>Engine__MaxPendingTimersPerCase</c>: most timers a case may have pending at once.</summary>
    [Range(1, 100_000)]
    public int MaxPendingTimersPerCase { get; set; } = EngineLimits.DefaultMaxPendingTimersPerCase;

    public EngineLimits Limits => new(MaxTasksPerStage, MaxPendingTimersPerCase);
}

public static class EngineOptionsSetup
{
    public static IServiceCollection AddEngineLimits(this IServiceCollection services)
    {
        services.AddOptions<EngineOptions>().BindConfiguration("Engine").ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
