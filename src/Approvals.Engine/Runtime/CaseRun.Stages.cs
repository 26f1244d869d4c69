using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Expressions;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>Review stages: who gets a task, how the policy counts the votes, and how a stage ends.</summary>
internal sealed partial class CaseRun
{
    private void StartStage(ReviewActivity review)
    {
        var stage = new StageRun { Sequence = NextSequence(), ActivityId = review.Id, Mode = review.Policy.Mode };
        state.Stages.Add(stage);
        AssignStage(stage, review);
        // A quorum that cannot be reached ends the stage at once: then there is nothing to escalate.
        if (state.Stages.Contains(stage)) ArmEscalations(stage, review);
    }

    private void AssignStage(StageRun stage, ReviewActivity review)
    {
        var users = ResolveUsers(review);
        // Separation of duties: the requester never gets a task on their own case, not even through a group.
        users.Remove(state.Requester);
        // Nor does anyone who could never decide it (unknown, disabled, not a reviewer): the history says who was left out.
        var unable = users.Where(u => !directory.MayDecide(u)).ToList();
        if (unable.Count > 0)
        {
            users.RemoveAll(unable.Contains);
            Audit(AuditActions.AssigneesSkipped, review.Id, actor: Actors.System, details: new JsonObject
            {
                ["skipped"] = new JsonArray(unable.Select(u => (JsonNode)u!).ToArray()),
                ["reason"] = "not an enabled reviewer of the directory",
            });
        }

        if (stage.Mode == PolicyMode.Any)
        {
            CheckStageSize(users.Count, review.Id);
            var groups = review.Assignees.Groups.ToList();
            var anyone = users.Count > 0 || groups.Any(g => directory.MembersOf(g).Any(m => m != state.Requester && directory.MayDecide(m)));
            if (!anyone) { OfferToAdministrators(stage, review); return; }
            stage.Required = 1;
            if (users.Count == 1 && groups.Count == 0) CreateTask(stage, review, users[0], [], []);
            else CreateTask(stage, review, null, users, groups);
            return;
        }

        // Users in the listed order, then each group's members alphabetically: the order a sequential stage
        // asks them in, and one that does not hang on the order the directory happens to return.
        var people = new List<string>(users);
        foreach (var g in review.Assignees.Groups)
            foreach (var m in directory.MembersOf(g).Order(StringComparer.Ordinal))
                if (m != state.Requester && directory.MayDecide(m) && !people.Contains(m)) people.Add(m);
        if (people.Count == 0) { OfferToAdministrators(stage, review); return; }
        CheckStageSize(people.Count, review.Id);

        if (stage.Mode == PolicyMode.Quorum) stage.Required = review.Policy.Approvals ?? 1;
        HandTo(stage, review, people, $"Only {people.Count} eligible reviewers for a quorum of {stage.Required}.");
    }

    /// <summary>
    /// Gives <paramref name="people"/> (at least one) the stage's tasks by its policy, other than <c>any</c>: under
    /// <c>all</c> and <c>sequential</c> everyone who already voted and each of them must approve (in turn, for
    /// <c>sequential</c>); a <c>quorum</c> they cannot reach with the approvals already cast ends the stage
    /// rejected with <paramref name="shortfall"/>, before any task exists, so nobody is told of a task that is
    /// cancelled in the same breath.
    /// </summary>
    private void HandTo(StageRun stage, ReviewActivity review, List<string> people, string shortfall)
    {
        // Everyone about to get a task takes part already: an absent one's delegate among them does not get a second.
        _planned = [.. people];
        try
        {
            HandToPlanned(stage, review, people, shortfall);
        }
        finally
        {
            _planned = null;
        }
    }

    private void HandToPlanned(StageRun stage, ReviewActivity review, List<string> people, string shortfall)
    {
        switch (stage.Mode)
        {
            case PolicyMode.All:
                stage.Required = stage.Voters.Count + people.Count;
                foreach (var p in people) CreateTask(stage, review, p, [], []);
                break;
            case PolicyMode.Quorum:
                if (stage.Approvals + people.Count < stage.Required)
                {
                    EndStage(stage, Ports.Rejected, shortfall);
                    break;
                }
                foreach (var p in people) CreateTask(stage, review, p, [], []);
                break;
            case PolicyMode.Sequential:
                stage.Required = stage.Voters.Count + people.Count;
                stage.Pending = people.Skip(1).ToList();
                CreateTask(stage, review, people[0], [], []);
                break;
        }
    }

