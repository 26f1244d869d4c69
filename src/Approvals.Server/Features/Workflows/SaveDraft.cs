using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Validation;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>PUT /api/workflows/{key}</c>: saves the definition (this engine's form or an Elsa 3 document) as the workflow's draft, only when it is valid.</summary>
public static class SaveDraft
{
    public sealed record Command(string Key, string Json, string Actor) : ICommand<DraftView>;

    [SchemaName("SavedDraft")]
    public sealed record DraftView(string Key, bool Draft, string Name, DateTimeOffset UpdatedAt, string UpdatedBy, int? LatestVersion,
        [property: WorkflowDefinition] JsonNode? Definition);

    public sealed class Handler(ApprovalsDb db, TimeProvider clock) : ICommandHandler<Command, DraftView>
    {
        public async ValueTask<DraftView> Handle(Command c, CancellationToken ct)
        {
            if (!Keys.IsValid(c.Key))
                throw new RequestInvalid("The workflow key is not valid.",
                    [new ApiError("key", "A key is lower-case letters, digits and dashes (at most 64), starting with a letter or digit.", ErrorCodes.InvalidValue)]);
            var (definition, errors, ownJson) = WorkflowValidation.ValidateAndImport(c.Json, c.Key);
            if (definition is null || errors.Count > 0)
                throw new RequestInvalid("The definition has faults; nothing was saved.", errors.Select(WorkflowJson.ToApiError).ToList());
            // The name is shown in inboxes and emails and stored as text (PostgreSQL refuses NUL).
            PlainText.Line(definition.Name, "name");

            // An Elsa 3 document is stored in this engine's own form.
            var json = WorkflowJson.WithKey(ownJson, c.Key);
            var now = clock.GetUtcNow();
            for (var attempt = 0; ; attempt++)
            {
                var draft = await db.WorkflowDrafts.FirstOrDefaultAsync(d => d.Key == c.Key, ct);
                if (draft is null) db.WorkflowDrafts.Add(draft = new WorkflowDraftRow { Key = c.Key });
                draft.Json = json;
                draft.UpdatedAt = now;
                draft.UpdatedBy = c.Actor;
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateException e) when (attempt < 3 && (e.IsUniqueViolation() || e is DbUpdateConcurrencyException))
                {
                    // Two designers saved the first draft of one key at once: the later save wins, as it would in sequence.
                    db.ChangeTracker.Clear();
                }
            }
            var latest = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == c.Key).MaxAsync(v => (int?)v.Version, ct);
            return new DraftView(c.Key, true, definition.Name, now, c.Actor, latest, WorkflowJson.Node(json));
        }
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapPut("/{key}", async Task<Ok<DraftView>> (string key, HttpRequest request, System.Security.Claims.ClaimsPrincipal user, IMediator m,
                CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Command(key, await WorkflowJson.ReadBodyAsync(request, ct), user.Email()), ct)))
            .RequireAuthorization(Policies.Designer)
            .WithName("SaveWorkflowDraft")
            .WithSummary("Saves a valid definition as the workflow's draft")
            .Accepts<JsonObject>("application/json")
            .WithMetadata(new WorkflowDefinitionAttribute())
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
}
