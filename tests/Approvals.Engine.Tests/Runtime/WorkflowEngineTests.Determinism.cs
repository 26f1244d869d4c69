using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    /// <summary>A fork with an all stage, a quorum stage and changes requested on the way: many kinds of step.</summary>
    private static WorkflowDefinition Busy() => Definitions.Parse("""
        [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
          {"id": "a", "type": "Review", "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}},
          {"id": "b", "type": "Review", "assignees": {"users": ["dee@example.org"]}},
          {"id": "join", "type": "Join"},
          {"id": "risk", "type": "Decision", "condition": "case.data.riskScore >= 70"},
          {"id": "board", "type": "Review", "assignees": {"groups": ["board"]}, "policy": {"mode": "quorum", "approvals": 2}},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> fork", "fork.Done -> a", "fork.Done -> b", "a.Approved -> join", "a.Rejected -> no",
        "b.Approved -> join", "b.Rejected -> no", "join.Done -> risk", "risk.True -> board", "risk.False -> ok",
        "board.Approved -> ok", "board.Rejected -> no");

    /// <summary>Plays one fixed story and returns the serialised state after every step.</summary>
    private static List<string> PlayBusy(bool reloadBetweenSteps = false)
    {
        var c = CaseDriver.Start(Busy(), Board(), new JsonObject { ["riskScore"] = 80 });
        var states = new List<string> { CaseStateJson.Serialize(c.State) };
        void Then(Action<CaseDriver> act)
        {
            if (reloadBetweenSteps) c.Reload();
            act(c);
            states.Add(CaseStateJson.Serialize(c.State));
        }
        Then(x => x.Decide(Ann, comment: "fine"));
        Then(x => x.Decide(Dee, Decision.RequestChanges));
        Then(x => x.Resubmit(new JsonObject { ["riskScore"] = 75 }));
        Then(x => x.Decide(Bob));
        Then(x => x.Decide(Dee));
        Then(x => x.Decide(Cy));
        // Stage a was cancelled when b asked for changes and started afresh: Ann approves again.
        Then(x => x.Decide(Ann, comment: "still fine"));
        Then(x => x.Decide(Bob, Decision.Reject));
        Then(x => x.Decide(Ann));
        Then(x => x.Decide(Cy));
        Assert.Equal(CaseStatus.Approved, c.State.Status);
        return states;
    }

    [Fact]
    public void Apply_SameEventsTwice_ByteIdenticalStatesAndTaskIds()
    {
        var first = PlayBusy();
        var second = PlayBusy();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Start_CaseId_DeterminesTheTaskIds()
    {
        var one = CaseDriver.Start(Busy(), Board(), caseId: CaseDriver.DefaultCaseId);
        var two = CaseDriver.Start(Busy(), Board(), caseId: CaseDriver.DefaultCaseId);
        var other = CaseDriver.Start(Busy(), Board(), caseId: new Guid("6f1c2a9e-0000-4000-8000-000000000002"));

        var ids = one.State.Tasks.Select(t => t.Id).ToList();
        Assert.Equal(ids, two.State.Tasks.Select(t => t.Id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Empty(ids.Intersect(other.State.Tasks.Select(t => t.Id)));
    }

    [Fact]
    public void Apply_AnyEvent_LeavesTheGivenStateUntouched()
    {
        var c = CaseDriver.Start(Busy(), Board(), new JsonObject { ["riskScore"] = 80 });
        var given = c.State;
        var before = CaseStateJson.Serialize(given);

        c.Decide(Ann);
        c.Decide(Dee, Decision.RequestChanges);
        Assert.Throws<EngineRefusal>(() => WorkflowEngine.Apply(c.Definition, given, new DecideTask(Guid.Empty, Decision.Approve, null, Ann, c.Now), c.Directory));
        var step = WorkflowEngine.Apply(c.Definition, given, new WithdrawCase(null, Requester, c.Now), c.Directory);

        Assert.NotSame(given, step.State);
        Assert.Equal(before, CaseStateJson.Serialize(given));
        Assert.Equal(CaseStatus.InProgress, given.Status);
    }

    [Fact]
    public void Start_CallerChangesItsDataAfterwards_StateKeepsItsOwnCopy()
    {
        var data = new JsonObject { ["riskScore"] = 80 };
        var c = CaseDriver.Start(Busy(), Board(), data);

        data["riskScore"] = 1;

        Assert.Equal(80, (int)c.State.Data["riskScore"]!);
    }

    [Fact]
    public void Apply_StateRoundTripsThroughJsonBetweenSteps_SameStatesAsKeptInMemory()
    {
        var inMemory = PlayBusy();

        var reloaded = PlayBusy(reloadBetweenSteps: true);

        Assert.Equal(inMemory, reloaded);
        Assert.All(reloaded, json => Assert.Equal(json, CaseStateJson.Serialize(CaseStateJson.Deserialize(json))));
    }

    [Fact]
    public void Start_DataWithTypedValues_SerialisesAsAfterATripThroughStorage()
    {
        var data = new JsonObject { ["deadline"] = JsonValue.Create(new DateTimeOffset(2026, 2, 1, 12, 0, 0, TimeSpan.FromHours(2))), ["id"] = JsonValue.Create(Guid.Empty) };

        var c = CaseDriver.Start(Busy(), Board(), data);

        var json = CaseStateJson.Serialize(c.State);
        Assert.Equal(json, CaseStateJson.Serialize(CaseStateJson.Deserialize(json)));
    }
}
