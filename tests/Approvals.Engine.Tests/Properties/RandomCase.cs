using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;

namespace Approvals.Engine.Tests.Properties;

/// <summary>
/// One case of an example workflow played by random but entitled people: decisions, claims, delegations,
/// resubmissions, withdrawals, timer firings (any pending timer, or the earliest at its due time, as the server
/// would), and now and then an action that must be refused. Every choice
/// comes from a seeded <see cref="Random"/>, so a seed replays the same story. Broken invariants throw.
/// </summary>
internal sealed class RandomCase
{
    public const string Admin = "admin@example.org";
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly WorkflowDefinition _def;
    private readonly DirectorySnapshot _directory;
    private readonly ICalendarView? _calendars;
    private readonly IReadOnlyList<string> _users;
    private readonly Random _rng;
    private readonly bool _alwaysApprove;
    private readonly int _rejectPercent;
    private readonly Dictionary<Guid, string> _finished = [];
    private readonly Dictionary<Guid, TimerStatus> _spentTimers = [];
    private DateTimeOffset _now = T0;

    public RandomCase(WorkflowDefinition def, DirectorySnapshot directory, IReadOnlyList<string> users, int seed, bool alwaysApprove,
        ICalendarView? calendars = null)
    {
        _def = def;
        _directory = directory;
        _calendars = calendars;
        _users = users;
        _rng = new Random(seed);
        _alwaysApprove = alwaysApprove;
        _rejectPercent = new[] { 3, 10, 25 }[_rng.Next(3)];
        var requesters = users.Where(u => u != Admin).ToList(); // an admin requester could leave an admin-only task with no one to decide it
        Requester = requesters[_rng.Next(requesters.Count)];
        Start = new StartCase(new Guid(seed, 0, 0, new byte[8]), Requester, "Random case", RandomData(), T0);
        var step = WorkflowEngine.Start(def, Start, directory, calendars);
        State = step.State;
        Trace.Add($"start by {Requester} with {Start.Data.ToJsonString()}");
        Check(step, null);
    }

    public string Requester { get; }
    public StartCase Start { get; }
    public CaseState State { get; private set; }
    public List<CaseEvent> Events { get; } = [];
    public List<string> Trace { get; } = [];

    /// <summary>Audit actions seen so far (escalations as <c>Escalated:action</c>): shows what the walk reached.</summary>
    public HashSet<string> Seen { get; } = [];

    /// <summary>Takes one random action. False when the case is closed and nothing is left to do.</summary>
    public bool Next()
    {
        if (State.IsTerminal) return false;
        _now = _now.AddMinutes(_rng.Next(1, 600));
        var open = State.OpenTasks.ToList();
        var options = new List<(int Weight, Action Act)>();
        if (open.Count > 0) options.Add((20, () => DecideOne(open)));
        if (open.Count > 0 && !_alwaysApprove) options.Add((2, () => DelegateOne(open)));
        if (open.Any(t => t.IsGroupTask)) options.Add((2, () => ClaimOne(open.Where(t => t.IsGroupTask).ToList())));
        if (State.Status == CaseStatus.ChangesRequested) options.Add((10, Resubmit));
        if (State.PendingTimers.Any()) options.Add((5, FireOne));
        if (State.PendingTimers.Any()) options.Add((5, FireEarliest));
        if (!_alwaysApprove)
        {
            options.Add((1, () => Apply(new WithdrawCase("Withdrawn at random.", Requester, _now))));
            options.Add((3, Probe));
        }
        var roll = _rng.Next(options.Sum(o => o.Weight));
        foreach (var (weight, act) in options)
        {
            if (roll < weight) { act(); break; }
            roll -= weight;
        }
        return true;
    }

    // ---- actions ------------------------------------------------------------------------------------

    private void DecideOne(List<ReviewTask> open)
    {
        var task = Pick(open);
        var (actor, admin) = Pick(Entitled(task));
        var roll = _rng.Next(100);
        var decision = _alwaysApprove || roll >= 2 * _rejectPercent ? Decision.Approve
            : roll < _rejectPercent ? Decision.Reject : Decision.RequestChanges;
        Apply(new DecideTask(task.Id, decision, $"random {decision}", actor, _now) { ActorIsAdmin = admin });
    }

    private void ClaimOne(List<ReviewTask> groupTasks)
    {
        var task = Pick(groupTasks);
        var (actor, admin) = Pick(Entitled(task));
        Apply(new ClaimTask(task.Id, actor, _now) { ActorIsAdmin = admin });
    }