    /// <summary>Nobody the definition names may decide (all are the requester, or a group is empty): an admin must.</summary>
    private void OfferToAdministrators(StageRun stage, ReviewActivity review)
    {
        stage.Mode = PolicyMode.Any;
        stage.Required = 1;
        Audit(AuditActions.NoEligibleAssignees, review.Id, actor: Actors.System,
            details: new JsonObject { ["reason"] = "No one the stage names may decide this case; an administrator must." });
        CreateTask(stage, review, null, [], []);
    }

    private List<string> ResolveUsers(ReviewActivity review)
    {
        // The expression first: when it faults, nothing else of the stage has been recorded.
        var named = review.Assignees.Expression is { } script ? RunAssigneeScript(script, review.Id) : [];
        var users = review.Assignees.Users.Select(WorkflowEngine.Normalize).ToList();
        if (review.Assignees.RequesterManager)
        {
            if (directory.ManagerOf(state.Requester) is { } manager) users.Add(manager);
            else Audit(AuditActions.NoEligibleAssignees, review.Id, actor: Actors.System,
                details: new JsonObject { ["reason"] = "The requester has no manager in the directory." });
        }
        users.AddRange(named);
        return users.Distinct().ToList();
    }

    private void CreateTask(StageRun stage, ReviewActivity review, string? assignee, List<string> candidateUsers, List<string> candidateGroups)
    {
        // Whoever is out of office hands the task to their delegate (see CaseRun.Absences).
        var cover = new List<(bool Delegated, JsonObject Details)>();
        if (assignee is not null) assignee = StandIn(stage, assignee, null, cover);
        candidateUsers = candidateUsers.Select(u => StandIn(stage, u, null, cover)).Distinct().ToList();
        var task = new ReviewTask
        {
            Id = NextId(),
            ActivityId = review.Id,
            StageSequence = stage.Sequence,
            Assignee = assignee,
            CandidateUsers = candidateUsers,
            CandidateGroups = candidateGroups,
            CreatedAt = At,
            DueAt = review.Sla is { } sla ? Due(At, sla, review.Calendar, review.Id) : null,
        };
        state.Tasks.Add(task);
        _effects.Add(new TaskCreated(task));
        var details = new JsonObject();
        if (assignee is not null) details["assignee"] = assignee;
        if (candidateUsers.Count > 0) details["candidateUsers"] = new JsonArray(candidateUsers.Select(u => (JsonNode)u!).ToArray());
        if (candidateGroups.Count > 0) details["candidateGroups"] = new JsonArray(candidateGroups.Select(g => (JsonNode)g!).ToArray());
        Audit(AuditActions.TaskAssigned, review.Id, task.Id, actor: Actors.System, details: details);
        RecordCover(review.Id, task.Id, cover);
        Notify("TaskAssigned", review.Template ?? "task-assigned", null, PeopleOf(task), review.Id, task.Id);
        if (task.DueAt is { } due) NewTimer(TimerKind.Deadline, review.Id, task.Id, null, due, stage.Sequence);
        ArmReminders(task, review);
    }

    /// <summary>Everyone a task is offered to, less the requester.</summary>
    private List<string> PeopleOf(ReviewTask task)
    {
        if (task.Assignee is not null) return [task.Assignee];
        var people = new List<string>(task.CandidateUsers);
        foreach (var g in task.CandidateGroups) people.AddRange(directory.MembersOf(g));
        return people.Where(p => p != state.Requester).Distinct().ToList();
    }

    private bool IsCandidate(ReviewTask task, string who) =>
        task.Assignee is null
            ? task.CandidateUsers.Contains(who) || task.CandidateGroups.Any(g => directory.IsMember(who, g))
            : task.Assignee == who;

    // ---- events on tasks ----------------------------------------------------------------------------

