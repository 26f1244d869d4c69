using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public sealed partial class WorkflowEngineTests
{
    /// <summary>start → fork → a (Ann) and b (Bob) → join (mode) → final (Dee) → ok; every rejection → no.</summary>
    private static WorkflowDefinition ForkJoin(string mode) => Definitions.Parse($$$"""
        [ {"id": "start", "type": "Start"}, {"id": "fork", "type": "Fork"},
          {"id": "a", "type": "Review", "assignees": {"users": ["ann@example.org"]}},
          {"id": "b", "type": "Review", "assignees": {"users": ["bob@example.org"]}},
          {"id": "join", "type": "Join", "mode": "{{{mode}}}"},
          {"id": "final", "type": "Review", "assignees": {"users": ["dee@example.org"]}},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> fork", "fork.Done -> a", "fork.Done -> b",
        "a.Approved -> join", "a.Rejected -> no", "b.Approved -> join", "b.Rejected -> no",
        "join.Done -> final", "final.Approved -> ok", "final.Rejected -> no");

    [Fact]
    public void Start_Fork_StartsEveryBranch()
    {
        var c = CaseDriver.Start(ForkJoin("all"));

        Assert.Equal([Ann, Bob], c.Open.Select(t => t.Assignee));
        Assert.Equal(["a", "b"], c.State.ActiveActivities);
    }

    [Fact]
    public void Apply_JoinAllOneBranchDone_WaitsForTheOther()
    {
        var c = CaseDriver.Start(ForkJoin("all"));

        c.Decide(Ann);
        Assert.Empty(c.OpenIn("final"));
        Assert.Single(c.OpenIn("b"));

        c.Decide(Bob);
        Assert.Equal(Dee, c.OpenTask("final").Assignee);
        Assert.Empty(c.State.Joins);
    }

    [Fact]
    public void Apply_JoinAnyFirstBranchArrives_CancelsTheOtherBranchAndGoesOn()
    {
        var c = CaseDriver.Start(ForkJoin("any"));
        var bob = c.TaskOf(Bob);

        c.Decide(Ann);

        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(bob.Id).Status);
        Assert.Equal(Dee, c.OpenTask("final").Assignee);
        Assert.Equal(["final"], c.State.ActiveActivities);
    }

    [Fact]
    public void Apply_BranchRejectedToEnd_ClosesTheCaseAndCancelsEverythingOpen()
    {
        var c = CaseDriver.Start(ForkJoin("all"));
        var bob = c.TaskOf(Bob);

        c.Decide(Ann, Decision.Reject);

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(bob.Id).Status);
        Assert.Empty(c.State.Stages);
        Assert.Empty(c.State.Joins);
        Assert.Equal(c.Now.AddMinutes(-1), c.State.CompletedAt);
        Assert.Equal(new CaseCompleted(CaseStatus.Rejected, CaseOutcome.Rejected), Effect<CaseCompleted>(c.Last));
        Assert.Single(c.Last.Effects.OfType<NotificationRequested>(), n => n.Event == "CaseCompleted" && n.Template == "case-rejected");
    }

    /// <summary>start → risk (condition) → True: security (Dee) → ok | False: ok; rejections → no.</summary>
    private static WorkflowDefinition RiskRouting(string condition) => Definitions.Parse($$$"""
        [ {"id": "start", "type": "Start"},
          {"id": "risk", "type": "Decision", "condition": {{{JsonValue.Create(condition).ToJsonString()}}}},
          {"id": "security", "type": "Review", "assignees": {"users": ["dee@example.org"]}},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> risk", "risk.True -> security", "risk.False -> ok", "security.Approved -> ok", "security.Rejected -> no");

    [Theory]
    [InlineData(70, true)]
    [InlineData(95, true)]
    [InlineData(69, false)]
    public void Start_DecisionOnRiskScore_RoutesTrueOrFalse(int riskScore, bool expected)
    {
        var c = CaseDriver.Start(RiskRouting("case.data.riskScore >= 70"), data: new JsonObject { ["riskScore"] = riskScore });

        var evaluated = Assert.Single(c.AuditOf(AuditActions.DecisionEvaluated));
        Assert.Equal(expected, (bool)evaluated.Details!["result"]!);
        if (expected) Assert.Equal(Dee, c.OpenTask("security").Assignee);
        else Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Theory]
    [InlineData("if (case.data.riskScore > 0) throw new Error('boom'); return true;", "boom")]
    [InlineData("case.data.missing.deeper > 1", "")]
    [InlineData("Date.now() > 0", "clock")]
    [InlineData("new Date().getFullYear() > 2000", "clock")]
    public void Start_DecisionScriptFails_CaseFaultedAndNoPortTaken(string condition, string messagePart)
    {
        var c = CaseDriver.Start(RiskRouting(condition), data: new JsonObject { ["riskScore"] = 80 });

        // Never the False port: that would wave a high-risk file past the security review.
        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Empty(c.Open);
        Assert.Empty(c.AuditOf(AuditActions.DecisionEvaluated));
        var fault = c.State.Fault!;
        Assert.Equal("risk", fault.ActivityId);
        Assert.Contains(messagePart, fault.Message);
        Assert.Equal(CaseDriver.T0, fault.At);
        var faulted = Assert.Single(c.AuditOf(AuditActions.ActivityFaulted));
        Assert.Equal("risk", faulted.ActivityId);
        Assert.Equal(fault.Message, (string)faulted.Details!["message"]!);
    }

    [Fact]
    public void Start_DecisionScriptParsesDatesFromData_Works()
    {
        var c = CaseDriver.Start(RiskRouting("new Date(case.data.born).getUTCFullYear() < 2000"), data: new JsonObject { ["born"] = "1990-04-01" });

        Assert.Equal(Dee, c.OpenTask("security").Assignee);
    }

    /// <summary>start → first (board, any) → second (assignees from an expression over stages) → ok.</summary>
    private static WorkflowDefinition TwoStages(string secondAssignees) => Definitions.Parse($$$"""
        [ {"id": "start", "type": "Start"},
          {"id": "first", "type": "Review", "assignees": {"groups": ["board"]}},
          {"id": "check", "type": "Decision", "condition": "stages.first.outcome === 'Approved' && stages.first.decisions[0].decision === 'approve'"},
          {"id": "second", "type": "Review", "assignees": {{{secondAssignees}}}, "policy": {"mode": "all"}},
          {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
        """,
        "start.Done -> first", "first.Approved -> check", "first.Rejected -> no", "check.True -> second", "check.False -> no",
        "second.Approved -> ok", "second.Rejected -> no");

    [Fact]
    public void Apply_ExpressionsSeeEarlierStages_RouteAndAssignByThem()
    {
        var def = TwoStages("""{"expression": "stages.first.decisions[0].by === 'ann@example.org' ? ['bob@example.org', 'cy@example.org'] : 'dee@example.org'"}""");
        var c = CaseDriver.Start(def, Board());

        c.Decide(c.OpenTask("first"), Ann, comment: "Documents in order.");

        Assert.Equal([Bob, Cy], c.OpenIn("second").Select(t => t.Assignee));
        var first = c.State.StageResults["first"]!;
        Assert.Equal("Approved", (string?)first["outcome"]);
        Assert.Equal("Documents in order.", (string?)first["decisions"]![0]!["comment"]);
    }

    [Fact]
    public void Start_AssigneeExpressionReturnsEmailsFromData_TasksForThoseEmails()
    {
        var c = StartSingleReview("""  "assignees": {"expression": "case.data.reviewers"}, "policy": {"mode": "all"}  """,
            data: new JsonObject { ["reviewers"] = new JsonArray(" Bob@Example.org ", "cy@example.org", CaseDriver.Requester) });

        // Normalised, and the requester is left out.
        Assert.Equal([Bob, Cy], c.Open.Select(t => t.Assignee));
    }

    [Fact]
    public void Start_AssigneeExpressionFails_CaseFaultedWithoutATask()
    {
        var c = StartSingleReview("""  "assignees": {"expression": "case.data.reviewers.length > 0 ? 42 : 42"}  """,
            data: new JsonObject { ["reviewers"] = new JsonArray() });

        Assert.Equal(CaseStatus.Faulted, c.State.Status);
        Assert.Equal("review", c.State.Fault!.ActivityId);
        Assert.Contains("must return an email", c.State.Fault.Message);
        Assert.Empty(c.AuditOf(AuditActions.NoEligibleAssignees));
        Assert.Empty(c.State.Tasks);
        Assert.Empty(c.State.Stages);
        Assert.DoesNotContain(c.Last.Effects, x => x is TaskCreated or TimerScheduled or NotificationRequested);
    }

    [Fact]
    public void Start_RequesterManager_AssignsTheTaskToTheManager()
    {
        var directory = Board().SetManager(Requester, "Boss@Example.org");

        var c = StartSingleReview("""  "assignees": {"requesterManager": true}  """, directory);

        Assert.Equal("boss@example.org", c.OpenTask("review").Assignee);
    }

    [Fact]
    public void Start_RequesterManagerUnknown_NoEligibleAssigneesAndAnAdminTask()
    {
        var c = StartSingleReview("""  "assignees": {"requesterManager": true}  """);

        Assert.NotEmpty(c.AuditOf(AuditActions.NoEligibleAssignees));
        Assert.Null(c.OpenTask("review").Assignee);

        c.Decide(c.OpenTask("review"), Admin, admin: true);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Start_NotifyActivity_RequestsTheNotificationAndGoesOn()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "tell", "type": "Notify", "to": {"requester": true, "groups": ["board"]}, "template": "case-update", "subject": "News"},
              {"id": "ok", "type": "End", "outcome": "Approved"} ]
            """, "start.Done -> tell", "tell.Done -> ok");

        var c = CaseDriver.Start(def, Board());

        var note = Assert.Single(c.Last.Effects.OfType<NotificationRequested>(), n => n.Event == "Notify");
        Assert.Equal("case-update", note.Template);
        Assert.Equal("News", note.Subject);
        Assert.Equal([Ann, Bob, Cy, Requester], note.To.Order());
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }
}
