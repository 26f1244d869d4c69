using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Approvals.Server.Auth;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Cases;

public static class StartCase
{
    public sealed record Request([property: Required] string? Workflow, string? Title, JsonObject? Data);

    public sealed record Command(string Requester, string Workflow, string? Title, JsonObject Data) : ICommand<CaseView>;

    public sealed class Handler(ApprovalsDb db, WorkflowCatalog catalog, CaseStore store, TimeProvider clock) : ICommandHandler<Command, CaseView>
    {
        public async ValueTask<CaseView> Handle(Command c, CancellationToken ct)
        {
            var workflow = await catalog.LatestAsync(db, c.Workflow, ct)
                ?? throw RequestInvalid.Field("workflow", $"There is no published workflow '{c.Workflow}'.");
            var title = string.IsNullOrWhiteSpace(c.Title) ? workflow.Definition.Name : c.Title.Trim();
            if (title.Length > 200) throw RequestInvalid.Field("title", "A title may be at most 200 characters long.");
            PlainText.Line(title, "title");
            CaseData.Check(workflow, c.Data);
            var now = clock.GetUtcNow();
            var row = await store.StartAsync(workflow, new Runtime.StartCase(Guid.CreateVersion7(now), c.Requester, title, c.Data, now), ct);
            return CaseView.From(row, id => workflow.Definition.Find(id)?.Name);
        }
    }

    public static void Map(RouteGroupBuilder cases) =>
        cases.MapPost("/", async Task<Created<CaseView>> (Request body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(body.Workflow)) throw RequestInvalid.Field("workflow", "Name the workflow to start, by its key.");
                var view = await mediator.Send(new Command(user.Email(), body.Workflow.Trim(), body.Title, body.Data ?? []), ct);
                return TypedResults.Created($"/api/cases/{view.Id}", view);
            })
            .RequireAuthorization(Policies.Requester)
            .WithName("StartCase")
            .WithSummary("Starts a case on the latest published version of a workflow")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status415UnsupportedMediaType);
}