    private void DelegateOne(List<ReviewTask> open)
    {
        var task = Pick(open);
        var (actor, admin) = Pick(Entitled(task));
        var stage = State.Stages.Single(s => s.Sequence == task.StageSequence);
        var taken = State.OpenTasks.Where(t => t.StageSequence == stage.Sequence).Select(t => t.Assignee)
            .Concat(stage.Voters).Concat(stage.Pending).Append(Requester).ToHashSet();
        var targets = _users.Where(u => !taken.Contains(u)).ToList();
        if (targets.Count == 0) return;
        Apply(new DelegateTask(task.Id, Pick(targets), "over to you", actor, _now) { ActorIsAdmin = admin });
    }

    private void Resubmit() => Apply(new ResubmitCase(_rng.Next(2) == 0 ? RandomData() : null, "changed", Requester, _now));

    private void FireOne()
    {
        var timer = Pick(State.PendingTimers.ToList());
        if (timer.DueAt > _now) _now = timer.DueAt;
        Apply(new FireTimer(timer.Id, _now));
    }

    /// <summary>The earliest pending timer fires at its due time (or now, when that has passed), as the server's job would.</summary>
    private void FireEarliest()
    {
        var timer = State.PendingTimers.OrderBy(t => t.DueAt).First();
        if (timer.DueAt > _now) _now = timer.DueAt;
        Apply(new FireTimer(timer.Id, _now));
    }

    /// <summary>An action that must be refused, and must leave the state as it was.</summary>
    private void Probe()
    {
        var open = State.OpenTasks.ToList();
        var closed = State.Tasks.Where(t => t.Status != ReviewTaskStatus.Open).ToList();
        switch (_rng.Next(4))
        {
            case 0 when open.Count > 0:
                Refused(RefusalKind.Forbidden, new DecideTask(Pick(open).Id, Decision.Approve, null, Requester, _now) { ActorIsAdmin = _rng.Next(2) == 0 });
                break;
            case 1 when open.Count > 0:
                var task = Pick(open);
                var outsiders = _users.Where(u => u != Requester && !IsCandidate(task, u)).ToList();
                if (outsiders.Count > 0) Refused(RefusalKind.Forbidden, new DecideTask(task.Id, Decision.Reject, null, Pick(outsiders), _now));
                break;
            case 2 when closed.Count > 0:
                var done = Pick(closed);
                Refused(RefusalKind.Conflict, new DecideTask(done.Id, Decision.Approve, null, done.DecidedBy ?? Admin, _now) { ActorIsAdmin = true });
                break;
            case 3 when State.Status != CaseStatus.ChangesRequested:
                Refused(RefusalKind.Conflict, new ResubmitCase(null, null, Requester, _now));
                break;
        }
    }

    private void Apply(CaseEvent e)
    {
        Trace.Add(Describe(e));
        var before = State;
        var step = WorkflowEngine.Apply(_def, State, e, _directory, _calendars); // an entitled action must not be refused
        Events.Add(e);
        State = step.State;
        Check(step, before);
    }

    private void Refused(RefusalKind kind, CaseEvent e)
    {
        Trace.Add("(expect " + kind + ") " + Describe(e));
        var before = CaseStateJson.Serialize(State);
        var refusal = Assert.Throws<EngineRefusal>(() => WorkflowEngine.Apply(_def, State, e, _directory, _calendars));
        Assert.Equal(kind, refusal.Kind);
        Assert.Equal(before, CaseStateJson.Serialize(State));
    }

    // ---- who may act --------------------------------------------------------------------------------

    /// <summary>Who may decide the task: its assignee, else its candidates, else (no one eligible) an admin.</summary>
    private List<(string Actor, bool Admin)> Entitled(ReviewTask task)
    {
        if (task.Assignee is { } assignee) return [(assignee, false)];
        var people = task.CandidateUsers.Concat(task.CandidateGroups.SelectMany(_directory.MembersOf))
            .Where(p => p != Requester).Distinct().Order(StringComparer.Ordinal).ToList();
        return people.Count > 0 ? people.Select(p => (p, false)).ToList() : [(Admin, true)];
    }

    private bool IsCandidate(ReviewTask task, string who) => task.Assignee is null
        ? task.CandidateUsers.Contains(who) || task.CandidateGroups.Any(g => _directory.IsMember(who, g))
        : task.Assignee == who;

    // ---- invariants ---------------------------------------------------------------------------------

