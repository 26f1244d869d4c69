using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    [Fact]
    public void Apply_SimpleApprovePath_AuditTellsTheWholeStory()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["ann@example.org"]}  """);
        var task = c.TaskOf(Ann);

        c.Decide(task, Ann, comment: "Looks right.");

        Assert.Equal(
            [AuditActions.CaseStarted, AuditActions.TaskAssigned, AuditActions.TaskDecided, AuditActions.StageCompleted, AuditActions.CaseCompleted],
            c.AuditActions);
        var audit = c.Steps.SelectMany(s => s.Audit).ToList();
        Assert.Equal(Requester, audit[0].Actor);
        Assert.Equal("test-flow", (string?)audit[0].Details!["workflow"]);
        Assert.Equal(Actors.System, audit[1].Actor);
        Assert.Equal(task.Id, audit[1].TaskId);
        Assert.Equal(Ann, (string?)audit[1].Details!["assignee"]);
        Assert.Equal(Ann, audit[2].Actor);
        Assert.Equal("Looks right.", audit[2].Comment);
        Assert.Equal("approve", (string?)audit[2].Details!["decision"]);
        Assert.Equal("Approved", (string?)audit[3].Details!["outcome"]);
        Assert.Equal("approved", audit[4].ActivityId);
        Assert.Equal("Approved", (string?)audit[4].Details!["outcome"]);
        Assert.Equal(CaseDriver.T0, audit[0].At);
        Assert.All(audit.Skip(2), a => Assert.Equal(c.State.CompletedAt, a.At));
    }

    [Fact]
    public void Apply_CaseCompleted_RequesterIsTold()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["ann@example.org"]}  """);

        c.Decide(Ann, Decision.Reject);

        var note = Assert.Single(c.Last.Effects.OfType<NotificationRequested>());
        Assert.Equal("CaseCompleted", note.Event);
        Assert.Equal([Requester], note.To);
        Assert.Equal(new CaseCompleted(CaseStatus.Rejected, CaseOutcome.Rejected), Effect<CaseCompleted>(c.Last));
    }
}
