using Approvals.Engine.Runtime;
using Approvals.Engine.Validation;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Workflows;

/// <summary><c>POST /api/workflows/{key}/publish</c>: the draft becomes the next version, and the draft is gone.</summary>
public static class PublishWorkflow
{
    public sealed record Command(string Key, string Actor) : ICommand<Published>;

    [SchemaName("PublishedWorkflow")]
    public sealed record Published(string Key, int Version);

    public sealed class Handler(ApprovalsDb db, TimeProvider clock) : ICommandHandler<Command, Published>
    {
        public async ValueTask<Published> Handle(Command c, CancellationToken ct)
        {
            for (var attempt = 0; ; attempt++)
            {
                var draft = await db.WorkflowDrafts.FirstOrDefaultAsync(d => d.Key == c.Key, ct);
                if (draft is null) throw new EngineRefusal(RefusalKind.NotFound, $"Workflow {c.Key} has no draft to publish.");
                // Drafts were valid when saved, but the rules may have grown since: check again.
                var (definition, errors) = WorkflowValidation.Validate(draft.Json, c.Key);
                if (definition is null || errors.Count > 0)
                    throw new RequestInvalid("The draft has faults; it was not published.", errors.Select(WorkflowJson.ToApiError).ToList());

                db.WorkflowDrafts.Remove(draft);
                var version = await AddNextVersionAsync(db, c.Key, definition.Name, draft.Json, c.Actor, clock.GetUtcNow(), ct);
                try
                {
                    await db.SaveChangesAsync(ct);
                    return new Published(c.Key, version);
                }
                catch (DbUpdateException e) when (attempt < 5 && (e.IsUniqueViolation() || e is DbUpdateConcurrencyException))
                {
                    // Another publish took this version number, or published (and removed) this very draft.
                    // Look again: either the draft is gone (404) or it goes out as the next number.
                    db.ChangeTracker.Clear();
                }
            }
        }
    }

    /// <summary>
    /// Stages the next version of <paramref name="key"/> in <paramref name="db"/> (not saved). The primary key
    /// (Key, Version) makes a concurrent publisher of the same number fail on save; callers retry on fresh state.
    /// </summary>
    public static async Task<int> AddNextVersionAsync(ApprovalsDb db, string key, string name, string json, string actor, DateTimeOffset at, CancellationToken ct)
    {
        var latest = await db.WorkflowVersions.AsNoTracking().Where(v => v.Key == key).MaxAsync(v => (int?)v.Version, ct) ?? 0;
        var row = new WorkflowVersionRow { Key = key, Version = latest + 1, Name = name, Json = json, PublishedAt = at, PublishedBy = actor };
        db.WorkflowVersions.Add(row);
        return row.Version;
    }

    public static void Map(RouteGroupBuilder workflows) =>
        workflows.MapPost("/{key}/publish", async Task<Ok<Published>> (string key, System.Security.Claims.ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Command(key, user.Email()), ct)))
            .RequireAuthorization(Policies.Designer)
            .WithName("PublishWorkflow")
            .WithSummary("Publishes the draft as the next version")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
}
