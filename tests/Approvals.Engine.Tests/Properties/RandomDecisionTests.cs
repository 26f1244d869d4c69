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
    /// sequential stage, a ChangesRequested port that loops back, requesterManager and a Notify.
    /// </summary>
    private const string KitchenSink = "kitchen-sink (test)";

    public static TheoryData<string> Workflows()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in RepoFiles.ExampleWorkflows()) data.Add(name);
        data.Add(KitchenSink);
        return data;
    }

    private static Approvals.Engine.Model.WorkflowDefinition Load(string workflow) => workflow == KitchenSink
        ? Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "intake", "type": "Review", "assignees": {"groups": ["intake-officers"]}},
              {"id": "checks", "type": "Fork"},
              {"id": "criminal", "type": "Review", "assignees": {"groups": ["records-office"]}},
              {"id": "screeners", "type": "Review", "assignees": {"groups": ["affiliation-screeners"]}, "policy": {"mode": "all"}},
              {"id": "pause", "type": "Wait", "duration": "PT2H"},
              {"id": "gathered", "type": "Join", "mode": "all"},
              {"id": "race", "type": "Fork"},
              {"id": "board", "type": "Review", "assignees": {"groups": ["vetting-board"]}, "policy": {"mode": "quorum", "approvals": 2}},
              {"id": "docs", "type": "Review", "assignees": {"users": ["editor@example.org", "legal@example.org"]}, "policy": {"mode": "sequential"}},
              {"id": "first", "type": "Join", "mode": "any"},
              {"id": "risk", "type": "Decision", "condition": "case.data.riskScore >= 50 && stages.intake.outcome === 'Approved'"},
              {"id": "manager", "type": "Review", "assignees": {"requesterManager": true}},
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
        for (var i = 0; i < RandomCasesPerWorkflow; i++)
        {
            var seed = 1000 + i;
            var run = Play(definition, workflow, seed, alwaysApprove: false);
            outcomes[run.State.Status] = outcomes.GetValueOrDefault(run.State.Status) + 1;
            if (!run.State.IsTerminal) continue;

            // The same events give the same bytes.
            var replayed = WorkflowEngine.Start(definition, run.Start, Demo.Value.Directory).State;
            foreach (var e in run.Events) replayed = WorkflowEngine.Apply(definition, replayed, e, Demo.Value.Directory).State;
            Assert.True(CaseStateJson.Serialize(run.State) == CaseStateJson.Serialize(replayed), $"{workflow} seed {seed}: a replay gave another state.");
        }
        // The random walk is worth something only if it reaches more than one ending.
        Assert.True(outcomes.Count >= 2, $"{workflow}: every random case ended {string.Join(", ", outcomes.Keys)}.");
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
            run = new RandomCase(definition, Demo.Value.Directory, Demo.Value.Users, seed, alwaysApprove);
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
