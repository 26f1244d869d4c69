using Approvals.Engine.Runtime;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Tasks;

/// <summary>What every task command shares: finding the task's case, applying the event, and the answer.</summary>
public static class TaskSteps
{
    public static async Task<TaskView> ApplyAsync(this CaseStore store, ApprovalsDb db, WorkflowCatalog catalog, Guid taskId,
        Func<CaseRow, DateTimeOffset, CaseEvent> makeEvent, CancellationToken ct, Action<CaseRow, Step, TaskView>? beforeSave = null)
    {
        var done = await store.ApplyToTaskAsync(taskId, makeEvent, ct,
            beforeSave is null ? null : (row, step, workflow) => beforeSave(row, step, ViewOf(row, step.State, taskId, workflow))) ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} does not exist.");
        var workflow = await catalog.VersionAsync(db, done.Row.WorkflowKey, done.Row.WorkflowVersion, ct);
        return ViewOf(done.Row, done.Step.State, taskId, workflow);
    }

    private static TaskView ViewOf(CaseRow row, CaseState state, Guid taskId, PublishedWorkflow? workflow)
    {
        var task = state.FindTask(taskId) ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {taskId} does not exist.");
        return TaskView.From(task, row.Id, workflow?.Definition.Find(task.ActivityId)?.Name) with { Case = CaseSummary.From(row) with { WorkflowName = workflow?.Definition.Name } };
    }
}
