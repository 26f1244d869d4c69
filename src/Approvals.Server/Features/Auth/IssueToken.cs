using System.ComponentModel.DataAnnotations;
using Approvals.Server.Auth;
using Approvals.Server.Features.Directory;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Auth;

/// <summary><c>POST /api/auth/token</c>: email and password in, a bearer token out.</summary>
public static class IssueToken
{
    public sealed record Request([property: Required] string? Email, [property: Required] string? Password);

    public sealed record Command(string Email, string Password) : ICommand<Token?>;

    [SchemaName("AccessToken")]
    public sealed record Token(string AccessToken, int ExpiresIn, string TokenType = "Bearer");

    public sealed class Handler(ApprovalsDb db, TokenIssuer issuer, StandingChanges changes) : ICommandHandler<Command, Token?>
    {
        public async ValueTask<Token?> Handle(Command c, CancellationToken ct)
        {
            var email = DirectoryRules.NormalizeEmail(c.Email);
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
            // Unknown user, disabled user and wrong password get the same answer, after the same work.
            if (!Passwords.Verify(user, c.Password) || user!.Disabled) return null;
            if (user.SecurityStamp.Length == 0) user = await GiveStampAsync(user, ct);
            return new Token(issuer.Issue(user), (int)issuer.Lifetime.TotalSeconds);
        }

        // A user from before stamps existed gets one at first sign-in. Two sign-ins at once must not each write
        // their own (the first token would die at once), so only an empty stamp is replaced, then read back.
        private async Task<UserRow> GiveStampAsync(UserRow user, CancellationToken ct)
        {
            var stamp = UserRow.NewStamp();
            await changes.RunAsync(db, [user.Email], () => db.Users.Where(u => u.Email == user.Email && u.SecurityStamp == "")
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, stamp), ct), ct);
            return await db.Users.AsNoTracking().FirstAsync(u => u.Email == user.Email, ct);
        }
    }

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/token", async Task<Results<Ok<Token>, ProblemHttpResult>> (Request? body, IMediator mediator, CancellationToken ct) =>
            {
                var errors = new List<ApiError>();
                if (string.IsNullOrWhiteSpace(body?.Email)) errors.Add(new ApiError("email", "email is required.", "required"));
                else if (DirectoryRules.HiddenCharacters("email", body.Email) is { } hidden) errors.Add(hidden);
                if (string.IsNullOrEmpty(body?.Password)) errors.Add(new ApiError("password", "password is required.", "required"));
                if (errors.Count > 0) throw new RequestInvalid("The request is not valid.", errors);
                var token = await mediator.Send(new Command(body!.Email!, body.Password!), ct);
                return token is null
                    ? TypedResults.Problem(Problems.Details(StatusCodes.Status401Unauthorized, "Unauthorized", "The email or password is wrong."))
                    : TypedResults.Ok(token);
            })
            .AllowAnonymous()
            .WithTags("Auth")
            .WithName("IssueToken")
            .WithSummary("Signs in: email and password in, a bearer access token out")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status415UnsupportedMediaType);
}
