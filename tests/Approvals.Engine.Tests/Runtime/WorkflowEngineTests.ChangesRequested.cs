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
    public void Apply_ChangesRequestedOnOneBranchThenJoinAnyFires_CaseNoLongerWaitsForChanges()
    {
        var c = CaseDriver.Start(ForkJoin("any"));

        c.Decide(Ann, Decision.RequestChanges);
        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Equal(Bob, c.OpenTask("b").Assignee);

        c.Decide(Bob);

        // The join went on without branch a, so there is nothing left to resubmit for, and a resubmission
        // cannot send a second branch through the join.
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Empty(c.State.ChangesRequestedBy);
        Assert.Equal(Dee, c.OpenTask("final").Assignee);
        c.Refused(RefusalKind.Conflict, x => x.Resubmit());
    }

    [Fact]
    public void Apply_ChangesRequestedOnOneBranchOfJoinAll_OtherBranchWaitsForTheResubmission()
    {
        var c = CaseDriver.Start(ForkJoin("all"));

        c.Decide(Ann, Decision.RequestChanges);
        c.Decide(Bob);
        Assert.Equal(CaseStatus.ChangesRequested, c.State.Status);
        Assert.Empty(c.OpenIn("final"));

        c.Resubmit();
        c.Decide(Ann);

        Assert.Equal(Dee, c.OpenTask("final").Assignee);
    }
}
