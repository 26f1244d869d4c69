using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

/// <summary>Escalation chains: notify, reassign, addReviewers and decide, fired in due order.</summary>
public sealed partial class TimerTests
{
    /// <summary>The issue's chain: remind after P1D; after P2D reassign to the supervisors; after P4D tell the requester's manager; after P5D reject.</summary>
    private const string IssueChain = """
        "assignees": {"groups": ["officers"]}, "sla": "P3D", "reminders": ["P1D"],
        "escalations": [
          {"after": "P2D", "action": "reassign", "to": {"groups": ["supervisors"]}},
          {"after": "P4D", "action": "notify", "to": {"requesterManager": true}},
          {"after": "P5D", "action": "decide", "outcome": "Rejected"} ]
        """;

    [Fact]
    public void Start_Escalations_OneTimerPerStepWithIndexAndStageSequence()
    {
        var c = Start(IssueChain);
        var stage = Assert.Single(c.State.Stages);

        var escalations = c.Pending(TimerKind.Escalation);

        Assert.Equal([0, 1, 2], escalations.Select(t => t.Index));
        Assert.Equal([T0.AddDays(2), T0.AddDays(4), T0.AddDays(5)], escalations.Select(t => t.DueAt));
        Assert.All(escalations, t => Assert.Equal(stage.Sequence, t.StageSequence));
        Assert.All(escalations, t => Assert.Null(t.TaskId));
        Assert.All(escalations, t => Assert.Equal("review", t.ActivityId));
    }

    [Fact]
    public void Apply_IssueChainFiredInDueOrder_RemindReassignNotifyReject()
    {
        var c = Start(IssueChain);
        var first = c.OpenTask("review");

        // Day 1: the officers are reminded.
        var (t1, day1) = c.FireNext();
        Assert.Equal((TimerKind.Reminder, T0.AddDays(1)), (t1.Kind, t1.DueAt));
        Assert.Equal([Ann, Bob], Assert.Single(Notices(day1, "Reminder")).To);

        // Day 2: the stage goes to the supervisors; the officers' task and its deadline are cancelled.
        var (t2, day2) = c.FireNext();
        Assert.Equal((TimerKind.Escalation, 0), (t2.Kind, t2.Index));
        Assert.Equal([AuditActions.Escalated, AuditActions.TaskCancelled, AuditActions.TaskAssigned], day2.Audit.Select(a => a.Action));
        var escalated = day2.Audit.First();
        Assert.Equal(Actors.System, escalated.Actor);
        Assert.Equal(0, (int)escalated.Details!["index"]!);
        Assert.Equal("reassign", (string?)escalated.Details["action"]);
        Assert.Equal("reassigned by escalation", (string?)day2.Audit.ElementAt(1).Details!["reason"]);
        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(first.Id).Status);
        Assert.Contains(day2.Effects.OfType<TimerCancelled>(), x => c.State.Timers.Single(t => t.Id == x.TimerId) is { Kind: TimerKind.Deadline, TaskId: var id } && id == first.Id);
        var second = c.OpenTask("review");
        Assert.Null(second.Assignee);
        Assert.Equal(["supervisors"], second.CandidateGroups);
        Assert.Equal(T0.AddDays(5), second.DueAt);
        Assert.Equal([Cy, Dee], Assert.Single(Notices(day2, "TaskAssigned")).To);

        // Day 3: the supervisors' own reminder.
        var (t3, day3) = c.FireNext();
        Assert.Equal((TimerKind.Reminder, second.Id), (t3.Kind, t3.TaskId));
        Assert.Equal([Cy, Dee], Assert.Single(Notices(day3, "Reminder")).To);

        // Day 4: the requester's manager is told.
        var (t4, day4) = c.FireNext();
        Assert.Equal((TimerKind.Escalation, 1), (t4.Kind, t4.Index));
        var told = Assert.Single(Notices(day4, "Escalation"));
        Assert.Equal("task-escalated", told.Template);
        Assert.Equal([Boss], told.To);
        Assert.Equal("notify", (string?)Assert.Single(day4.Audit).Details!["action"]);
        Assert.Equal(ReviewTaskStatus.Open, c.Task(second.Id).Status);

