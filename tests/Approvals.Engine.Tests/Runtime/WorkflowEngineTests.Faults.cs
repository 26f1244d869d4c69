using System.Diagnostics;
using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    /// <summary>start → fork → a (Ann) and risk (condition) → True/False: b (Bob); a and b → join all → ok.</summary>
    private static WorkflowDefinition ForkWithRisk(string condition, bool riskFirst = false) => Definitions.Parse($$$"""
        [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
          {"id": "a", "type": "Review", "assignees": {"users": ["ann@example.org"]}},
          {"id": "risk", "type": "Decision", "condition": {{{JsonValue.Create(condition).ToJsonString()}}}},
          {"id": "b", "type": "Review", "assignees": {"users": ["bob@example.org"]}},
          {"id": "join", "type": "Join", "mode": "all"},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        [.. riskFirst ? new[] { "fork.Done -> risk", "fork.Done -> a" } : ["fork.Done -> a", "fork.Done -> risk"],
         "start.Done -> fork", "risk.True -> b", "risk.False -> join", "a.Approved -> join", "a.Rejected -> no",
         "b.Approved -> join", "b.Rejected -> no", "join.Done -> ok"]);

    [Theory]
    [InlineData("(() => { while (true) {} })()")]
    [InlineData("(function f(n) { return f(n + 1); })(0)")]
    [InlineData("/(a+)+$/.test('a'.repeat(30) + 'b')")]
    [InlineData("'x'.repeat(512 * 1024 * 1024).length > 0")]
    public void Start_ConditionRunsPastALimit_FaultsQuicklyAndTakesNoPort(string condition)
    {
        var clock = Stopwatch.StartNew();
        var c = CaseDriver.Start(RiskRouting(condition));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Equal("risk", c.State.Fault!.ActivityId);
        Assert.Empty(c.AuditOf(AuditActions.DecisionEvaluated));
        Assert.Empty(c.Open);
    }

    [Fact]
    public void Apply_RetryWithCorrectedData_RunsTheConditionAgainAndRoutes()
    {
        var c = CaseDriver.Start(RiskRouting("case.data.risk.score >= 70"), data: new JsonObject { ["riskScore"] = 80 });
        Assert.Equal(CaseStatus.Faulted, c.State.Status);

        c.Apply(new RetryCase(new JsonObject { ["risk"] = new JsonObject { ["score"] = 80 } }, "Fixed the data.", Admin, c.Now) { ActorIsAdmin = true });

        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Null(c.State.Fault);
        Assert.Equal(Dee, c.OpenTask("security").Assignee);
        var retried = Assert.Single(c.AuditOf(AuditActions.CaseRetried));
        Assert.Equal(Admin, retried.Actor);
        Assert.Equal("risk", retried.ActivityId);
        Assert.True((bool)retried.Details!["dataChanged"]!);
    }

    [Fact]
    public void Apply_RetryWithoutCorrection_FaultsAgainTheSameWay()
    {
        var c = CaseDriver.Start(RiskRouting("case.data.risk.score >= 70"));
        var first = c.State.Fault!.Message;

        c.Apply(new RetryCase(null, null, Admin, c.Now) { ActorIsAdmin = true });

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Equal(first, c.State.Fault!.Message);
        Assert.Equal(2, c.AuditOf(AuditActions.ActivityFaulted).Count());
    }

    [Fact]
    public void Apply_RetryByNonAdministrator_Forbidden()
    {
        var c = CaseDriver.Start(RiskRouting("case.data.risk.score >= 70"));

        c.Refused(RefusalKind.Forbidden, x => x.Apply(new RetryCase(null, null, Requester, x.Now)));
    }

    [Fact]
    public void Apply_RetryOfACaseThatIsNotFaulted_Conflict()
    {
        var c = CaseDriver.Start(RiskRouting("case.data.riskScore >= 70"), data: new JsonObject { ["riskScore"] = 80 });

        c.Refused(RefusalKind.Conflict, x => x.Apply(new RetryCase(null, null, Admin, x.Now) { ActorIsAdmin = true }));
    }

    [Fact]
    public void Apply_DecisionOnAnotherBranchOfAFaultedCase_RefusedUntilRetried()
    {
        var c = CaseDriver.Start(ForkWithRisk("case.data.risk.score >= 70"));
        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        var ann = c.TaskOf(Ann);

        var refusal = c.Refused(RefusalKind.Conflict, x => x.Decide(ann, Ann));
        Assert.Contains("Faulted", refusal.Message);
        c.Refused(RefusalKind.Conflict, x => x.Claim(ann, Ann));

        c.Apply(new RetryCase(new JsonObject { ["risk"] = new JsonObject { ["score"] = 90 } }, null, Admin, c.Now) { ActorIsAdmin = true });
        c.Decide(Ann);
        c.Decide(Bob);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Start_FaultBeforeTheOtherBranchStarted_OtherBranchWaitsForTheRetry()
    {
        var c = CaseDriver.Start(ForkWithRisk("case.data.risk.score >= 70", riskFirst: true));

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Empty(c.Open);
        Assert.Equal(["risk", "a"], c.State.Fault!.Resume.Select(q => q.Activity));

        c.Apply(new RetryCase(new JsonObject { ["risk"] = new JsonObject { ["score"] = 10 } }, null, Admin, c.Now) { ActorIsAdmin = true });

        Assert.Equal([Ann], c.Open.Select(t => t.Assignee));
        c.Decide(Ann);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_WithdrawFaultedCase_Withdrawn()
    {
        var c = CaseDriver.Start(ForkWithRisk("case.data.risk.score >= 70"));

        c.Withdraw();

        Assert.Equal(CaseStatus.Withdrawn, c.State.Status);
        Assert.Null(c.State.Fault);
        Assert.Empty(c.Open);
    }

    [Fact]
    public void Start_AssigneeExpressionNamesMoreThanTheCap_FaultsWithoutCreatingTasks()
    {
        var c = StartSingleReview("""  "assignees": {"expression": "Array.from({length: 20000}, (_, i) => 'r' + i + '@example.org')"}, "policy": {"mode": "all"}  """);

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Contains("20000", c.State.Fault!.Message);
        Assert.Contains(EngineLimits.DefaultMaxTasksPerStage.ToString(System.Globalization.CultureInfo.InvariantCulture), c.State.Fault.Message);
        Assert.Empty(c.State.Tasks);
        Assert.Empty(c.State.Timers);
        c.Withdraw();
        Assert.Equal(CaseStatus.Withdrawn, c.State.Status);
    }

    [Fact]
    public void Start_GroupLargerThanTheCap_Faults()
    {
        var def = Definitions.SingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}  """);
        var c = CaseDriver.Start(def, Board());
        Assert.Equal(3, c.Open.Count);

        var step = WorkflowEngine.Start(def, new StartCase(CaseDriver.DefaultCaseId, Requester, "t", [], CaseDriver.T0), Board(),
            limits: new EngineLimits(MaxTasksPerStage: 2));

        Assert.Equal(CaseStatus.Faulted, step.State.Status);
        Assert.Contains("3 people", step.State.Fault!.Message);
    }

    [Fact]
    public void Start_MoreTimersThanTheCap_Faults()
    {
        var def = Definitions.SingleReview("""  "assignees": {"groups": ["board"]}, "policy": {"mode": "all"}, "sla": "P3D", "reminders": ["P1D", "P2D"]  """);

        var step = WorkflowEngine.Start(def, new StartCase(CaseDriver.DefaultCaseId, Requester, "t", [], CaseDriver.T0), Board(),
            limits: new EngineLimits(MaxPendingTimersPerCase: 8));

        Assert.Equal(CaseStatus.Faulted, step.State.Status);
        Assert.Contains("8 pending timers", step.State.Fault!.Message);
        Assert.Empty(step.State.Timers);
        Assert.DoesNotContain(step.Effects, x => x is TimerScheduled or TaskCreated);
    }

    [Fact]
    public void Start_NotifyRecipientExpressionFails_Faults()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "tell", "type": "Notify", "to": {"expression": "case.data.who.email"}, "template": "case-update"},
              {"id": "ok", "type": "End", "outcome": "Approved"} ]
            """, "start.Done -> tell", "tell.Done -> ok");

        var c = CaseDriver.Start(def, Board());

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Equal("tell", c.State.Fault!.ActivityId);
        Assert.Empty(c.Last.Effects.OfType<NotificationRequested>());
    }

    [Fact]
    public void Apply_TimerOfAFaultedCase_HoldsUntilTheRetry()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
              {"id": "pause", "type": "Wait", "duration": "PT1H"},
              {"id": "risk", "type": "Decision", "condition": "case.data.risk.score > 1"},
              {"id": "join", "type": "Join", "mode": "all"},
              {"id": "ok", "type": "End", "outcome": "Approved"} ]
            """, "start.Done -> fork", "fork.Done -> pause", "fork.Done -> risk", "pause.Done -> join",
            "risk.True -> join", "risk.False -> join", "join.Done -> ok");
        var c = CaseDriver.Start(def);
        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        var wait = Assert.Single(c.State.PendingTimers);

        var step = c.Fire(wait.Id, wait.DueAt);

        Assert.Empty(step.Effects);
        Assert.Equal(TimerStatus.Pending, c.State.Timers.Single().Status);
        c.Apply(new RetryCase(new JsonObject { ["risk"] = new JsonObject { ["score"] = 2 } }, null, Admin, c.Now) { ActorIsAdmin = true });
        c.Fire(wait.Id);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_EscalationRecipientExpressionFails_FaultsAndRetryRunsTheStepAgain()
    {
        var def = Definitions.SingleReview("""
              "assignees": {"users": ["ann@example.org"]},
              "escalations": [{"after": "P1D", "action": "notify", "to": {"expression": "case.data.boss.email"}}]
            """);
        var c = CaseDriver.Start(def, Board());
        var (timer, _) = c.FireNext();

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Equal(TimerStatus.Fired, c.State.Timers.Single(t => t.Id == timer.Id).Status);
        Assert.Empty(c.AuditOf(AuditActions.Escalated));

        c.Apply(new RetryCase(new JsonObject { ["boss"] = new JsonObject { ["email"] = "eve@example.org" } }, null, Admin, c.Now) { ActorIsAdmin = true });

        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Single(c.AuditOf(AuditActions.Escalated));
        Assert.Equal(["eve@example.org"], Assert.Single(c.Last.Effects.OfType<NotificationRequested>()).To);
        c.Decide(Ann);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void FailTimer_ThenRetry_TimerPendingAgainAndCaseShowsIt()
    {
        var c = StartSingleReview("""  "assignees": {"users": ["ann@example.org"]}, "sla": "P1D"  """);
        var deadline = Assert.Single(c.State.PendingTimers);

        var failed = WorkflowEngine.FailTimer(c.State, deadline.Id, "boom", c.Now);

        Assert.Equal(TimerStatus.Failed, Assert.Single(failed.State.FailedTimers).Status);
        Assert.Equal(new TimerFailed(deadline.Id), Effect<TimerFailed>(failed));
        Assert.Equal("boom", (string)Assert.Single(failed.Audit).Details!["reason"]!);
        Assert.Empty(WorkflowEngine.FailTimer(failed.State, deadline.Id, "again", c.Now).Effects);

        var retried = WorkflowEngine.Apply(c.Definition, failed.State, new RetryCase(null, null, Admin, c.Now) { ActorIsAdmin = true }, c.Directory);

        Assert.Equal(TimerStatus.Pending, retried.State.Timers.Single().Status);
        Assert.Equal(deadline.Id, Effect<TimerRearmed>(retried).Timer.Id);
        Assert.Equal(AuditActions.CaseRetried, Assert.Single(retried.Audit).Action);
        Assert.Equal(CaseStatus.InProgress, retried.State.Status);
    }
}
