using Approvals.Engine.Runtime;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Cases;

/// <summary>
/// Moves one running case to another published version of its workflow (see <see cref="CaseMigration"/>): the
/// new state, its task rows (renamed, with the target's activity names), its pending timer rows and the
/// <c>CaseMigrated</c> audit line are written in one transaction with the case's new version, guarded by the case
/// row's version like every step. A dry run checks and writes nothing.
/// </summary>
public sealed class CaseMigrator(ApprovalsDb db, WorkflowCatalog catalog, TimeProvider clock)
{
    public sealed record Outcome(CaseRow Row, IReadOnlyList<MigrationProblem> Problems)
    {
        public bool Ok => Problems.Count == 0;
    }

    public async Task<Outcome> MigrateAsync(Guid caseId, int toVersion, IReadOnlyDictionary<string, string> activityMap, string actor,
        bool dryRun, CancellationToken ct)
    {
        // A step of this case that gets in between makes the write lose its race: checked again against the fresh state.
        return await CaseStore.UntilNoLostRaceAsync(db, async () =>
        {
            var row = await db.Cases.FirstOrDefaultAsync(c => c.Id == caseId, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"There is no case {caseId}.");
            if (row.WorkflowVersion == toVersion)
                return new Outcome(row, [new MigrationProblem("", $"The case already runs on version {toVersion} of {row.WorkflowKey}.")]);
            var target = await catalog.VersionAsync(db, row.WorkflowKey, toVersion, ct)
                ?? throw RequestInvalid.Field("toVersion", $"Workflow {row.WorkflowKey} has no published version {toVersion}.");
            var now = clock.GetUtcNow();
            var before = CaseStateJson.Deserialize(row.StateJson);
            var (step, problems) = CaseMigration.Migrate(target.Definition, before, activityMap, row.WorkflowVersion, toVersion, actor, now);
            if (step is null || dryRun) return new Outcome(row, problems);
            // On the tracker, with the timer rows read below: one SaveChanges writes them all.
            (await StepWriter.WriteAsync(db, row, target.Definition, before, step, now, ct)).Track(db);
            row.WorkflowVersion = toVersion;
            // Timer rows name their activity too (the state is the truth for firing; the rows are what people list).
            var pending = nameof(TimerStatus.Pending);
            foreach (var timer in await db.Timers.Where(t => t.CaseId == caseId && t.Status == pending).ToListAsync(ct))
                if (activityMap.TryGetValue(timer.ActivityId, out var renamed)) timer.ActivityId = renamed;
            await db.SaveChangesAsync(ct);
            return new Outcome(row, []);
        }, ct);
    }

    public static ApiError ToApiError(MigrationProblem p) =>
        new("activityMap", p.Message, "cannot-migrate", p.ActivityId.Length == 0 ? null : p.ActivityId);
}
