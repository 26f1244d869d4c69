using System.Security.Claims;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Tasks;

public static class GetTask
{
    public sealed record Query(Guid Id, Actor Actor) : IQuery<TaskView>;

    public sealed class Handler(ApprovalsDb db, DirectoryCache directory, WorkflowCatalog catalog) : IQueryHandler<Query, TaskView>
    {
        public async ValueTask<TaskView> Handle(Query q, CancellationToken ct)
        {
            var task = await db.Tasks.AsNoTracking().Include(t => t.Candidates).FirstOrDefaultAsync(t => t.Id == q.Id, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"Task {q.Id} does not exist.");
            var row = await db.VisibleCaseAsync(directory, task.CaseId, q.Actor, ct);
            return TaskView.From(task, await CaseSummary.From(row).NamedAsync(db, catalog, ct));
        }
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapGet("/{id:guid}", async Task<Ok<TaskView>> (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(id, user.Actor()), ct)))
            .WithName("GetTask")
            .WithSummary("One task with its case summary")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