    private ReviewTask OpenTaskFor(Guid taskId)
    {
        if (state.Status == CaseStatus.Faulted)
            throw new EngineRefusal(RefusalKind.Conflict, $"The case is Faulted ({state.Fault?.Message}); an administrator must retry it first.");
        var task = state.FindTask(taskId) ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} is not part of this case.");
        if (task.Status != ReviewTaskStatus.Open)
            throw new EngineRefusal(RefusalKind.Conflict, task.Status == ReviewTaskStatus.Completed
                ? $"Task {taskId} was already decided by {task.DecidedBy}."
                : $"Task {taskId} was cancelled.");
        if (state.IsTerminal) throw new EngineRefusal(RefusalKind.Conflict, $"The case is closed ({state.Status}).");
        if (Actor == state.Requester)
            throw new EngineRefusal(RefusalKind.Forbidden, "Nobody may act on a task of their own case.");
        return task;
    }

    public void Decide(DecideTask d)
    {
        if (!Enum.IsDefined(d.Decision))
            throw new EngineRefusal(RefusalKind.Invalid, $"'{d.Decision}' is not a decision; use approve, reject or request-changes.", "decision");
        var task = OpenTaskFor(d.TaskId);
        if (!IsCandidate(task, Actor) && !e.ActorIsAdmin)
            throw new EngineRefusal(RefusalKind.Forbidden, "This task is not assigned to you or to a group of yours.");
        var stage = state.Stages.Single(s => s.Sequence == task.StageSequence);
        // A quorum counts distinct people: whoever already voted in this stage may not vote again through another task.
        if (stage.Voters.Contains(Actor))
            throw new EngineRefusal(RefusalKind.Conflict, "You have already decided a task of this stage.");

        task.Status = ReviewTaskStatus.Completed;
        task.Decision = d.Decision;
        task.DecidedBy = Actor;
        task.DecidedAt = At;
        task.Comment = d.Comment;
        stage.Voters.Add(Actor);
        CancelTaskTimers(task.Id);
        _effects.Add(new TaskChanged(task));
        Audit(AuditActions.TaskDecided, task.ActivityId, task.Id, d.Comment, new JsonObject { ["decision"] = DecisionNames.Of(d.Decision) });
        RecordDecision(task);

        var port = Count(stage, d.Decision);
        if (port is not null) EndStage(stage, port, null);
        Settle();
    }

    /// <summary>The port a stage leaves by after this vote, or null while it still waits for votes.</summary>
    private string? Count(StageRun stage, Decision decision)
    {
        if (decision == Decision.RequestChanges) return Ports.ChangesRequested;
        if (decision == Decision.Reject) stage.Rejections++; else stage.Approvals++;
        var open = state.OpenTasks.Count(t => t.StageSequence == stage.Sequence);
        switch (stage.Mode)
        {
            case PolicyMode.Quorum:
                if (stage.Approvals >= stage.Required) return Ports.Approved;
                return stage.Approvals + open < stage.Required ? Ports.Rejected : null;
            case PolicyMode.Sequential when decision == Decision.Approve && stage.Pending.Count > 0:
                var next = stage.Pending[0];
                stage.Pending.RemoveAt(0);
                CreateTask(stage, (ReviewActivity)def.Get(stage.ActivityId), next, [], []);
                return null;
            default:
                if (decision == Decision.Reject) return Ports.Rejected;
                return stage.Approvals >= stage.Required ? Ports.Approved : null;
        }
    }

    private void RecordDecision(ReviewTask task)
    {
        if (state.StageResults[task.ActivityId] is not JsonObject result)
            state.StageResults[task.ActivityId] = result = new JsonObject { ["decisions"] = new JsonArray() };
        result["decisions"]!.AsArray().Add(new JsonObject
        {
            // "at" as a JSON string, not a typed DateTimeOffset value: the state must serialise to the same bytes
            // before and after a trip through storage.
            ["by"] = task.DecidedBy, ["decision"] = DecisionNames.Of(task.Decision!.Value), ["comment"] = task.Comment,
            ["at"] = JsonValue.Create(JsonSerializer.SerializeToElement(task.DecidedAt)),
        });
    }

    /// <summary>Closes a stage by a port: the other open tasks are cancelled, and the flow goes on.</summary>
    private void EndStage(StageRun stage, string port, string? reason)
    {
        CloseStage(stage, "The stage was decided.");
        var outcome = port switch { Ports.Approved => "Approved", Ports.Rejected => "Rejected", _ => "ChangesRequested" };
        ((JsonObject)(state.StageResults[stage.ActivityId] ??= new JsonObject { ["decisions"] = new JsonArray() }))["outcome"] = outcome;
        var details = new JsonObject { ["outcome"] = outcome };
        if (reason is not null) details["reason"] = reason;
        Audit(AuditActions.StageCompleted, stage.ActivityId, actor: Actors.System, details: details);

        if (port == Ports.ChangesRequested)
        {
            // Back to the requester. On resubmission the case follows the ChangesRequested port when it is
            // connected, and otherwise this stage starts again (see CaseRun.Resubmit). The file is with the
            // requester now, so nobody else goes on reviewing it meanwhile.
            HoldOtherWork(stage.ActivityId);
            if (!state.ChangesRequestedBy.Contains(stage.ActivityId)) state.ChangesRequestedBy.Add(stage.ActivityId);
            state.Status = CaseStatus.ChangesRequested;
            Audit(AuditActions.ChangesRequested, stage.ActivityId);
            Notify("ChangesRequested", "changes-requested", null, [state.Requester], stage.ActivityId, null);
            return;
        }
        Follow(stage.ActivityId, port);
    }

    /// <summary>Removes a stage and cancels its open tasks and every pending timer of the stage run and its tasks.</summary>
    private void CloseStage(StageRun stage, string reason)
    {
        state.Stages.Remove(stage);
        foreach (var task in state.OpenTasks.Where(t => t.StageSequence == stage.Sequence).ToList()) CancelTask(task, reason);
        foreach (var timer in state.PendingTimers.Where(t => t.StageSequence == stage.Sequence).ToList()) CancelTimer(timer.Id);
    }

    private void CancelTask(ReviewTask task, string reason)
    {
        task.Status = ReviewTaskStatus.Cancelled;
        _effects.Add(new TaskChanged(task));
        Audit(AuditActions.TaskCancelled, task.ActivityId, task.Id, actor: Actors.System, details: new JsonObject { ["reason"] = reason });
        CancelTaskTimers(task.Id);
    }

    public void Claim(ClaimTask c)
    {
        var task = OpenTaskFor(c.TaskId);
        if (!task.IsGroupTask) throw new EngineRefusal(RefusalKind.Conflict, $"Task {c.TaskId} is already assigned to {task.Assignee}.");
        if (!IsCandidate(task, Actor) && !e.ActorIsAdmin)
            throw new EngineRefusal(RefusalKind.Forbidden, "This task is not offered to you or to a group of yours.");
        task.Assignee = Actor;
        _effects.Add(new TaskChanged(task));
        Audit(AuditActions.TaskClaimed, task.ActivityId, task.Id);
    }

    public void Delegate(DelegateTask d)
    {
        var task = OpenTaskFor(d.TaskId);
        var to = WorkflowEngine.Normalize(d.To);
        if (!IsCandidate(task, Actor) && !e.ActorIsAdmin)
            throw new EngineRefusal(RefusalKind.Forbidden, "Only the task's assignee (or an administrator) may hand it on.");
        if (to.Length == 0 || !to.Contains('@'))
            throw new EngineRefusal(RefusalKind.Invalid, $"'{d.To}' is not an email address.", "to");
        if (to == state.Requester)
            throw new EngineRefusal(RefusalKind.Invalid, "A task cannot be handed to the requester of its own case.", "to");
        if (to == task.Assignee)
            throw new EngineRefusal(RefusalKind.Invalid, $"The task is already assigned to {to}.", "to");
        var stage = state.Stages.Single(s => s.Sequence == task.StageSequence);
        if (TakesPart(stage, to, task.Id))
            throw new EngineRefusal(RefusalKind.Invalid, $"{to} already takes part in this stage; each person counts once.", "to");
        HandOver(task, to, d.Comment, new JsonObject { ["from"] = task.Assignee ?? Actor, ["to"] = to });
    }
}
