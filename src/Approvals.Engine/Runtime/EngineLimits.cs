namespace Approvals.Engine.Runtime;

/// <summary>
/// Bounds on what one case may spend, handed to the engine as plain data (the host reads them from its
/// configuration). Going past one faults the case instead of creating the work.
/// </summary>
/// <param name="MaxTasksPerStage">Most reviewers one stage may have: the tasks of a stage run, the candidates of its
/// one task under <c>any</c>, and the people an expression names.</param>
/// <param name="MaxPendingTimersPerCase">Most timers (deadlines, reminders, escalations, waits) a case may have pending at once.</param>
public sealed record EngineLimits(int MaxTasksPerStage = EngineLimits.DefaultMaxTasksPerStage,
    int MaxPendingTimersPerCase = EngineLimits.DefaultMaxPendingTimersPerCase)
{
    public const int DefaultMaxTasksPerStage = 500;
    public const int DefaultMaxPendingTimersPerCase = 5_000;

    public static readonly EngineLimits Default = new();
}

/// <summary>An activity cannot go on safely; <see cref="CaseRun"/> undoes its work and faults the case.</summary>
internal sealed class ActivityFault(string message) : Exception(message);
