using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    /// <summary>start → fork → pause (Wait PT4H) → tell (Notify requester) → join; fork → a (Ann) → join; join → ok.</summary>
    private static WorkflowDefinition WaitBesideReview() => Definitions.Parse("""
        [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
          {"id": "pause", "type": "Wait", "duration": "PT4H"},
          {"id": "tell", "type": "Notify", "to": {"requester": true}, "template": "reminder"},
          {"id": "a", "type": "Review", "assignees": {"users": ["ann@example.org"]}},
          {"id": "join", "type": "Join"},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> fork", "fork.Done -> pause", "fork.Done -> a", "pause.Done -> tell", "tell.Done -> join",
        "a.Approved -> join", "a.Rejected -> no", "join.Done -> ok");

    [Fact]
    public void Start_Wait_SchedulesAPendingTimerDueAfterTheDuration()
    {
        var c = CaseDriver.Start(WaitBesideReview());

        var timer = Assert.Single(c.State.PendingTimers);
        Assert.Equal(TimerKind.Wait, timer.Kind);
        Assert.Equal("pause", timer.ActivityId);
        Assert.Equal(CaseDriver.T0 + TimeSpan.FromHours(4), timer.DueAt);
        Assert.Equal(timer.Id, Effect<TimerScheduled>(c.Last).Timer.Id);
        Assert.Single(c.AuditOf(AuditActions.WaitStarted));
        Assert.Equal(["pause", "a"], c.State.ActiveActivities);
    }

    [Fact]
    public void Apply_FireWaitTimer_FlowContinues()
    {
        var c = CaseDriver.Start(WaitBesideReview());
        var timer = Assert.Single(c.State.PendingTimers);

        c.Fire(timer.Id);

        Assert.Equal(TimerStatus.Fired, c.State.Timers.Single().Status);
        Assert.Empty(c.State.Waits);
        Assert.Single(c.AuditOf(AuditActions.WaitEnded));
        Assert.Single(c.Last.Effects.OfType<NotificationRequested>(), n => n.Template == "reminder");
        Assert.Equal(CaseStatus.InProgress, c.State.Status); // the join still waits for Ann
        c.Decide(Ann);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_FireTimerTwice_SecondChangesNothing()
    {
        var c = CaseDriver.Start(WaitBesideReview());
        var timer = Assert.Single(c.State.PendingTimers);
        c.Fire(timer.Id);
        var before = c.State;

        var again = c.Fire(timer.Id);

        Assert.Same(before, again.State);
        Assert.Empty(again.Effects);
    }

    [Fact]
    public void Apply_FireTimerAfterTheCaseClosed_ChangesNothing()
    {
        var c = CaseDriver.Start(WaitBesideReview());
        var timer = Assert.Single(c.State.PendingTimers);
        c.Decide(Ann, Decision.Reject);
        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(TimerStatus.Cancelled, c.State.Timers.Single().Status);
        var before = c.State;

        var late = c.Fire(timer.Id);

        Assert.Same(before, late.State);
        Assert.Empty(late.Effects);
    }

    [Fact]
    public void Apply_FireUnknownTimer_NotFound()
    {
        var c = CaseDriver.Start(WaitBesideReview());

        c.Refused(RefusalKind.NotFound, x => x.Fire(Guid.Empty));
    }

    [Fact]
    public void Apply_Withdraw_CancelsEveryOpenTaskAndTimer()
    {
        var c = CaseDriver.Start(WaitBesideReview());
        var task = c.TaskOf(Ann);
        var timer = Assert.Single(c.State.PendingTimers);

        c.Withdraw();

        Assert.Equal(CaseStatus.Withdrawn, c.State.Status);
        Assert.Null(c.State.Outcome);
        Assert.Empty(c.Open);
        Assert.Empty(c.State.PendingTimers);
        Assert.Empty(c.State.ActiveActivities);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(task.Id).Status);
        Assert.Equal(timer.Id, Effect<TimerCancelled>(c.Last).TimerId);
        Assert.Equal(new CaseCompleted(CaseStatus.Withdrawn, null), Effect<CaseCompleted>(c.Last));
        var withdrawn = Assert.Single(c.AuditOf(AuditActions.CaseWithdrawn));
        Assert.Equal(Requester, withdrawn.Actor);
        Assert.Equal("No longer needed.", withdrawn.Comment);
    }

    [Fact]
    public void Apply_WithdrawWhileChangesRequested_Withdrawn()
    {
        var c = StartSingleReview(BoardAny);
        c.Decide(c.OpenTask("review"), Ann, Decision.RequestChanges);

        c.Withdraw();

        Assert.Equal(CaseStatus.Withdrawn, c.State.Status);
        Assert.Empty(c.State.ChangesRequestedBy);
        c.Refused(RefusalKind.Conflict, x => x.Resubmit());
    }
}