        // Day 5: the system rejects; the supervisors' deadline (due the same second) is cancelled with the stage.
        var (t5, day5) = c.FireNext();
        Assert.Equal((TimerKind.Escalation, 2), (t5.Kind, t5.Index));
        Assert.Equal([AuditActions.Escalated, AuditActions.TaskCancelled, AuditActions.StageCompleted, AuditActions.CaseCompleted],
            day5.Audit.Select(a => a.Action));
        var completed = day5.Audit.Single(a => a.Action == AuditActions.StageCompleted);
        Assert.Equal("Rejected", (string?)completed.Details!["outcome"]);
        Assert.Equal("decided by escalation", (string?)completed.Details["reason"]);
        Assert.Equal(Actors.System, completed.Actor);
        Assert.Equal(T0.AddDays(5), completed.At);
        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Equal(CaseOutcome.Rejected, c.State.Outcome);
        Assert.Empty(c.Open);
        Assert.Empty(c.State.PendingTimers);
        Assert.Equal(2, c.AuditOf(AuditActions.ReminderSent).Count());
        Assert.Equal(3, c.AuditOf(AuditActions.Escalated).Count());
    }

    [Fact]
    public void Apply_StageDecidedBeforeItsEscalations_TimersCancelledAndFiringChangesNothing()
    {
        var c = Start(IssueChain);
        var escalations = c.Pending(TimerKind.Escalation);

        var decided = c.Decide(c.OpenTask("review"), Ann);

        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.All(escalations, t => Assert.Contains(decided.Effects.OfType<TimerCancelled>(), x => x.TimerId == t.Id));
        foreach (var timer in escalations)
        {
            var before = c.State;
            NothingHappened(before, c.Fire(timer.Id, timer.DueAt));
        }
    }

    [Fact]
    public void Apply_EscalationOfAnEarlierStageRun_ChangesNothing()
    {
        // Changes requested and resubmitted: the stage starts afresh with its own chain; the old chain is dead.
        var c = Start(""" "assignees": {"users": ["ann@example.org"]}, "escalations": [{"after": "P1D", "action": "decide", "outcome": "Rejected"}] """);
        var old = Assert.Single(c.Pending(TimerKind.Escalation));
        c.Decide(Ann, Decision.RequestChanges);
        c.Resubmit();
        var fresh = Assert.Single(c.Pending(TimerKind.Escalation));
        Assert.NotEqual(old.StageSequence, fresh.StageSequence);
        var before = c.State;

        NothingHappened(before, c.Fire(old.Id, old.DueAt));
        Assert.Equal(ReviewTaskStatus.Open, c.TaskOf(Ann).Status);
    }

    [Fact]
    public void Apply_EscalationAfterWithdrawal_ChangesNothing()
    {
        var c = Start(IssueChain);
        var timer = c.Pending(TimerKind.Escalation)[2];
        c.Withdraw();
        var before = c.State;

        NothingHappened(before, c.Fire(timer.Id, timer.DueAt));
    }

    [Fact]
    public void Apply_EscalationFiredTwice_SecondChangesNothing()
    {
        var c = Start(IssueChain);
        var timer = c.Pending(TimerKind.Escalation)[0];
        c.Fire(timer.Id, timer.DueAt);
        var before = c.State;

        NothingHappened(before, c.Fire(timer.Id, timer.DueAt.AddSeconds(3)));
    }

    // ---- notify -------------------------------------------------------------------------------------

    [Fact]
    public void Apply_NotifyAssigneeAndTheirManagers_TheStagesOpenTasksOnly()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"},
            "escalations": [{"after": "P1D", "action": "notify", "to": {"assignee": true, "assigneeManager": true, "users": ["eve@example.org"]}, "template": "board-late"}]
            """);
        c.Decide(Ann);

        var (_, step) = c.FireNext();

        var told = Assert.Single(Notices(step, "Escalation"));
        Assert.Equal("board-late", told.Template);
        Assert.Equal([Eve, Bob, Dee], told.To);
        Assert.Equal(c.TaskOf(Bob).Id, told.TaskId);
        Assert.Equal(["review"], c.State.ActiveActivities);
    }

    [Fact]
    public void Apply_NotifyGroupAndRequester_Resolved()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org"]},
            "escalations": [{"after": "P1D", "action": "notify", "to": {"groups": ["supervisors"], "requester": true}}]
            """);

        var (_, step) = c.FireNext();

        Assert.Equal([Cy, Dee, Requester], Assert.Single(Notices(step, "Escalation")).To);
        Assert.Equal([Cy, Dee, Requester], Assert.Single(step.Audit).Details!["to"]!.AsArray().Select(n => (string?)n));
    }

    // ---- reassign -----------------------------------------------------------------------------------

    [Fact]
    public void Apply_ReassignAll_VotesSoFarCountAndVotersGetNoNewTask()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org", "cy@example.org"]}, "policy": {"mode": "all"},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"users": ["ann@example.org"], "groups": ["supervisors"]}}]
            """);
        c.Decide(Ann);
        var bobs = c.TaskOf(Bob);

        c.FireNext();

        Assert.Equal(ReviewTaskStatus.Cancelled, c.Task(bobs.Id).Status);
        Assert.Equal([Cy, Dee], c.Open.Select(t => t.Assignee).Order());
        Assert.Equal(3, Assert.Single(c.State.Stages).Required);
        c.Decide(Cy);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Dee);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_ReassignSequential_PendingListReplaced()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org", "cy@example.org"]}, "policy": {"mode": "sequential"},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"users": ["dee@example.org", "eve@example.org"]}}]
            """);
        c.Decide(Ann);

        c.FireNext();

        Assert.Equal(Dee, Assert.Single(c.Open).Assignee);
        Assert.Equal([Eve], Assert.Single(c.State.Stages).Pending);
        c.Decide(Dee);
        Assert.Equal(Eve, Assert.Single(c.Open).Assignee);
        c.Decide(Eve);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
        Assert.DoesNotContain(c.State.Tasks, t => t.Assignee is Bob or Cy && t.Status != ReviewTaskStatus.Cancelled);
    }

    [Fact]
    public void Apply_ReassignQuorum_SameQuorumWithNewPeople()
    {
        var c = Start("""
            "assignees": {"groups": ["officers"]}, "policy": {"mode": "quorum", "approvals": 2},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"groups": ["supervisors"]}}]
            """);
        c.Decide(Ann);

        c.FireNext();

        Assert.Equal([Cy, Dee], c.Open.Select(t => t.Assignee).Order());
        c.Decide(Cy);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_ReassignQuorumToTooFew_StageRejected()
    {
        var c = Start("""
            "assignees": {"groups": ["supervisors"]}, "policy": {"mode": "quorum", "approvals": 2},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"users": ["eve@example.org"]}}]
            """);

        c.FireNext();

        Assert.Equal(CaseStatus.Rejected, c.State.Status);
        Assert.Contains("quorum", (string?)c.AuditOf(AuditActions.StageCompleted).Single().Details!["reason"]);
    }

    [Fact]
    public void Apply_ReassignNeverToTheRequester_OthersOnly()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org"]},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"users": ["requester@example.org", "bob@example.org"]}}]
            """);

        c.FireNext();

        Assert.Equal(Bob, Assert.Single(c.Open).Assignee);
    }

    [Fact]
    public void Apply_ReassignToNobodyEligible_AdministratorsTask()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"},
            "escalations": [{"after": "P1D", "action": "reassign", "to": {"users": ["requester@example.org"], "groups": ["nobody"]}}]
            """);

        var (_, step) = c.FireNext();

        var task = Assert.Single(c.Open);
        Assert.Null(task.Assignee);
        Assert.Empty(task.CandidateUsers);
        Assert.Empty(task.CandidateGroups);
        Assert.Contains(step.Audit, a => a.Action == AuditActions.NoEligibleAssignees);
        c.Decide(task, "admin@example.org", admin: true);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    // ---- addReviewers -------------------------------------------------------------------------------

    [Fact]
    public void Apply_AddReviewersQuorum_MoreTasksSameQuorum()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "quorum", "approvals": 2},
            "escalations": [{"after": "P1D", "action": "addReviewers", "to": {"groups": ["everyone"]}}]
            """);
        c.Decide(Ann);
        var bobs = c.TaskOf(Bob);

        var (_, step) = c.FireNext();

        // Ann voted and Bob holds a task; the requester is never added.
        Assert.Equal([Bob, Cy, Dee, Eve], c.Open.Select(t => t.Assignee).Order());
        Assert.Equal(ReviewTaskStatus.Open, c.Task(bobs.Id).Status);
        Assert.Equal(2, Assert.Single(c.State.Stages).Required);
        Assert.Equal(3, step.Effects.OfType<TaskCreated>().Count());
        c.Decide(Bob, Decision.Reject);
        c.Decide(Cy, Decision.Reject);
        Assert.Equal(CaseStatus.InProgress, c.State.Status); // Ann + Dee or Eve can still make two
        c.Decide(Eve);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_AddReviewersAll_RequiredGrows()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "all"},
            "escalations": [{"after": "P1D", "action": "addReviewers", "to": {"users": ["cy@example.org", "bob@example.org"]}}]
            """);
        c.Decide(Ann);

        c.FireNext();

        Assert.Equal(3, Assert.Single(c.State.Stages).Required);
        c.Decide(Bob);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Cy);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_AddReviewersAny_NewCandidatesOfTheOpenTask()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org"]},
            "escalations": [{"after": "P1D", "action": "addReviewers", "to": {"groups": ["supervisors"]}}]
            """);
        var task = c.TaskOf(Ann);

        var (_, step) = c.FireNext();

        var open = Assert.Single(c.Open);
        Assert.Equal(task.Id, open.Id);
        Assert.Null(open.Assignee);
        Assert.Equal([Ann], open.CandidateUsers);
        Assert.Equal(["supervisors"], open.CandidateGroups);
        Assert.Equal([Cy, Dee], Assert.Single(Notices(step, "TaskAssigned")).To);
        c.Decide(open, Dee);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    [Fact]
    public void Apply_AddReviewersSequential_AskedAfterTheOthers()
    {
        var c = Start("""
            "assignees": {"users": ["ann@example.org", "bob@example.org"]}, "policy": {"mode": "sequential"},
            "escalations": [{"after": "P1D", "action": "addReviewers", "to": {"users": ["cy@example.org"]}}]
            """);

        c.FireNext();

        Assert.Equal([Bob, Cy], Assert.Single(c.State.Stages).Pending);
        c.Decide(Ann);
        c.Decide(Bob);
        Assert.Equal(CaseStatus.InProgress, c.State.Status);
        c.Decide(Cy);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }

    // ---- decide -------------------------------------------------------------------------------------

    [Fact]
    public void Apply_DecideApproved_FlowContinuesToTheNextStage()
    {
        var def = Definitions.Parse("""
            [ {"id": "start", "type": "Start"},
              {"id": "first", "type": "Review", "assignees": {"groups": ["officers"]}, "policy": {"mode": "all"},
               "escalations": [{"after": "PT8H", "action": "decide", "outcome": "Approved"}]},
              {"id": "second", "type": "Review", "assignees": {"users": ["cy@example.org"]}},
              {"id": "ok", "type": "End", "outcome": "Approved"}, {"id": "no", "type": "End", "outcome": "Rejected"} ]
            """, "start.Done -> first", "first.Approved -> second", "first.Rejected -> no", "second.Approved -> ok", "second.Rejected -> no");
        var c = CaseDriver.Start(def, People());
        c.Decide(Ann);

        var (_, step) = c.FireNext();

        Assert.Equal([AuditActions.Escalated, AuditActions.TaskCancelled, AuditActions.StageCompleted, AuditActions.TaskAssigned],
            step.Audit.Select(a => a.Action));
        Assert.Equal("Approved", (string?)step.Audit.First().Details!["outcome"]);
        Assert.Equal("Approved", (string?)c.State.StageResults["first"]!["outcome"]);
        Assert.Equal(Cy, c.OpenTask("second").Assignee);
        Assert.Equal(["second"], c.State.ActiveActivities);
        c.Decide(Cy);
        Assert.Equal(CaseStatus.Approved, c.State.Status);
    }
}
