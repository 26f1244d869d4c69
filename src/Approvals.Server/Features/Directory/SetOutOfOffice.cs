using System.Security.Claims;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>PUT /api/directory/users/{email}/out-of-office</c> sets an absence (by the user themself or an administrator):
/// while it holds, tasks that would go to them go to the delegate (see the engine's out-of-office rules).
/// <c>moveOpenTasks</c> hands their open tasks over at once, by the same rules. <c>DELETE</c> ends it.
/// </summary>
public static class SetOutOfOffice
{
    [SchemaName("OutOfOfficeRequest")]
    public sealed record Request(DateTimeOffset? From, [property: System.ComponentModel.DataAnnotations.Required] DateTimeOffset? Until,
        [property: System.ComponentModel.DataAnnotations.Required] string? Delegate, bool MoveOpenTasks);

    [SchemaName("OutOfOfficeAnswer")]
    public sealed record Answer(string Email, OutOfOfficeView OutOfOffice, int MovedTasks, int KeptTasks);

    public sealed record Command(string Email, Request Body, Actor Actor) : ICommand<Answer>;

    public sealed record End(string Email, Actor Actor) : ICommand<bool>;

    public sealed class Handler(ApprovalsDb db, CaseStore store, TimeProvider clock, StandingChanges changes) : ICommandHandler<Command, Answer>, ICommandHandler<End, bool>
    {
        public async ValueTask<Answer> Handle(Command c, CancellationToken ct)
        {
            var email = DirectoryRules.NormalizeEmail(c.Email);
            MayChange(c.Actor, email);
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"There is no user {email}.");
            var now = clock.GetUtcNow();
            var from = c.Body.From ?? now;
            var errors = new List<ApiError>();
            if (c.Body.Until is not { } until) errors.Add(new ApiError("until", "until is required: when the absence ends."));
            else if (until <= from) errors.Add(new ApiError("until", "until must come after from."));
            else if (until <= now) errors.Add(new ApiError("until", "until is in the past."));
            var delegateTo = string.IsNullOrWhiteSpace(c.Body.Delegate) ? null : DirectoryRules.NormalizeEmail(c.Body.Delegate);
            if (delegateTo is null) errors.Add(new ApiError("delegate", "delegate is required: who gets new tasks meanwhile."));
            else if (delegateTo == email) errors.Add(new ApiError("delegate", "A person cannot be their own delegate."));
            else if (await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == delegateTo, ct) is not { } d || d.Disabled || !Roles.MayDecide(d.Roles))
                errors.Add(new ApiError("delegate", $"{delegateTo} is not an active reviewer."));
            if (c.Body.MoveOpenTasks && from > now)
                errors.Add(new ApiError("moveOpenTasks", "Open tasks can be handed over once the absence has begun; set from to now or later move them again."));
            if (errors.Count > 0) throw new RequestInvalid("The absence was not set.", errors);

            user.AwayFrom = from;
            user.AwayUntil = c.Body.Until;
            user.AwayDelegate = delegateTo;
            user.UpdatedAt = now;
            // Absences are part of what the engine routes by: every server drops its directory snapshot.
            await changes.SaveAsync(db, [], ct, directory: true);

            int moved = 0, kept = 0;
            if (c.Body.MoveOpenTasks)
            {
                var open = nameof(ReviewTaskStatus.Open);
                var tasks = await db.Tasks.AsNoTracking().Where(t => t.Assignee == email && t.Status == open)
                    .Select(t => new { t.Id, t.CaseId }).ToListAsync(ct);
                foreach (var t in tasks)
                {
                    var result = await store.ApplyAsync(t.CaseId, (_, at) => new CoverAbsence(t.Id, at), ct);
                    if (result?.Step.State.FindTask(t.Id)?.Assignee is { } holder && holder != email) moved++;
                    else kept++;
                }
            }
            return new Answer(email, OutOfOfficeView.Of(user)!, moved, kept);
        }

        public async ValueTask<bool> Handle(End c, CancellationToken ct)
        {
            var email = DirectoryRules.NormalizeEmail(c.Email);
            MayChange(c.Actor, email);
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"There is no user {email}.");
            user.AwayFrom = user.AwayUntil = null;
            user.AwayDelegate = null;
            user.UpdatedAt = clock.GetUtcNow();
            // Absences are part of what the engine routes by: every server drops its directory snapshot.
            await changes.SaveAsync(db, [], ct, directory: true);
            return true;
        }

        private static void MayChange(Actor actor, string email)
        {
            if (!actor.IsAdmin && actor.Email != email)
                throw new EngineRefusal(RefusalKind.Forbidden, "Only the user themself or an administrator may set their absence.");
        }
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPut("/directory/users/{email}/out-of-office", async Task<Ok<Answer>> (string email, Request body, ClaimsPrincipal user, IMediator m,
                CancellationToken ct) => TypedResults.Ok(await m.Send(new Command(email, body, user.Actor()), ct)))
            .WithTags("Directory")
            .WithName("SetOutOfOffice")
            .WithSummary("Sets a user's absence: new tasks go to the delegate meanwhile (the user themself or an administrator)")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status415UnsupportedMediaType);
        api.MapDelete("/directory/users/{email}/out-of-office", async Task<NoContent> (string email, ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
            {
                await m.Send(new End(email, user.Actor()), ct);
                return TypedResults.NoContent();
            })
            .WithTags("Directory")
            .WithName("EndOutOfOffice")
            .WithSummary("Ends a user's absence (the user themself or an administrator)")
            .ProducesErrors(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
    }
}
