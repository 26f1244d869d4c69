using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>DELETE /api/directory/users/{email}</c>: removes a user and their group memberships; their tokens are
/// refused on every server from the commit on. Their open tasks stay open, for reassignment or escalation;
/// their name stays in case histories. A user who is someone's manager is not removed (those people would be
/// routed to nobody); disabling (<c>"disabled": true</c>) ends the sessions at once without that question.
/// </summary>
public static class DeleteUser
{
    public sealed record Command(string Email, Actor Actor) : ICommand;

    public sealed class Handler(ApprovalsDb db, StandingChanges changes) : ICommandHandler<Command>
    {
        public async ValueTask<Unit> Handle(Command c, CancellationToken ct)
        {
            var email = DirectoryRules.NormalizeEmail(c.Email);
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct)
                ?? throw new EngineRefusal(RefusalKind.NotFound, $"There is no user {email}.");
            if (email == c.Actor.Email)
                throw new EngineRefusal(RefusalKind.Conflict, "You cannot delete yourself; another administrator can.");
            var reports = await db.Users.Where(u => u.Manager == email).Select(u => u.Email).OrderBy(e => e).Take(10).ToListAsync(ct);
            if (reports.Count > 0)
                throw new EngineRefusal(RefusalKind.Conflict,
                    $"{email} is the manager of {string.Join(", ", reports)}; give them another manager first (or disable {email}, which ends their sessions at once).");
            db.GroupMembers.RemoveRange(await db.GroupMembers.Where(m => m.Email == email).ToListAsync(ct));
            db.RevokedTokens.RemoveRange(await db.RevokedTokens.Where(r => r.Email == email).ToListAsync(ct));
            db.Users.Remove(user);
            try
            {
                await changes.SaveAsync(db, [email], ct, directory: true);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new EngineRefusal(RefusalKind.NotFound, $"There is no user {email}.");
            }
            return Unit.Value;
        }
    }

    public static void Map(RouteGroupBuilder directory) =>
        directory.MapDelete("/users/{email}", async Task<NoContent> (string email, System.Security.Claims.ClaimsPrincipal user, IMediator m, CancellationToken ct) =>
            {
                await m.Send(new Command(email, user.Actor()), ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteUser")
            .WithSummary("Removes a user; their tokens end on every server, their open tasks stay open for reassignment.")
            .ProducesErrors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
}
