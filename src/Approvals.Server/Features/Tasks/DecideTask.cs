using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Runtime = Approvals.Engine.Runtime;

namespace Approvals.Server.Features.Tasks;

/// <summary>
/// <c>POST /api/tasks/{id}/decision</c>. With an <c>Idempotency-Key</c>, the first answer is stored in the
/// decision's own transaction and replayed to a retry of the same request; the same key with another task or
/// another body is refused with 422, since answering it with the first request's result would be a lie.
/// </summary>
public static class DecideTask
{
    public const int MaxKeyLength = 200;

    public sealed record Request([property: Required, OneOfNames(typeof(Decision), KebabCase = true)] string? Decision, string? Comment);

    /// <summary>The answer: the decided task, or the stored first answer when an idempotency key was seen before.</summary>
    public sealed record Answer(int StatusCode, string Json);

    public sealed record Command(Guid TaskId, Actor Actor, Decision Decision, string? Comment, string? IdempotencyKey) : ICommand<Answer>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, WorkflowCatalog catalog, TimeProvider clock, IOptions<JsonOptions> json)
        : ICommandHandler<Command, Answer>
    {
        public async ValueTask<Answer> Handle(Command c, CancellationToken ct)
        {
            var me = c.Actor.Email;
            if (await Replay(c, ct) is { } first) return first;
            var now = clock.GetUtcNow();
            try
            {
                var view = await store.ApplyAsync(db, catalog, c.TaskId,
                    (_, at) => new Runtime.DecideTask(c.TaskId, c.Decision, c.Comment, me, at) { ActorIsAdmin = c.Actor.IsAdmin }, ct,
                    (_, _, v) =>
                    {
                        // The key is stored in the same transaction as the decision: a retry finds either both or neither.
                        if (c.IdempotencyKey is { } key)
                            db.IdempotencyKeys.Add(new IdempotencyRow
                            {
                                Actor = me, Key = key, Route = Route(c.TaskId), RequestHash = RequestHash(c), StatusCode = 200,
                                ResponseJson = JsonSerializer.Serialize(v, json.Value.SerializerOptions), CreatedAt = now,
                            });
                    });
                return new Answer(200, JsonSerializer.Serialize(view, json.Value.SerializerOptions));
            }
            catch (EngineRefusal r) when (r.Kind == RefusalKind.Conflict && c.IdempotencyKey is not null)
            {
                // Two deliveries of one request raced: the loser finds the task decided, and the winner's answer stored.
                if (await Replay(c, ct) is { } replay) return replay;
                throw;
            }
        }

        private async Task<Answer?> Replay(Command c, CancellationToken ct)
        {
            if (c.IdempotencyKey is not { } key) return null;
            db.ChangeTracker.Clear();
            var seen = await db.IdempotencyKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Actor == c.Actor.Email && k.Key == key, ct);
            if (seen is null) return null;
            if (seen.Route != Route(c.TaskId) || seen.RequestHash != RequestHash(c))
                throw new RequestUnprocessable("Idempotency-Key",
                    "This Idempotency-Key was already used for a different request; use a new key for a new request.");
            return new Answer(seen.StatusCode, seen.ResponseJson);
        }

        private static string Route(Guid taskId) => $"POST /api/tasks/{taskId}/decision";

        /// <summary>The request as the server understood it (decision and comment), so formatting differences do not count.</summary>
        private static string RequestHash(Command c) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                JsonSerializer.Serialize(new[] { Route(c.TaskId), DecisionNames.Of(c.Decision), c.Comment ?? "" }))));
    }

    public static void Map(RouteGroupBuilder tasks) =>
        tasks.MapPost("/{id:guid}/decision", async Task<ContentHttpResult> (Guid id, Request body, HttpContext http, IMediator mediator) =>
            {
                if (!DecisionNames.TryParse(body.Decision, out var decision))
                    throw RequestInvalid.Field("decision", "decision must be \"approve\", \"reject\" or \"request-changes\".");
                PlainText.Comment(body.Comment);
                var keys = http.Request.Headers["Idempotency-Key"];
                if (keys.Count > 1) throw RequestInvalid.Field("Idempotency-Key", "Send one Idempotency-Key header, not several.");
                string? key = keys.FirstOrDefault();
                if (key is not null && (key.Length == 0 || key.Length > MaxKeyLength))
                    throw RequestInvalid.Field("Idempotency-Key", $"An Idempotency-Key is 1 to {MaxKeyLength} characters.");
                var answer = await mediator.Send(new Command(id, http.User.Actor(), decision, body.Comment, key), http.RequestAborted);
                // A replayed request gets the stored JSON of the first answer, byte for byte.
                return TypedResults.Content(answer.Json, "application/json", statusCode: answer.StatusCode);
            })
            .RequireAuthorization(Policies.Reviewer)
            .WithName("DecideTask")
            .WithSummary("Approve, reject or request changes on a task")
            .DocumentsHeader("Idempotency-Key", "Makes a retry of the same request return the first answer; the same key with another body is a 422.",
                MaxKeyLength)
            .Produces<TaskView>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity);
}