    private void Check(Step step, CaseState? before)
    {
        var s = step.State;
        foreach (var entry in step.Audit)
            Seen.Add(entry.Action == AuditActions.Escalated ? $"{entry.Action}:{entry.Details?["action"]}" : entry.Action);
        if (before is not null) Assert.False(before.IsTerminal, "an event was applied to a closed case");

        if (!s.IsTerminal)
            Assert.True(s.OpenTasks.Any() || s.PendingTimers.Any() || s.Status is CaseStatus.ChangesRequested or CaseStatus.Faulted,
                "an open case waits for nothing");
        else
        {
            Assert.Empty(s.OpenTasks);
            Assert.Empty(s.PendingTimers);
            Assert.Empty(s.Stages);
            Assert.Empty(s.Waits);
            Assert.NotNull(s.CompletedAt);
        }
        Assert.Equal(s.Status == CaseStatus.ChangesRequested, s.ChangesRequestedBy.Count > 0);
        // Changes requested: the file is with the requester, nobody else reviews it meanwhile.
        if (s.Status == CaseStatus.ChangesRequested) { Assert.Empty(s.OpenTasks); Assert.Empty(s.Waits); }
        // Faulted: exactly one fault, and while it lasts no task is created or decided.
        Assert.Equal(s.Status == CaseStatus.Faulted, s.Fault is not null);
        if (before is { Status: CaseStatus.Faulted } && s.Status == CaseStatus.Faulted)
        {
            Assert.Empty(step.Effects.OfType<TaskCreated>());
            Assert.All(step.Effects.OfType<TaskChanged>(), c => Assert.Equal(ReviewTaskStatus.Cancelled, c.Task.Status));
        }
        Assert.Equal(s.IsTerminal && before is not { IsTerminal: true }, step.Effects.OfType<CaseCompleted>().Any());

        // Separation of duties.
        Assert.DoesNotContain(s.Tasks, t => t.Assignee == Requester || t.DecidedBy == Requester || t.CandidateUsers.Contains(Requester));
        foreach (var created in step.Effects.OfType<TaskCreated>()) Assert.Contains(created.Task.Id, s.Tasks.Select(t => t.Id));
        Assert.DoesNotContain(step.Effects.OfType<NotificationRequested>(), n => n.Event == "TaskAssigned" && n.To.Contains(Requester));

        // Tasks: unique ids, open ones belong to a live stage, one vote per person per stage, finished ones never change.
        Assert.Equal(s.Tasks.Count, s.Tasks.Select(t => t.Id).Distinct().Count());
        foreach (var open in s.OpenTasks) Assert.Contains(s.Stages, st => st.Sequence == open.StageSequence);
        foreach (var stage in s.Tasks.Where(t => t.DecidedBy is not null).GroupBy(t => t.StageSequence))
            Assert.Equal(stage.Count(), stage.Select(t => t.DecidedBy).Distinct().Count());
        foreach (var task in s.Tasks)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(task, CaseStateJson.Options);
            if (_finished.TryGetValue(task.Id, out var was)) Assert.Equal(was, json);
            else if (task.Status != ReviewTaskStatus.Open) _finished[task.Id] = json;
            if (task.Status == ReviewTaskStatus.Completed) Assert.NotNull(task.Decision);
        }
        Assert.True(_finished.Keys.All(id => s.FindTask(id) is not null), "a finished task disappeared");

        // Timers: a pending one belongs to something still open; a fired or cancelled one stays so.
        foreach (var timer in s.PendingTimers)
        {
            if (timer.TaskId is { } taskId) Assert.Equal(ReviewTaskStatus.Open, s.FindTask(taskId)?.Status);
            if (timer.Kind == TimerKind.Wait) Assert.Contains(s.Waits, w => w.TimerId == timer.Id);
            else Assert.Contains(s.Stages, st => st.Sequence == timer.StageSequence);
        }
        foreach (var timer in s.Timers)
        {
            if (_spentTimers.TryGetValue(timer.Id, out var was)) Assert.Equal(was, timer.Status);
            else if (timer.Status != TimerStatus.Pending) _spentTimers[timer.Id] = timer.Status;
        }
        Assert.Equal(s.Timers.Count, s.Timers.Select(t => t.Id).Distinct().Count());
        foreach (var task in s.OpenTasks.Where(t => t.DueAt is not null))
            Assert.Contains(s.Timers, t => t.TaskId == task.Id && t.Kind == TimerKind.Deadline && t.DueAt == task.DueAt);
    }

    // ---- randomness ---------------------------------------------------------------------------------

    private JsonObject RandomData() => new()
    {
        ["riskScore"] = _rng.Next(0, 101),
        ["amount"] = _rng.Next(0, 20_001),
        ["candidateName"] = "Candidate " + _rng.Next(1000),
        ["nationalId"] = "ID-" + _rng.Next(100_000),
        ["description"] = "Random request",
        ["title"] = "Random document",
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private static string Describe(CaseEvent e) => e switch
    {
        DecideTask d => $"{d.Actor}{(d.ActorIsAdmin ? " (admin)" : "")} decides {d.TaskId} {d.Decision}",
        ClaimTask c => $"{c.Actor} claims {c.TaskId}",
        DelegateTask d => $"{d.Actor} delegates {d.TaskId} to {d.To}",
        ResubmitCase r => $"{r.Actor} resubmits{(r.Data is null ? "" : " with " + r.Data.ToJsonString())}",
        WithdrawCase w => $"{w.Actor} withdraws",
        FireTimer f => $"timer {f.TimerId} fires",
        _ => e.GetType().Name,
    };
}
