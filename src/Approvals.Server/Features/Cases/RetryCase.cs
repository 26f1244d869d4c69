using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Jobs;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

/// <summary>
/// <c>POST /api/cases/{id}/retry</c> (administrators): runs again the activity a <c>Faulted</c> case stopped
/// at, with corrected <c>data</c> when given (checked against the input schema like a start), and arms again
/// timers that were marked failed. The history records <c>CaseRetried</c> with the administrator.
/// </summary>
public static class RetryCase
{
    public sealed record Request(JsonObject? Data, string? Comment);

    public sealed record Command(Guid Id, Actor Actor, JsonObject? Data, string? Comment) : ICommand<CaseView>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, TimerScheduler timers, TimeProvider clock)
        : ICommandHandler<Command, CaseView>
    {
        public async ValueTask<CaseView> Handle(Command c, CancellationToken ct)
        {
            PlainText.Comment(c.Comment);
            if (!c.Actor.IsAdmin) throw new EngineRefusal(RefusalKind.Forbidden, "Only an administrator may retry a case.");
            var row = await db.Cases.AsNoTracking().FirstOrDefaultAsync(x => x.Id == c.Id, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {c.Id} does not exist.");
            var workflow = await catalog.VersionAsync(db, row.WorkflowKey, row.WorkflowVersion, ct)
                ?? throw new InvalidOperationException($"Workflow {row.WorkflowKey} v{row.WorkflowVersion} is missing.");
            if (c.Data is not null) CaseData.Check(workflow, c.Data);
            var done = await store.ApplyAsync(c.Id, (_, at) => new Runtime.RetryCase(c.Data, c.Comment, c.Actor.Email, at) { ActorIsAdmin = true }, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Case {c.Id} does not exist.");
            // Timers that came due while the case was Faulted were held; their jobs have run and found nothing
            // to do, so they are handed out again now rather than at the next sweep.
            if (done.Step.State.Status != CaseStatus.Faulted)
            {
                var pending = nameof(TimerStatus.Pending);
                var now = clock.GetUtcNow();
                var due = await db.Timers.AsNoTracking().Where(t => t.CaseId == c.Id && t.Status == pending && t.DueAt <= now)
                    .Select(t => new { t.Id, t.DueAt }).ToListAsync(ct);
                await timers.ScheduleAsync(c.Id, due.Select(t => (t.Id, t.DueAt)), ct);
            }
            return CaseView.From(done.Row, id => workflow.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapPost("/{id:guid}/retry", async Task<Results<Ok<CaseView>, ProblemHttpResult>> (
                    Guid id, Request? body, System.Security.Claims.ClaimsPrincipal user, IMediator mediator) =>
                TypedResults.Ok(await mediator.Send(new Command(id, user.Actor(), body?.Data, body?.Comment))))
            .RequireAuthorization(Policies.Admin)
            .WithName("RetryCase")
            .WithSummary("Re-runs the activity a Faulted case stopped at (with corrected data if given) and re-arms failed timers (admin).")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
