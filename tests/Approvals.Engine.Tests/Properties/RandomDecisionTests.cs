using CsCheck;
using Approvals.Engine.Calendars;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Properties;

/// <summary>
/// Cases of every example workflow (workflows/*.json, people from workflows/directory.json) played by random
/// entitled reviewers, with the invariants of <see cref="RandomCase"/> checked after every step. Seeds are
/// fixed, so a failure names the seed that replays it.
/// </summary>
public sealed class RandomDecisionTests
{
    private const int MaxSteps = 200;
    private const int RandomCasesPerWorkflow = 150;
    private const int ApprovingCasesPerWorkflow = 40;

    private static readonly Lazy<(DirectorySnapshot Directory, IReadOnlyList<string> Users)> Demo = new(RepoFiles.DemoDirectory);

    /// <summary>
    /// Not an example: a test flow with what the examples lack — a Wait, a Join any racing a quorum against a
    /// sequential stage, a ChangesRequested port that loops back, requesterManager, a Notify, and an escalation
    /// chain with every action (reassign, notify, addReviewers, decide) counted in a business calendar.
    /// </summary>
    private const string KitchenSink = "kitchen-sink (test)";

    /// <summary>The kitchen sink's calendars: "office" (Berlin, Monday–Friday) and "gaza" (Sunday–Thursday).</summary>
    private static readonly CalendarSet Calendars = new CalendarSet()
        .Add(new BusinessCalendar("office", "Europe/Berlin",
            [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
            new TimeOnly(8, 0), new TimeOnly(16, 0), [new DateOnly(2026, 1, 6)]))
        .Add(new BusinessCalendar("gaza", "Asia/Gaza",
            [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday],
            new TimeOnly(8, 0), new TimeOnly(16, 0), []));

    public static TheoryData<string> Workflows()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in RepoFiles.ExampleWorkflows()) data.Add(name);
        data.Add(KitchenSink);
        return data;
    }

    private static Approvals.Engine.Model.WorkflowDefinition Load(string workflow) => workflow == KitchenSink
        ? Definitions.ParseWithCalendar("office", """
            [ {"id": "start", "type": "Start"},
              {"id": "intake", "type": "Review", "assignees": {"groups": ["intake-officers"]}, "sla": "P1D", "reminders": ["PT4H", "P1D"],
               "escalations": [{"after": "P2D", "action": "reassign", "to": {"groups": ["intake-supervisors"]}},
                               {"after": "P3D", "action": "notify", "to": {"assignee": true, "assigneeManager": true, "requesterManager": true}},
                               {"after": "P4D", "action": "decide", "outcome": "Rejected"}]},
              {"id": "checks", "type": "Fork"},
              {"id": "criminal", "type": "Review", "assignees": {"groups": ["records-office"]}},
              {"id": "screeners", "type": "Review", "assignees": {"groups": ["affiliation-screeners"]}, "policy": {"mode": "all"},
               "sla": "PT12H", "calendar": "gaza",
               "escalations": [{"after": "PT6H", "action": "addReviewers", "to": {"groups": ["intake-supervisors"]}},
                               {"after": "P1D", "action": "reassign", "to": {"groups": ["records-office", "vetting-board"]}}]},
              {"id": "pause", "type": "Wait", "duration": "PT2H"},
              {"id": "gathered", "type": "Join", "mode": "all"},
              {"id": "race", "type": "Fork"},
              {"id": "board", "type": "Review", "assignees": {"groups": ["vetting-board"]}, "policy": {"mode": "quorum", "approvals": 2},
               "reminders": ["PT1H"],
               "escalations": [{"after": "PT8H", "action": "addReviewers", "to": {"groups": ["intake-supervisors"]}},
                               {"after": "P1D", "action": "reassign", "to": {"groups": ["records-office"]}},
                               {"after": "P2D", "action": "decide", "outcome": "Approved"}]},
              {"id": "docs", "type": "Review", "assignees": {"users": ["editor@example.org", "legal@example.org"]}, "policy": {"mode": "sequential"},
               "calendar": "missing",
               "escalations": [{"after": "PT3H", "action": "addReviewers", "to": {"groups": ["finance"]}},
                               {"after": "P1D", "action": "reassign", "to": {"users": ["legal@example.org"], "groups": ["intake-officers"]}}]},
              {"id": "first", "type": "Join", "mode": "any"},
              {"id": "risk", "type": "Decision", "condition": "case.data.riskScore >= 50 && stages.intake.outcome === 'Approved'"},
              {"id": "manager", "type": "Review", "assignees": {"requesterManager": true}, "sla": "P1D",
               "escalations": [{"after": "P1D", "action": "addReviewers", "to": {"users": ["admin@example.org"]}}]},
              {"id": "tell", "type": "Notify", "to": {"requester": true, "requesterManager": true}, "template": "case-update"},
              {"id": "appointed", "type": "End", "outcome": "Approved"},
              {"id": "refused", "type": "End", "outcome": "Rejected"} ]
            """,
            "start.Done -> intake", "intake.Approved -> checks", "intake.Rejected -> refused",
            "checks.Done -> criminal", "checks.Done -> screeners", "checks.Done -> pause",
            "criminal.Approved -> gathered", "criminal.Rejected -> refused",
            "screeners.Approved -> gathered", "screeners.Rejected -> refused", "screeners.ChangesRequested -> intake",
            "pause.Done -> gathered", "gathered.Done -> race", "race.Done -> board", "race.Done -> docs",
            "board.Approved -> first", "board.Rejected -> refused", "docs.Approved -> first", "docs.Rejected -> refused",
            "first.Done -> risk", "risk.True -> manager", "risk.False -> tell", "tell.Done -> appointed",
            "manager.Approved -> appointed", "manager.Rejected -> refused")
        : RepoFiles.ExampleWorkflows().Single(w => w.Name == workflow).Definition;

    [Fact]
    public void ExampleWorkflows_InRepository_AtLeastThree()
    {
        Assert.True(RepoFiles.ExampleWorkflows().Count >= 3, "workflows/ should hold the example definitions.");
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Apply_RandomEntitledActions_InvariantsHoldAndReplayIsIdentical(string workflow)
    {
        var definition = Load(workflow);
        var outcomes = new Dictionary<CaseStatus, int>();
        var seen = new HashSet<string>();
        for (var i = 0; i < RandomCasesPerWorkflow; i++)
        {
            var seed = 1000 + i;
            var run = Play(definition, workflow, seed, alwaysApprove: false);
            seen.UnionWith(run.Seen);
            outcomes[run.State.Status] = outcomes.GetValueOrDefault(run.State.Status) + 1;
            if (!run.State.IsTerminal) continue;

            // The same events give the same bytes.
            var replayed = WorkflowEngine.Start(definition, run.Start, Demo.Value.Directory, Calendars).State;
            foreach (var e in run.Events) replayed = WorkflowEngine.Apply(definition, replayed, e, Demo.Value.Directory, Calendars).State;
            Assert.True(CaseStateJson.Serialize(run.State) == CaseStateJson.Serialize(replayed), $"{workflow} seed {seed}: a replay gave another state.");
        }
        // The random walk is worth something only if it reaches more than one ending.
        Assert.True(outcomes.Count >= 2, $"{workflow}: every random case ended {string.Join(", ", outcomes.Keys)}.");
        if (workflow == KitchenSink)
        {
            string[] timers = [AuditActions.ReminderSent, AuditActions.DeadlinePassed, AuditActions.CalendarMissing,
                "Escalated:notify", "Escalated:reassign", "Escalated:addReviewers", "Escalated:decide"];
            Assert.True(timers.All(seen.Contains), $"{workflow}: the walk never reached {string.Join(", ", timers.Where(t => !seen.Contains(t)))}.");
        }
    }

    /// <summary>
    /// The same walk driven by CsCheck: it draws the seeds, and on a failure shrinks to the smallest
    /// failing seed and prints a CsCheck seed string that replays the run.
    /// </summary>
    [Theory]
    [MemberData(nameof(Workflows))]
    public void Apply_CsCheckDrawnSeeds_InvariantsHold(string workflow)
    {
        var definition = Load(workflow);
        Gen.Int[0, 1_000_000].Sample(seed => { Play(definition, workflow, seed, alwaysApprove: false); }, iter: 60, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Apply_EveryoneApproves_CaseClosesWithinTheStepBound(string workflow)
    {
        var definition = Load(workflow);
        for (var i = 0; i < ApprovingCasesPerWorkflow; i++)
        {
            var seed = 5000 + i;
            var run = Play(definition, workflow, seed, alwaysApprove: true);
            Assert.True(run.State.IsTerminal, $"{workflow} seed {seed}: still {run.State.Status} after {MaxSteps} steps of approvals.\n{Tail(run)}");
            Assert.NotEqual(CaseStatus.Withdrawn, run.State.Status);
        }
    }

    private static RandomCase Play(Approvals.Engine.Model.WorkflowDefinition definition, string workflow, int seed, bool alwaysApprove)
    {
        RandomCase? run = null;
        try
        {
            run = new RandomCase(definition, Demo.Value.Directory, Demo.Value.Users, seed, alwaysApprove, Calendars);
            for (var step = 0; step < MaxSteps && run.Next(); step++) { }
            return run;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Assert.Fail($"{workflow} seed {seed} (alwaysApprove: {alwaysApprove}) broke an invariant: {ex.GetType().Name}: {ex.Message}\n{(run is null ? "" : Tail(run))}");
            throw;
        }
    }

    private static string Tail(RandomCase run) => string.Join("\n", run.Trace.TakeLast(25));
}
