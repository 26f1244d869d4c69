using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>
/// The steps of a stage's escalation chain: tell someone, hand the stage to others, add reviewers, or decide
/// it. Each is recorded as <c>Escalated</c> by <c>system</c> before its consequences.
/// </summary>
internal sealed partial class CaseRun
{
    private const string ReassignedReason = "reassigned by escalation";

    private void Escalate(StageRun stage, ReviewActivity review, Escalation step, int index)
    {
        var details = new JsonObject { ["index"] = index, ["action"] = ActionName(step.Action) };
        switch (step.Action)
        {
            case EscalationAction.Notify:
                var open = OpenTasksOf(stage);
                var to = Recipients(step.To, open, review.Id);
                details["to"] = Array(to);
                Audit(AuditActions.Escalated, review.Id, actor: Actors.System, details: details);
                Notify("Escalation", step.Template ?? "task-escalated", null, to, review.Id, open.Count == 1 ? open[0].Id : null);
                break;
            case EscalationAction.Reassign:
                Reassign(stage, review, step, details);
                break;
            case EscalationAction.AddReviewers:
                AddReviewers(stage, review, step, details);
                break;
            case EscalationAction.Decide:
                var outcome = step.Outcome ?? CaseOutcome.Rejected;
                details["outcome"] = outcome.ToString();
                Audit(AuditActions.Escalated, review.Id, actor: Actors.System, details: details);
                EndStage(stage, outcome == CaseOutcome.Approved ? Ports.Approved : Ports.Rejected, "decided by escalation");
                break;
        }
    }

    /// <summary>
    /// The stage's open tasks are cancelled and the stage is offered to the <c>to</c> people instead, by the
    /// stage's policy. Votes already cast still count; nobody votes twice and the requester never gets a task.
    /// </summary>
    private void Reassign(StageRun stage, ReviewActivity review, Escalation step, JsonObject details)
    {
        var (users, groups) = Targets(step.To, stage, review.Id);
        details["users"] = Array(users);
        details["groups"] = Array(groups);
        Audit(AuditActions.Escalated, review.Id, actor: Actors.System, details: details);
        foreach (var task in OpenTasksOf(stage)) CancelTask(task, ReassignedReason);

        if (stage.Mode == PolicyMode.Any)
        {
            var anyone = users.Count > 0 || groups.Any(g => directory.MembersOf(g).Any(m => Eligible(stage, m)));
            if (!anyone) { OfferToAdministrators(stage, review); return; }
            if (users.Count == 1 && groups.Count == 0) CreateTask(stage, review, users[0], [], []);
            else CreateTask(stage, review, null, users, groups);
            return;
        }

        var people = Expand(users, groups, stage);
        if (people.Count == 0) { OfferToAdministrators(stage, review); return; }
        CheckStageSize(people.Count, review.Id);
        HandTo(stage, review, people,
            $"Only {stage.Approvals + people.Count} possible approvals after the reassignment for a quorum of {stage.Required}.");
    }

    /// <summary>
    /// More people for the stage, keeping the tasks it has: under <c>any</c> they become candidates of the open
    /// task; under <c>all</c> each gets a task and must approve too; under <c>quorum</c> each gets a task and the
    /// quorum stays; under <c>sequential</c> they are asked after those already listed.
    /// </summary>
    private void AddReviewers(StageRun stage, ReviewActivity review, Escalation step, JsonObject details)
    {
        var (users, groups) = Targets(step.To, stage, review.Id);
        var open = OpenTasksOf(stage);

        if (stage.Mode == PolicyMode.Any && open.FirstOrDefault() is { } task)
        {
            var before = PeopleOf(task);
            var newUsers = users.Where(u => u != task.Assignee && !task.CandidateUsers.Contains(u)).ToList();
            var newGroups = groups.Where(g => !task.CandidateGroups.Contains(g)).ToList();
            CheckStageSize(task.CandidateUsers.Count + newUsers.Count + 1, review.Id);
            details["users"] = Array(newUsers);
            details["groups"] = Array(newGroups);
            Audit(AuditActions.Escalated, review.Id, actor: Actors.System, details: details);
            if (newUsers.Count == 0 && newGroups.Count == 0) return;
            // An assigned task becomes one offered to its assignee and the new people alike.
            if (task.Assignee is { } assignee) task.CandidateUsers = [assignee, .. task.CandidateUsers.Where(u => u != assignee)];
            task.Assignee = null;
            task.CandidateUsers.AddRange(newUsers);
            task.CandidateGroups.AddRange(newGroups);
            _effects.Add(new TaskChanged(task));
            var added = PeopleOf(task).Except(before).ToList();
            Notify("TaskAssigned", review.Template ?? "task-assigned", null, added, review.Id, task.Id);
            return;
        }

        var holding = open.Select(t => t.Assignee).OfType<string>().ToHashSet();
        var people = Expand(users, groups, stage).Where(p => !holding.Contains(p) && !stage.Pending.Contains(p)).ToList();
        CheckStageSize(open.Count + stage.Pending.Count + people.Count, review.Id);
        details["users"] = Array(people);
        details["groups"] = Array(groups);
        Audit(AuditActions.Escalated, review.Id, actor: Actors.System, details: details);
        switch (stage.Mode)
        {
            case PolicyMode.All:
                stage.Required += people.Count;
                foreach (var p in people) CreateTask(stage, review, p, [], []);
                break;
            case PolicyMode.Quorum:
                foreach (var p in people) CreateTask(stage, review, p, [], []);
                break;
            // An open stage always has an open task; `any` without one has nothing to add people to.
            case PolicyMode.Any:
                break;
            case PolicyMode.Sequential:
                stage.Required += people.Count;
                stage.Pending.AddRange(people);
                break;
        }
    }

    /// <summary>The users (named and from the expression) and groups an escalation hands work to; users already ruled out are left out.</summary>
    private (List<string> Users, List<string> Groups) Targets(Recipients to, StageRun stage, string activityId)
    {
        var users = to.Users.Select(WorkflowEngine.Normalize).ToList();
        if (to.Expression is { } script) users.AddRange(RunAssigneeScript(script, activityId));
        return (users.Where(u => Eligible(stage, u)).Distinct().ToList(), to.Groups.Distinct().ToList());
    }

    /// <summary>Users in order, then each group's members alphabetically, each once, none ruled out.</summary>
    private List<string> Expand(List<string> users, List<string> groups, StageRun stage)
    {
        var people = new List<string>(users);
        foreach (var g in groups)
            foreach (var m in directory.MembersOf(g).Order(StringComparer.Ordinal))
                if (Eligible(stage, m) && !people.Contains(m)) people.Add(m);
        return people;
    }

    /// <summary>Never the requester, never someone who already voted in this stage run, never someone who may not decide.</summary>
    private bool Eligible(StageRun stage, string person) =>
        person != state.Requester && !stage.Voters.Contains(person) && directory.MayDecide(person);

    private List<ReviewTask> OpenTasksOf(StageRun stage) => state.OpenTasks.Where(t => t.StageSequence == stage.Sequence).ToList();

    private static string ActionName(EscalationAction action) => action switch
    {
        EscalationAction.Notify => "notify",
        EscalationAction.Reassign => "reassign",
        EscalationAction.AddReviewers => "addReviewers",
        _ => "decide",
    };
}
