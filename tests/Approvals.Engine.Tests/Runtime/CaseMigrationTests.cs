using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public class CaseMigrationTests
{
    private static readonly WorkflowDefinition V1 = Definitions.SingleReview("""
        "assignees": {"users": ["a@example.org"]}, "reminders": ["P1D"]
        """);

    /// <summary>The stage is renamed <c>check</c> and a second stage, <c>extra</c>, follows it.</summary>
    private static readonly WorkflowDefinition V2 = Definitions.Parse("""
        [ {"id": "start", "type": "Start"},
          {"id": "check", "type": "Review", "name": "Check", "assignees": {"users": ["a@example.org"]}},
          {"id": "extra", "type": "Review", "name": "Extra check", "assignees": {"users": ["b@example.org"]}},
          {"id": "approved", "type": "End", "outcome": "Approved"},
          {"id": "rejected", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> check", "check.Approved -> extra", "check.Rejected -> rejected", "extra.Approved -> approved", "extra.Rejected -> rejected");

    private static readonly DateTimeOffset At = CaseDriver.T0.AddHours(1);

    [Fact]
    public void Migrate_MappedStage_CarriesTaskAndTimersAndFollowsTheNewFlow()
    {
        var driver = CaseDriver.Start(V1);
        var task = driver.OpenTask("review");

        var (step, problems) = CaseMigration.Migrate(V2, driver.State, new Dictionary<string, string> { ["review"] = "check" }, 1, 2, "admin@example.org", At);

        Assert.Empty(problems);
        var state = step!.State;
        Assert.Equal("check", Assert.Single(state.OpenTasks).ActivityId);
        Assert.Equal(task.Id, Assert.Single(state.OpenTasks).Id);
        Assert.Equal(["check"], state.ActiveActivities);
        Assert.All(state.PendingTimers, t => Assert.Equal("check", t.ActivityId));
        var audit = Assert.Single(step.Audit);
        Assert.Equal(AuditActions.CaseMigrated, audit.Action);
        Assert.Equal(2, (int)audit.Details!["to"]!);
        Assert.Contains(step.Effects, e => e is TaskChanged { Task.ActivityId: "check" });

        var next = WorkflowEngine.Apply(V2, state, new DecideTask(task.Id, Decision.Approve, null, "a@example.org", At.AddMinutes(1)), DirectorySnapshot.Empty);

        Assert.Equal("extra", Assert.Single(next.State.OpenTasks).ActivityId);
        Assert.Equal(CaseStatus.InProgress, next.State.Status);
    }

    [Fact]
    public void Migrate_ActiveStageMissingFromTarget_NamesItAndMovesNothing()
    {
        var driver = CaseDriver.Start(V1);

        var (step, problems) = CaseMigration.Migrate(V2, driver.State, new Dictionary<string, string>(), 1, 2, "admin@example.org", At);

        Assert.Null(step);
        var problem = Assert.Single(problems);
        Assert.Equal("review", problem.ActivityId);
        Assert.Contains("version 2", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_StageMappedToAnEnd_RefusedBecauseTheTypeCannotCarryIt()
    {
        var driver = CaseDriver.Start(V1);

        var (step, problems) = CaseMigration.Migrate(V2, driver.State, new Dictionary<string, string> { ["review"] = "approved" }, 1, 2, "admin@example.org", At);

        Assert.Null(step);
        Assert.Contains("Review", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_ClosedCase_Refused()
    {
        var driver = CaseDriver.Start(V1);
        driver.Decide("a@example.org");

        var (step, problems) = CaseMigration.Migrate(V2, driver.State, new Dictionary<string, string> { ["review"] = "check" }, 1, 2, "admin@example.org", At);

        Assert.Null(step);
        Assert.Contains("Approved", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_TwoRunningStagesMappedOntoOne_Refused()
    {
        var parallel = Definitions.Parse("""
            [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
              {"id": "one", "type": "Review", "assignees": {"users": ["a@example.org"]}},
              {"id": "two", "type": "Review", "assignees": {"users": ["b@example.org"]}},
              {"id": "join", "type": "Join"},
              {"id": "approved", "type": "End", "outcome": "Approved"}, {"id": "rejected", "type": "End", "outcome": "Rejected"} ]
            """,
            "start.Done -> fork", "fork.Done -> one", "fork.Done -> two", "one.Approved -> join", "two.Approved -> join",
            "one.Rejected -> rejected", "two.Rejected -> rejected", "join.Done -> approved");
        var driver = CaseDriver.Start(parallel);

        var (step, problems) = CaseMigration.Migrate(parallel, driver.State, new Dictionary<string, string> { ["one"] = "two" }, 1, 2, "admin@example.org", At);

        Assert.Null(step);
        Assert.Contains("both running", Assert.Single(problems).Message, StringComparison.Ordinal);
    }
}
