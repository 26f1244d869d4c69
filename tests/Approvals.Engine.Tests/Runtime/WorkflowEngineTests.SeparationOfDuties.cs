using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    /// <summary>board: Ann, the requester and Bob.</summary>
    private static DirectorySnapshot BoardWithRequester() => new DirectorySnapshot().AddGroup("board", Ann, Requester, Bob);

    [Theory]
    [InlineData("""{"mode": "any"}""")]
    [InlineData("""{"mode": "all"}""")]
    [InlineData("""{"mode": "sequential"}""")]
    [InlineData("""{"mode": "quorum", "approvals": 1}""")]
    public void Start_RequesterIsListedAndAGroupMember_GetsNoTaskOfTheirOwn(string policy)
    {
        var review = $$"""  "assignees": {"groups": ["board"], "users": ["requester@example.org"]}, "policy": {{policy}}  """;

        var c = StartSingleReview(review, BoardWithRequester());

        Assert.DoesNotContain(c.State.Tasks, t => t.Assignee == Requester || t.CandidateUsers.Contains(Requester));
        Assert.NotEmpty(c.Open);
    }

    [Fact]
    public void Start_AnyPolicyGroupWithRequester_TaskIsNotAnnouncedToTheRequester()
    {
        var c = StartSingleReview(BoardAny, BoardWithRequester());

        Assert.Equal([Ann, Bob], Effect<NotificationRequested>(c.Last).To);
    }

    [Fact]
    public void Apply_RequesterDecidesGroupTaskTheyAreCandidateFor_Forbidden()
    {
        var c = StartSingleReview(BoardAny, BoardWithRequester());

        c.Refused(RefusalKind.Forbidden, x => x.Decide(x.OpenTask("review"), Requester));
        c.Refused(RefusalKind.Forbidden, x => x.Claim(x.OpenTask("review"), Requester));
    }

    [Fact]
    public void Start_RequesterIsTheOnlyEligiblePerson_UnassignedTaskForAdministrators()
    {
        var directory = new DirectorySnapshot().AddGroup("board", Requester);

        var c = StartSingleReview(BoardAny, directory);

        Assert.Equal("review", Assert.Single(c.AuditOf(AuditActions.NoEligibleAssignees)).ActivityId);
        var task = c.OpenTask("review");
        Assert.Null(task.Assignee);
        Assert.Empty(task.CandidateUsers);
        Assert.Empty(task.CandidateGroups);
        Assert.DoesNotContain(c.Last.Effects.OfType<NotificationRequested>(), n => n.To.Contains(Requester));
    }

    [Fact]
    public void Apply_AdminDecidesTaskNoOneElseMay_Approved()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["requester@example.org"]}, "policy": {"mode": "all"}  """);
        var task = c.OpenTask("review");

        c.Refused(RefusalKind.Forbidden, x => x.Decide(task, Ann));
        c.Decide(task, Admin, admin: true);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.Equal(Admin, c.Task(task.Id).DecidedBy);
    }

    [Fact]
    public void Apply_AdminWhoIsTheRequester_Forbidden()
    {
        var c = StartSingleReview(BoardAny, new DirectorySnapshot().AddGroup("board", Requester));

        c.Refused(RefusalKind.Forbidden, x => x.Decide(x.OpenTask("review"), Requester, admin: true));
    }

    [Fact]
    public void Apply_DelegateToTheRequester_InvalidOnFieldTo()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["ann@example.org"]}  """);

        var refusal = c.Refused(RefusalKind.Invalid, x => x.Delegate(x.TaskOf(Ann), " Requester@Example.org ", Ann));

        Assert.Equal("to", refusal.Field);
    }

    [Theory]
    [InlineData("""{"mode": "any"}""")]
    [InlineData("""{"mode": "all"}""")]
    [InlineData("""{"mode": "sequential"}""")]
    public void Start_AssigneeWhoMayNotDecide_GetsNoTask_AndTheHistorySaysSo(string policy)
    {
        var review = $$"""  "assignees": {"groups": ["board"], "users": ["ann@example.org"]}, "policy": {{policy}}  """;
        var directory = new DirectorySnapshot().AddGroup("board", Ann, Bob).SetDeciders([Bob]);

        var c = StartSingleReview(review, directory);

        Assert.DoesNotContain(c.State.Tasks, t => t.Assignee == Ann || t.CandidateUsers.Contains(Ann));
        Assert.Contains(c.State.Tasks, t => t.Assignee == Bob || t.CandidateGroups.Contains("board"));
        Assert.Contains(c.Last.Audit, a => a.Action == AuditActions.AssigneesSkipped);
    }

    [Fact]
    public void Start_NobodyNamedMayDecide_StageOfferedToAdministrators()
    {
        var review = """  "assignees": {"users": ["ann@example.org"]}  """;

        var c = StartSingleReview(review, new DirectorySnapshot().SetDeciders([Bob]));

        Assert.Contains(c.Last.Audit, a => a.Action == AuditActions.NoEligibleAssignees);
        Assert.DoesNotContain(c.State.Tasks, t => t.Assignee == Ann);
    }
}
