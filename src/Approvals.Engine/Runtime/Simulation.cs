using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>One decision of a dry run: on an open task of <paramref name="ActivityId"/>, by <paramref name="By"/> or by whoever the task is for.</summary>
public sealed record SimulatedDecision(string ActivityId, Decision Decision, string? By = null, string? Comment = null);

/// <summary>A dry run: a case started at <paramref name="At"/>, the decisions in order, then the clock moved on by <paramref name="Advance"/>.</summary>
public sealed record SimulationRequest(Guid CaseId, string Requester, string Title, JsonObject Data,
    IReadOnlyList<SimulatedDecision> Decisions, DateTimeOffset At, IsoDuration? Advance);

/// <summary>Where a dry run ended: the case's state, the activities entered in order, its history and the messages it would have sent.</summary>
public sealed record SimulationResult(CaseState State, IReadOnlyList<string> Path, IReadOnlyList<AuditEntry> Audit,
    IReadOnlyList<NotificationRequested> Notifications, DateTimeOffset At);

/// <summary>A decision of a dry run that cannot be applied; <see cref="Index"/> is its position in the list.</summary>
public sealed class SimulationRefused(int index, string message) : Exception(message)
{
    public int Index { get; } = index;
}

/// <summary>
/// Runs the pure engine in memory over a simulated clock: nothing is stored, nothing is sent. Each decision comes
/// one minute after the one before; timers that come due meanwhile fire first, at their due time, as the server's
/// jobs would fire them.
/// </summary>
public static class Simulation
{
    /// <summary>Timers one dry run may fire, so a workflow whose reminders never stop cannot keep it busy.</summary>
    public const int MaxTimerFirings = 10_000;

    /// <param name="ct">Checked before every event: a caller's time budget ends a run that would take too long.</param>
    public static SimulationResult Run(WorkflowDefinition definition, SimulationRequest request, IDirectoryView directory,
        ICalendarView? calendars = null, EngineLimits? limits = null, CancellationToken ct = default)
    {
        var run = new Runner(definition, directory, calendars, limits, ct);
        run.Take(WorkflowEngine.Start(definition, new StartCase(request.CaseId, request.Requester, request.Title, request.Data, request.At),
            directory, calendars, limits));
        var now = request.At;
        for (var i = 0; i < request.Decisions.Count; i++)
        {
            var d = request.Decisions[i];
            now = now.AddMinutes(1);
            run.FireDue(now);
            if (run.State.IsTerminal || run.State.Status == CaseStatus.Faulted)
                throw new SimulationRefused(i, $"The case is already {run.State.Status} before this decision.");
            var task = PickTask(run.State, d, directory)
                ?? throw new SimulationRefused(i, d.By is null
                    ? $"'{d.ActivityId}' has no open task at this point."
                    : $"'{d.ActivityId}' has no open task for {d.By} at this point.");
            var actor = d.By ?? task.Assignee ?? task.CandidateUsers.FirstOrDefault()
                ?? task.CandidateGroups.SelectMany(directory.MembersOf).FirstOrDefault(m => !string.Equals(m, run.State.Requester, StringComparison.OrdinalIgnoreCase))
                ?? throw new SimulationRefused(i, $"Nobody could decide the open task of '{d.ActivityId}': its groups have no members.");
            try
            {
                run.Apply(new DecideTask(task.Id, d.Decision, d.Comment, actor, now));
            }
            catch (EngineRefusal refusal)
            {
                throw new SimulationRefused(i, refusal.Message);
            }
        }
        if (request.Advance is { } advance)
        {
            now = now.Add(advance.ToTimeSpan());
            run.FireDue(now);
        }
        return new SimulationResult(run.State, run.Path, run.Audit, run.Notifications, now);
    }

    private static ReviewTask? PickTask(CaseState state, SimulatedDecision d, IDirectoryView directory)
    {
        var open = state.OpenTasks.Where(t => t.ActivityId == d.ActivityId).ToList();
        if (d.By is not { } by) return open.FirstOrDefault();
        var person = by.Trim().ToLowerInvariant();
        return open.FirstOrDefault(t => t.Assignee == person)
            ?? open.FirstOrDefault(t => t.Assignee is null
                && (t.CandidateUsers.Contains(person) || t.CandidateGroups.Any(g => directory.IsMember(person, g))));
    }

    private sealed class Runner(WorkflowDefinition definition, IDirectoryView directory, ICalendarView? calendars, EngineLimits? limits,
        CancellationToken ct)
    {
        private readonly HashSet<Guid> _fired = [];

        public CaseState State { get; private set; } = new();
        public List<string> Path { get; } = [];
        public List<AuditEntry> Audit { get; } = [];
        public List<NotificationRequested> Notifications { get; } = [];

        public void Take(Step step)
        {
            State = step.State;
            Path.AddRange(step.Entered);
            Audit.AddRange(step.Audit);
            Notifications.AddRange(step.Effects.OfType<NotificationRequested>());
        }

        public void Apply(CaseEvent e)
        {
            ct.ThrowIfCancellationRequested();
            Take(WorkflowEngine.Apply(definition, State, e, directory, calendars, limits));
        }

        /// <summary>Fires every pending timer due by <paramref name="until"/>, earliest first, each at its due time.</summary>
        public void FireDue(DateTimeOffset until)
        {
            // A timer is fired once: one that changed nothing stays pending in the state and is not fired again.
            while (!State.IsTerminal && State.Status != CaseStatus.Faulted && _fired.Count < MaxTimerFirings
                   && State.PendingTimers.Where(t => t.DueAt <= until && !_fired.Contains(t.Id)).OrderBy(t => t.DueAt).FirstOrDefault() is { } timer)
            {
                _fired.Add(timer.Id);
                Apply(new FireTimer(timer.Id, timer.DueAt));
            }
        }
    }
}
