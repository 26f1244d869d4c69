using System.Text.Json.Nodes;
using Approvals.Engine.Calendars;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;

namespace Approvals.Engine.Tests.Support;

/// <summary>
/// Drives one case through <see cref="WorkflowEngine"/> as the server would: keeps the latest state, hands it
/// back with each event, and moves a fake clock one minute per event (a timer fired at its due time moves the
/// clock there). A refused event leaves the state as it was.
/// </summary>
internal sealed class CaseDriver
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    public static readonly Guid DefaultCaseId = new("6f1c2a9e-0000-4000-8000-000000000001");
    public const string Requester = "requester@example.org";

    private DateTimeOffset _clockBase = T0;
    private int _clockBaseSteps;

    private CaseDriver(WorkflowDefinition definition, IDirectoryView directory, ICalendarView? calendars, Step first)
    {
        Definition = definition;
        Directory = directory;
        Calendars = calendars;
        Last = first;
        State = first.State;
        Steps.Add(first);
    }

    public WorkflowDefinition Definition { get; }
    public IDirectoryView Directory { get; }
    public ICalendarView? Calendars { get; }
    public CaseState State { get; private set; }
    public Step Last { get; private set; }
    public List<Step> Steps { get; } = [];
    public DateTimeOffset Now => _clockBase.AddMinutes(Steps.Count - _clockBaseSteps);

    public static CaseDriver Start(WorkflowDefinition definition, IDirectoryView? directory = null, JsonObject? data = null,
        string requester = Requester, Guid? caseId = null, ICalendarView? calendars = null, DateTimeOffset? at = null)
    {
        var e = new StartCase(caseId ?? DefaultCaseId, requester, "Test case", data ?? [], at ?? T0);
        var driver = new CaseDriver(definition, directory ?? DirectorySnapshot.Empty, calendars,
            WorkflowEngine.Start(definition, e, directory ?? DirectorySnapshot.Empty, calendars));
        if (at is { } start) driver.MoveClock(start);
        return driver;
    }

    public Step Apply(CaseEvent e)
    {
        var step = WorkflowEngine.Apply(Definition, State, e, Directory, Calendars);
        Last = step;
        State = step.State;
        Steps.Add(step);
        return step;
    }

    /// <summary>Replaces the state by its JSON copy, as a server that stores it between requests would hold it.</summary>
    public void Reload() => State = CaseStateJson.Deserialize(CaseStateJson.Serialize(State));

    public Step Decide(ReviewTask task, string actor, Decision decision = Decision.Approve, string? comment = null, bool admin = false) =>
        Apply(new DecideTask(task.Id, decision, comment, actor, Now) { ActorIsAdmin = admin });

    /// <summary>Decides the one open task assigned to <paramref name="actor"/>.</summary>
    public Step Decide(string actor, Decision decision = Decision.Approve, string? comment = null) =>
        Decide(TaskOf(actor), actor, decision, comment);

    public Step Claim(ReviewTask task, string actor, bool admin = false) => Apply(new ClaimTask(task.Id, actor, Now) { ActorIsAdmin = admin });

    public Step Delegate(ReviewTask task, string to, string actor, bool admin = false) =>
        Apply(new DelegateTask(task.Id, to, null, actor, Now) { ActorIsAdmin = admin });

    public Step Withdraw(string actor = Requester, bool admin = false) => Apply(new WithdrawCase("No longer needed.", actor, Now) { ActorIsAdmin = admin });

    public Step Resubmit(JsonObject? data = null, string actor = Requester, bool admin = false) =>
        Apply(new ResubmitCase(data, "Fixed.", actor, Now) { ActorIsAdmin = admin });

    public Step Fire(Guid timerId) => Apply(new FireTimer(timerId, Now));

    /// <summary>Fires a timer at <paramref name="at"/>, as a job would, and moves the clock there.</summary>
    public Step Fire(Guid timerId, DateTimeOffset at)
    {
        var step = Apply(new FireTimer(timerId, at));
        MoveClock(at);
        return step;
    }

    /// <summary>Fires the earliest pending timer (the first created among equals) at its due time.</summary>
    public (CaseTimer Timer, Step Step) FireNext()
    {
        var timer = State.PendingTimers.OrderBy(t => t.DueAt).First();
        return (timer, Fire(timer.Id, timer.DueAt));
    }

    /// <summary>The pending timers of one kind, in the order they were created.</summary>
    public IReadOnlyList<CaseTimer> Pending(TimerKind kind) => State.PendingTimers.Where(t => t.Kind == kind).ToList();

    /// <summary>The next event happens one minute after <paramref name="at"/>.</summary>
    private void MoveClock(DateTimeOffset at)
    {
        _clockBase = at;
        _clockBaseSteps = Steps.Count - 1;
    }

    /// <summary>Runs <paramref name="action"/>, expects a refusal of <paramref name="kind"/>, and checks that the state did not move.</summary>
    public EngineRefusal Refused(RefusalKind kind, Action<CaseDriver> action)
    {
        var before = CaseStateJson.Serialize(State);
        var steps = Steps.Count;
        var refusal = Assert.Throws<EngineRefusal>(() => action(this));
        Assert.Equal(kind, refusal.Kind);
        Assert.Equal(steps, Steps.Count);
        Assert.Equal(before, CaseStateJson.Serialize(State));
        return refusal;
    }

    public IReadOnlyList<ReviewTask> Open => State.OpenTasks.ToList();

    public IReadOnlyList<ReviewTask> OpenIn(string activityId) => State.OpenTasks.Where(t => t.ActivityId == activityId).ToList();

    /// <summary>The one open task of a stage.</summary>
    public ReviewTask OpenTask(string activityId) => Assert.Single(OpenIn(activityId));

    /// <summary>The one open task assigned to <paramref name="person"/>.</summary>
    public ReviewTask TaskOf(string person) => Assert.Single(State.OpenTasks, t => t.Assignee == person);

    public ReviewTask Task(Guid id) => State.FindTask(id) ?? throw new InvalidOperationException($"No task {id}.");

    /// <summary>The actions of every audit entry so far, in order.</summary>
    public IReadOnlyList<string> AuditActions => Steps.SelectMany(s => s.Audit).Select(a => a.Action).ToList();

    public IEnumerable<AuditEntry> AuditOf(string action) => Steps.SelectMany(s => s.Audit).Where(a => a.Action == action);
}
