using Approvals.Engine.Runtime;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Tasks;

/// <summary>What every task command shares: finding the task's case, applying the event, and the answer.</summary>
public static class TaskSteps
{
    public static async Task<Guid> CaseOfTaskAsync(this ApprovalsDb db, Guid taskId, CancellationToken ct)
    {
        var caseId = await db.Tasks.Where(t => t.Id == taskId).Select(t => (Guid?)t.CaseId).FirstOrDefaultAsync(ct);
        return caseId ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} does not exist.");
    }

    public static async Task<TaskView> ApplyAsync(this CaseStore store, ApprovalsDb db, WorkflowCatalog catalog, Guid taskId,
        Func<CaseRow, CaseEvent> makeEvent, CancellationToken ct, Action<CaseRow, Step, TaskView>? beforeSave = null)
    {
        var caseId = await db.CaseOfTaskAsync(taskId, ct);
        var done = await store.ApplyAsync(caseId, makeEvent, ct,
            beforeSave is null ? null : (row, step, workflow) => beforeSave(row, step, ViewOf(row, step.State, taskId, workflow))) ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} does not exist.");
        var workflow = await catalog.VersionAsync(db, done.Row.WorkflowKey, done.Row.WorkflowVersion, ct);
        return ViewOf(done.Row, done.Step.State, taskId, workflow);
    }

    private static TaskView ViewOf(CaseRow row, CaseState state, Guid taskId, PublishedWorkflow? workflow)
    {
        var task = state.FindTask(taskId) ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} does not exist.");
        return TaskView.From(task, row.Id, workflow?.Definition.Find(task.ActivityId)?.Name) with { Case = CaseSummary.From(row) };
    }
}
