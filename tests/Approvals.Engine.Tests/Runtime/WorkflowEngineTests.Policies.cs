using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    // ---- any ----------------------------------------------------------------------------------------

    [Fact]
    public void Start_AnyPolicyWithGroup_OffersOneTaskToTheWholeGroup()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "any"}  """);

        var task = c.OpenTask("review");
        Assert.Null(task.Assignee);
        Assert.Equal(["board"], task.CandidateGroups);
        Assert.Equal(task.Id, Effect<TaskCreated>(c.Last).Task.Id);
        var note = Effect<NotificationRequested>(c.Last);
        Assert.Equal("TaskAssigned", note.Event);
        Assert.Equal([Ann, Bob, Cy], note.To);
    }

    [Fact]
    public void Apply_AnyPolicyMemberDecidesWithoutClaiming_StageApproves()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}  """);

        c.Decide(c.OpenTask("review"), Bob);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.Equal(CaseOutcome.Approved, c.State.Outcome);
        Assert.Single(c.Last.Effects.OfType<NotificationRequested>(), n => n.Event == "CaseCompleted" && n.Template == "case-approved");
        var decided = Assert.Single(c.State.Tasks);
        Assert.Equal(Bob, decided.DecidedBy);
        Assert.Equal(Decision.Approve, decided.Decision);
    }

    [Fact]
    public void Apply_AnyPolicyMemberRejects_CaseRejected()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}  """);

        c.Decide(c.OpenTask("review"), Cy, Decision.Reject);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(CaseOutcome.Rejected, c.State.Outcome);
    }

    [Fact]
    public void Apply_AnyPolicyOtherMemberDecidesAfterwards_Conflict()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"groups": ["board"]}},
              {"id": "final", "type": "Review", "assignees": {"users": ["dee@example.org"]}},
              {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> review", "review.Approved -> final", "review.Rejected -> no", "final.Approved -> ok", "final.Rejected -> no");
        var c = CaseDriver.Start(def, Board());
        var task = c.OpenTask("review");
        c.Decide(task, Bob);

        var refusal = c.Refused(RefusalKind.Conflict, x => x.Decide(task, Ann, Decision.Reject));

        Assert.Contains(Bob, refusal.Message);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
    }

    [Fact]
    public void Start_AnyPolicyWithOneUser_AssignsTheTaskToThem()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["Dee@Example.org"]}  """);

        var task = c.OpenTask("review");
        Assert.Equal(Dee, task.Assignee);
        Assert.Empty(task.CandidateUsers);
        Assert.False(task.IsGroupTask);
    }

    // ---- all ----------------------------------------------------------------------------------------

    [Fact]
    public void Start_AllPolicy_EachMemberGetsTheirOwnTask()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}  """);

        Assert.Equal([Ann, Bob, Cy], c.Open.Select(t => t.Assignee));
        Assert.All(c.Open, t => Assert.Empty(t.CandidateGroups));
        Assert.Equal(3, c.Last.Effects.OfType<TaskCreated>().Count());
    }

    [Fact]
    public void Apply_AllPolicyEveryoneApproves_Approved()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}  """);

        c.Decide(Ann);
        c.Decide(Cy);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Bob);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_AllPolicyOneRejects_RejectedAndOtherTasksCancelled()
    {
        var c = StartSingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}  """);
        c.Decide(Ann);
        var cy = c.TaskOf(Cy);

        c.Decide(Bob, Decision.Reject);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(cy.Id).Status);
        Assert.Contains(c.Last.Effects.OfType<TaskChanged>(), e => e.Task.Id == cy.Id && e.Task.Status == ReviewTaskStatus.Cancelled);
        Assert.Empty(c.Open);
    }

    // ---- quorum -------------------------------------------------------------------------------------

    private const string Quorum2 = """  "assignees": {"groups": ["board"]}, "policy": {"mode": "quorum", "approvals": 2}  """;

    [Fact]
    public void Apply_QuorumReachedByTwoOfThree_ApprovedAndThirdTaskCancelled()
    {
        var c = StartSingleReview(Quorum2);
        var bob = c.TaskOf(Bob);

        c.Decide(Ann);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Cy);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(bob.Id).Status);
    }

    [Fact]
    public void Apply_QuorumTwoOfThreeReject_RejectedAsSoonAsQuorumIsOutOfReach()
    {
        var c = StartSingleReview(Quorum2);
        var cy = c.TaskOf(Cy);

        c.Decide(Ann, Decision.Reject);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Bob, Decision.Reject);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(cy.Id).Status);
    }

    [Fact]
    public void Apply_QuorumOneRejectionThenTwoApprovals_Approved()
    {
        var c = StartSingleReview(Quorum2);

        c.Decide(Ann, Decision.Reject);
        c.Decide(Bob);
        c.Decide(Cy);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Start_QuorumLargerThanEligiblePeople_RejectedAtOnceWithoutTasks()
    {
        // Two members, one of them the requester: one eligible person for a quorum of two.
        var directory = new DirectorySnapshot().AddGroup("board", Ann, Requester);

        var c = StartSingleReview(Quorum2, directory);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Empty(c.State.Tasks);
        Assert.Empty(c.Last.Effects.OfType<TaskCreated>());
        Assert.DoesNotContain(c.Last.Effects.OfType<NotificationRequested>(), n => n.Event == "TaskAssigned");
        var completed = Assert.Single(c.AuditOf(AuditActions.StageCompleted));
        Assert.Equal("Rejected", (string?)completed.Details!["outcome"]);
        Assert.NotNull(completed.Details["reason"]);
    }

    // ---- sequential ---------------------------------------------------------------------------------

    private const string Sequential = """  "assignees": {"users": ["dee@example.org"], "groups": ["board"]}, "policy": {"mode": "sequential"}  """;

    [Fact]
    public void Start_Sequential_OnlyTheFirstListedPersonHasATask()
    {
        var c = StartSingleReview(Sequential);

        Assert.Equal(Dee, c.OpenTask("review").Assignee);
        Assert.Single(c.State.Tasks);
    }

    [Fact]
    public void Apply_SequentialApprovals_AskUsersThenGroupMembersAlphabetically()
    {
        // The directory lists the board out of order; a sequential stage still asks Ann, Bob, Cy.
        var directory = new DirectorySnapshot().AddGroup("board", Cy, Ann, Bob);
        var c = StartSingleReview(Sequential, directory);
        var order = new List<string>();

        while (c.State.Status == CaseStatus.InProgress)
        {
            var task = c.OpenTask("review");
            order.Add(task.Assignee!);
            c.Decide(task, task.Assignee!);
        }

        Assert.Equal([Dee, Ann, Bob, Cy], order);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_SequentialRejection_StopsWithoutAskingTheRest()
    {
        var c = StartSingleReview(Sequential);
        c.Decide(Dee);

        c.Decide(Ann, Decision.Reject);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal([Dee, Ann], c.State.Tasks.Select(t => t.Assignee));
    }
}
