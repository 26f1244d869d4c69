using System.Security.Claims;
using Approvals.Server.Auth;
using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Templates;

/// <summary>
/// <c>PUT /api/templates/{name}</c>: saves a template after every part parses; each parse error is a 400 error naming
/// the part (<c>subject</c>, <c>html</c> or <c>text</c>), line and column. The next message sent uses it. Templates are
/// not case data: who saved it last is kept on the row (<c>updatedBy</c>), not in a case's history.
/// </summary>
public static class PutTemplate
{
    public sealed record Request(string? Name, string? Subject, string? Html, string? Text);

    public sealed record Command(string Name, Request Body, string Actor) : ICommand<TemplateView>;

    public sealed class Handler(ApprovalsDb db, TimeProvider clock) : ICommandHandler<Command, TemplateView>
    {
        public async ValueTask<TemplateView> Handle(Command c, CancellationToken ct)
        {
            TemplateErrors.CheckName(c.Name);
            var b = c.Body;
            if (b.Name is { Length: > 0 } named && named != c.Name)
                throw RequestInvalid.Field("name", $"The body names '{named}' but the address names '{c.Name}'.");
            var missing = new[] { ("subject", b.Subject), ("html", b.Html), ("text", b.Text) }.Where(p => p.Item2 is null)
                .Select(p => new ApiError(p.Item1, $"{p.Item1} is required (it may be empty text only for html).")).ToList();
            if (missing.Count > 0) throw new RequestInvalid($"Template '{c.Name}' is incomplete.", missing);
            var source = new TemplateSource(c.Name, b.Subject!, b.Html!, b.Text!);
            var errors = TemplateRenderer.Check(source);
            if (errors.Count > 0) throw TemplateErrors.Of($"Template '{c.Name}' does not parse.", errors);
            var row = await db.Templates.FirstOrDefaultAsync(t => t.Name == c.Name, ct);
            if (row is null) db.Templates.Add(row = new TemplateRow { Name = c.Name });
            (row.Subject, row.Html, row.Text) = (source.Subject, source.Html, source.Text);
            row.UpdatedAt = clock.GetUtcNow();
            row.UpdatedBy = c.Actor;
            await db.SaveChangesAsync(ct);
            return TemplateView.Of(row);
        }
    }

    public static void Map(RouteGroupBuilder templates) =>
        templates.MapPut("/{name}", async Task<Ok<TemplateView>> (string name, Request body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(name, body, user.Email()), ct)))
            .WithName("PutTemplate")
            .WithSummary("Saves an email template (Scriban); 400 with part, line and column per parse error (designers)")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);
}
