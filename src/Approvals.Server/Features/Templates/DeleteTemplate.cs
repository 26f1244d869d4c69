using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Templates;

/// <summary><c>DELETE /api/templates/{name}</c>: drops the saved template; the default is used again from the next message.</summary>
public static class DeleteTemplate
{
    public sealed record Command(string Name) : ICommand<TemplateView>;

    public sealed class Handler(ApprovalsDb db, TemplateStore store) : ICommandHandler<Command, TemplateView>
    {
        public async ValueTask<TemplateView> Handle(Command c, CancellationToken ct)
        {
            TemplateErrors.CheckName(c.Name);
            await db.Templates.Where(t => t.Name == c.Name).ExecuteDeleteAsync(ct);
            return TemplateView.Of(store.Default(c.Name));
        }
    }

    public static void Map(RouteGroupBuilder templates) =>
        templates.MapDelete("/{name}", async Task<Ok<TemplateView>> (string name, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(name), ct)))
            .WithName("DeleteTemplate")
            .WithSummary("Goes back to the default of an email template; answers the default (designers)")
            .ProducesErrors(StatusCodes.Status404NotFound);
}
