using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Runtime;

/// <summary>Why a case cannot move to another version: the activity it is at (by its id in the case's current version) and why.</summary>
public sealed record MigrationProblem(string ActivityId, string Message);

/// <summary>
/// Moves a running case onto another version of its workflow. Everything the case is at — open stages with their
/// tasks and votes, waits, joins with the branches that arrived, stages that asked for changes, held stages, a fault
/// to retry, pending timers — must exist in the target under the same id or the one <c>activityMap</c> gives, and be
/// of a type that can carry it (a stage to a Review, a wait to a Wait, a join to a Join); otherwise nothing moves and
/// every such activity is named. Ids are renamed throughout the state (including the decisions expressions read as
/// <c>stages</c>), history stays as it was, and from then on the target's connections, conditions and escalations
/// apply. A stage already open keeps the policy and votes it started with. Pure, like the engine.
/// </summary>
public static class CaseMigration
{
    public static (Step? Step, IReadOnlyList<MigrationProblem> Problems) Migrate(WorkflowDefinition target, CaseState current,
        IReadOnlyDictionary<string, string> activityMap, int fromVersion, int toVersion, string actor, DateTimeOffset at)
    {
        var problems = new List<MigrationProblem>();
        if (current.IsTerminal)
            return (null, [new MigrationProblem("", $"The case is {current.Status}; only a running case can move to another version.")]);
        string Rename(string id) => activityMap.TryGetValue(id, out var to) ? to : id;

        void Require<T>(string id, string what) where T : Activity
        {
            var renamed = Rename(id);
            switch (target.Find(renamed))
            {
                case null:
                    problems.Add(new MigrationProblem(id, renamed == id
                        ? $"The case is at '{id}' ({what}), which version {toVersion} does not have; map it to an activity of that version."
                        : $"'{id}' ({what}) is mapped to '{renamed}', which version {toVersion} does not have."));
                    break;
                case not T:
                    problems.Add(new MigrationProblem(id, $"'{id}' ({what}) would become '{renamed}', a {target.Find(renamed)!.Type}; it must be a {typeof(T).Name.Replace("Activity", "", StringComparison.Ordinal)}."));
                    break;
            }
        }

        foreach (var s in current.Stages) Require<ReviewActivity>(s.ActivityId, "an open review stage");
        foreach (var w in current.Waits) Require<WaitActivity>(w.ActivityId, "a wait");
        foreach (var j in current.Joins.Keys) Require<JoinActivity>(j, "a join some branches reached");
        foreach (var c in current.ChangesRequestedBy) Require<ReviewActivity>(c, "a stage that asked for changes");
        foreach (var h in current.HeldForChanges) Require<Activity>(h, "held while changes are made");
        if (current is { Status: CaseStatus.Faulted, Fault: { } fault })
            foreach (var q in fault.Resume.Select(r => r.Activity).Prepend(fault.ActivityId).Distinct())
                Require<Activity>(q, "where the faulted case resumes");
        // Two activities running side by side must stay two: merged, one's votes would count for the other.
        foreach (var clash in current.Stages.Select(x => x.ActivityId).Concat(current.Waits.Select(w => w.ActivityId)).Distinct()
                     .GroupBy(Rename).Where(g => g.Count() > 1))
            foreach (var id in clash.Skip(1))
                problems.Add(new MigrationProblem(id, $"'{id}' and '{clash.First()}' are both running and would both become '{clash.Key}'; each must map to an activity of its own."));
        foreach (var (from, to) in activityMap)
            if (target.Find(to) is null && !problems.Any(p => p.ActivityId == from))
                problems.Add(new MigrationProblem(from, $"activityMap maps '{from}' to '{to}', which version {toVersion} does not have."));
        if (problems.Count > 0) return (null, problems.DistinctBy(p => p.ActivityId).ToList());

        var state = current.Clone();
        var effects = new List<Effect>();
        foreach (var task in state.Tasks)
        {
            var renamed = Rename(task.ActivityId);
            var moved = renamed != task.ActivityId;
            task.ActivityId = renamed;
            // Open tasks are rewritten even when their id stays: they take the target's activity name.
            if (moved || task.Status == ReviewTaskStatus.Open) effects.Add(new TaskChanged(task));
        }
        foreach (var s in state.Stages) s.ActivityId = Rename(s.ActivityId);
        foreach (var w in state.Waits) w.ActivityId = Rename(w.ActivityId);
        foreach (var t in state.Timers) t.ActivityId = Rename(t.ActivityId);
        state.Joins = state.Joins.ToDictionary(j => Rename(j.Key), j => new JoinRun { Arrived = j.Value.Arrived.Select(Rename).ToList() });
        state.ChangesRequestedBy = state.ChangesRequestedBy.Select(Rename).ToList();
        state.HeldForChanges = state.HeldForChanges.Select(Rename).ToList();
        var results = new JsonObject();
        foreach (var (id, value) in state.StageResults) results[Rename(id)] = value?.DeepClone();
        state.StageResults = results;
        if (state.Fault is { } f)
        {
            f.ActivityId = Rename(f.ActivityId);
            f.Resume = f.Resume.Select(r => new QueuedActivity(Rename(r.Activity), Rename(r.From))).ToList();
        }

        var map = new JsonObject();
        foreach (var (from, to) in activityMap) map[from] = to;
        effects.Add(new AuditRecorded(new AuditEntry(at, WorkflowEngine.Normalize(actor), AuditActions.CaseMigrated, null, null, null,
            new JsonObject { ["from"] = fromVersion, ["to"] = toVersion, ["activityMap"] = map })));
        return (new Step(state, effects), []);
    }
}
