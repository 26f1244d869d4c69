using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    private const string BoardAny = """  "assignees": {"groups": ["board"]}  """;

    [Fact]
    public void Apply_RequestChangesWithPortUnconnected_CaseWaitsForTheRequester()
    {
        var c = StartSingleReview(BoardAny);

        c.Decide(c.OpenTask("review"), Ann, Decision.RequestChanges, "Please attach the invoice.");

        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Null(c.State.Outcome);
        Assert.Empty(c.Open);
        Assert.Equal(["review"], c.State.ChangesRequestedBy);
        Assert.Equal("review", Assert.Single(c.AuditOf(AuditActions.ChangesRequested)).ActivityId);
        Assert.Equal("ChangesRequested", (string?)c.State.StageResults["review"]!["outcome"]);
        var note = Assert.Single(c.Last.Effects.OfType<NotificationRequested>());
        Assert.Equal([Requester], note.To);
    }

    [Fact]
    public void Apply_ResubmitWithNewData_SameStageStartsAgainWithFreshTasks()
    {
        var c = StartSingleReview(BoardAny, data: new JsonObject { ["amount"] = 10 });
        var first = c.OpenTask("review");
        c.Decide(first, Ann, Decision.RequestChanges);

        c.Resubmit(new JsonObject { ["amount"] = 12, ["invoice"] = "INV-7" });

        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Empty(c.State.ChangesRequestedBy);
        Assert.Equal(12, (int)c.State.Data["amount"]!);
        Assert.Equal("INV-7", (string?)c.State.Data["invoice"]);
        var fresh = c.OpenTask("review");
        Assert.NotEqual(first.Id, fresh.Id);
        Assert.Single(c.AuditOf(AuditActions.CaseResubmitted));

        c.Decide(fresh, Ann);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_ResubmitWithoutData_KeepsTheData()
    {
        var c = StartSingleReview(BoardAny, data: new JsonObject { ["amount"] = 10 });
        c.Decide(c.OpenTask("review"), Ann, Decision.RequestChanges);

        c.Resubmit();

        Assert.Equal(10, (int)c.State.Data["amount"]!);
    }

    [Fact]
    public void Apply_ResubmitWhenNotWaitingForChanges_Conflict()
    {
        var c = StartSingleReview(BoardAny);

        c.Refused(RefusalKind.Conflict, x => x.Resubmit());
    }

    [Fact]
    public void Apply_ResubmitBySomeoneElse_Forbidden()
    {
        var c = StartSingleReview(BoardAny);
        c.Decide(c.OpenTask("review"), Ann, Decision.RequestChanges);

        c.Refused(RefusalKind.Forbidden, x => x.Resubmit(actor: Bob));
    }

    [Fact]
    public void Apply_RequestChangesInQuorum_StopsTheStageAndCancelsTheOtherTasks()
    {
        var c = StartSingleReview(Quorum2);
        c.Decide(Ann);

        c.Decide(Bob, Decision.RequestChanges);

        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Empty(c.Open);
        c.Resubmit();
        // The stage starts afresh: everyone votes again, Ann's earlier approval does not count.
        Assert.Equal([Ann, Bob, Cy], c.Open.Select(t => t.Assignee));
        c.Decide(Ann);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
    }

    [Fact]
    public void Apply_RequestChangesWithPortConnected_ResubmissionFollowsThePort()
    {
        // review.ChangesRequested → rework (Dee): after the requester resubmits, Dee looks again, not the board.
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"groups": ["board"]}},
              {"id": "rework", "type": "Review", "assignees": {"users": ["dee@example.org"]}},
              {"id": "approved", "type": "End", "outcome": "Approved"}, {"id": "rejected", "type": "End", "outcome": "Rejected"} ]
            """,
            "start.Done -> review", "review.Approved -> approved", "review.Rejected -> rejected",
            "review.ChangesRequested -> rework", "rework.Approved -> approved", "rework.Rejected -> rejected");
        var c = CaseDriver.Start(def, Board());

        c.Decide(c.OpenTask("review"), Ann, Decision.RequestChanges);
        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Empty(c.Open);

        c.Resubmit(new JsonObject { ["fixed"] = true });

        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Empty(c.OpenIn("review"));
        Assert.Equal(Dee, c.OpenTask("rework").Assignee);
    }

    [Fact]
    public void Apply_ChangesRequestedOnOneBranch_OtherBranchCancelledAndRestartedOnResubmission()
    {
        var c = CaseDriver.Start(ForkJoin("all"));
        var bob = c.TaskOf(Bob);

        c.Decide(Ann, Decision.RequestChanges);

        // The file is back with the requester: nobody goes on reviewing it meanwhile.
        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Empty(c.Open);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(bob.Id).Status);
        Assert.Contains(c.AuditOf(AuditActions.TaskCancelled), a => a.TaskId == bob.Id);
        Assert.Equal(["b"], c.State.HeldForChanges);

        c.Resubmit();

        Assert.Equal([Ann, Bob], c.Open.Select(t => t.Assignee));
        Assert.NotEqual(bob.Id, c.TaskOf(Bob).Id);
        c.Decide(Ann);
        Assert.Empty(c.OpenIn("final"));
        c.Decide(Bob);
        Assert.Equal(Dee, c.OpenTask("final").Assignee);
    }

    [Fact]
    public void Apply_ChangesRequestedAfterTheOtherBranchArrived_OnlyTheAskingStageRestarts()
    {
        var c = CaseDriver.Start(ForkJoin("all"));
        c.Decide(Bob);

        c.Decide(Ann, Decision.RequestChanges);
        c.Resubmit();

        // Bob's approval still stands at the join.
        Assert.Equal([Ann], c.Open.Select(t => t.Assignee));
        c.Decide(Ann);
        Assert.Equal(Dee, c.OpenTask("final").Assignee);
    }

    /// <summary>start → intake (Cy) → fork → a (Ann), b (Bob) → join all → ok; a.ChangesRequested loops back to intake, above the fork.</summary>
    private static WorkflowDefinition LoopAboveFork() => Definitions.Parse("""
        [ {"id": "start", "type": "Start"},
          {"id": "intake", "type": "Review", "assignees": {"users": ["cy@example.org"]}},
          {"id": "fork", "type": "Fork"},
          {"id": "a", "type": "Review", "assignees": {"users": ["ann@example.org"]}},
          {"id": "b", "type": "Review", "assignees": {"users": ["bob@example.org"]}},
          {"id": "join", "type": "Join", "mode": "all"},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> intake", "intake.Approved -> fork", "intake.Rejected -> no", "fork.Done -> a", "fork.Done -> b",
        "a.Approved -> join", "a.Rejected -> no", "a.ChangesRequested -> intake", "b.Approved -> join", "b.Rejected -> no",
        "join.Done -> ok");

    [Fact]
    public void Apply_ChangesRequestedLoopsBackAboveAForkWithABranchOpen_BranchesRunOnceEach()
    {
        var c = CaseDriver.Start(LoopAboveFork());
        c.Decide(Cy);

        c.Decide(Ann, Decision.RequestChanges);
        c.Resubmit();

        // Back at intake only; b's first run was cancelled, not left open beside a second one.
        Assert.Equal([Cy], c.Open.Select(t => t.Assignee));
        c.Decide(Cy);
        Assert.Equal([Ann, Bob], c.Open.Select(t => t.Assignee));
        c.Decide(Ann);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Bob);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_ChangesRequestedLoopsBackAboveAForkAfterTheOtherBranchArrived_JoinWaitsForTheNewRound()
    {
        var c = CaseDriver.Start(LoopAboveFork());
        c.Decide(Cy);
        c.Decide(Bob);

        c.Decide(Ann, Decision.RequestChanges);
        c.Resubmit();
        c.Decide(Cy);
        c.Decide(Ann);

        // Bob's approval of the first round does not release the join: he reviews the resubmitted file too.
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Equal([Bob], c.Open.Select(t => t.Assignee));
        c.Decide(Bob);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }
}
