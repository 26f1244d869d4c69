using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    private const string BoardAll = """  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}  """;

    [Fact]
    public void Apply_DecideByNonCandidate_Forbidden()
    {
        var c = StartSingleReview(BoardAny);

        c.Refused(RefusalKind.Forbidden, x => x.Decide(x.OpenTask("review"), Dee));
    }

    [Fact]
    public void Apply_DecideSomeoneElsesTask_Forbidden()
    {
        var c = StartSingleReview(BoardAll);

        c.Refused(RefusalKind.Forbidden, x => x.Decide(x.TaskOf(Ann), Bob));
    }

    [Fact]
    public void Apply_DecideUnknownTask_NotFound()
    {
        var c = StartSingleReview(BoardAny);

        c.Refused(RefusalKind.NotFound, x => x.Apply(new DecideTask(Guid.Empty, Decision.Approve, null, Ann, x.Now)));
    }

    [Fact]
    public void Apply_DecideTwice_Conflict()
    {
        var c = StartSingleReview(BoardAll);
        var ann = c.TaskOf(Ann);
        c.Decide(ann, Ann);

        c.Refused(RefusalKind.Conflict, x => x.Decide(ann, Ann, Decision.Reject));
        Assert.Equal(Decision.Approve, c.Task(ann.Id).Decision);
    }

    [Fact]
    public void Apply_DecideAfterTheCaseClosed_Conflict()
    {
        var c = StartSingleReview(BoardAll);
        var ann = c.TaskOf(Ann);
        c.Withdraw();

        c.Refused(RefusalKind.Conflict, x => x.Decide(ann, Ann));
        c.Refused(RefusalKind.Conflict, x => x.Withdraw());
    }

    [Fact]
    public void Apply_UndefinedDecision_InvalidOnFieldDecision()
    {
        var c = StartSingleReview(BoardAll);

        var refusal = c.Refused(RefusalKind.Invalid, x => x.Decide(x.TaskOf(Ann), Ann, (Decision)42));

        Assert.Equal("decision", refusal.Field);
    }

    [Fact]
    public void Apply_AdminDecidesTwoTasksOfOneQuorumStage_SecondIsConflict()
    {
        var c = StartSingleReview(Quorum2);
        c.Decide(c.TaskOf(Ann), Admin, admin: true);

        // One person counts once: the admin may not make up the quorum alone.
        c.Refused(RefusalKind.Conflict, x => x.Decide(x.TaskOf(Bob), Admin, admin: true));
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
    }

    [Fact]
    public void Apply_ClaimGroupTask_OnlyTheClaimerMayDecide()
    {
        var c = StartSingleReview(BoardAny);
        var task = c.OpenTask("review");

        c.Claim(task, Bob);

        Assert.Equal(Bob, c.Task(task.Id).Assignee);
        Assert.Single(c.AuditOf(AuditActions.TaskClaimed));
        c.Refused(RefusalKind.Forbidden, x => x.Decide(task, Ann));
        c.Refused(RefusalKind.Conflict, x => x.Claim(task, Ann));
        c.Decide(task, Bob);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_ClaimByNonCandidate_Forbidden()
    {
        var c = StartSingleReview(BoardAny);

        c.Refused(RefusalKind.Forbidden, x => x.Claim(x.OpenTask("review"), Dee));
    }

    [Fact]
    public void Apply_Delegate_MovesTheTaskToTheNewPerson()
    {
        var c = StartSingleReview(BoardAll);
        var task = c.TaskOf(Ann);

        c.Delegate(task, "Dee@Example.org", Ann);

        Assert.Equal(Dee, c.Task(task.Id).Assignee);
        var audit = Assert.Single(c.AuditOf(AuditActions.TaskDelegated));
        Assert.Equal(Ann, (string?)audit.Details!["from"]);
        Assert.Equal(Dee, (string?)audit.Details["to"]);
        Assert.Equal([Dee], Effect<NotificationRequested>(c.Last).To);
        c.Refused(RefusalKind.Forbidden, x => x.Decide(task, Ann));
        c.Decide(task, Dee);
        Assert.Equal(Decision.Approve, c.Task(task.Id).Decision);
    }

    [Fact]
    public void Apply_DelegateGroupTask_BecomesThatPersonsTaskAlone()
    {
        var c = StartSingleReview(BoardAny);
        var task = c.OpenTask("review");

        c.Delegate(task, Dee, Bob);

        Assert.Equal(Dee, c.Task(task.Id).Assignee);
        Assert.Empty(c.Task(task.Id).CandidateGroups);
        c.Refused(RefusalKind.Forbidden, x => x.Decide(task, Bob));
    }

    [Fact]
    public void Apply_DelegateToSomeoneAlreadyInTheStage_InvalidOnFieldTo()
    {
        var c = StartSingleReview(BoardAll);

        var refusal = c.Refused(RefusalKind.Invalid, x => x.Delegate(x.TaskOf(Ann), Bob, Ann));

        Assert.Equal("to", refusal.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not-an-email")]
    public void Apply_DelegateToSomethingNotAnEmail_InvalidOnFieldTo(string to)
    {
        var c = StartSingleReview(BoardAll);

        var refusal = c.Refused(RefusalKind.Invalid, x => x.Delegate(x.TaskOf(Ann), to, Ann));

        Assert.Equal("to", refusal.Field);
    }

    [Fact]
    public void Apply_DelegateByNonAssignee_Forbidden()
    {
        var c = StartSingleReview(BoardAll);

        c.Refused(RefusalKind.Forbidden, x => x.Delegate(x.TaskOf(Ann), Dee, Bob));
    }

    [Fact]
    public void Apply_WithdrawBySomeoneOtherThanTheRequester_Forbidden()
    {
        var c = StartSingleReview(BoardAll);

        c.Refused(RefusalKind.Forbidden, x => x.Withdraw(Ann));
        c.Withdraw(Admin, admin: true);
        Assert.Equal(CaseStatus.Withdrawn, c.State.Status);
    }
}
