using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Templates;

/// <summary><c>GET /api/templates/{name}</c>: the saved template, else the default (the generic one for a name without its own).</summary>
public static class GetTemplate
{
    public sealed record Query(string Name) : IQuery<TemplateView>;

    public sealed class Handler(ApprovalsDb db, TemplateStore store) : IQueryHandler<Query, TemplateView>
    {
        public async ValueTask<TemplateView> Handle(Query q, CancellationToken ct)
        {
            TemplateErrors.CheckName(q.Name);
            var row = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Name == q.Name, ct);
            return row is null ? TemplateView.Of(store.Default(q.Name)) : TemplateView.Of(row);
        }
    }

    public static void Map(RouteGroupBuilder templates) =>
        templates.MapGet("/{name}", async Task<Ok<TemplateView>> (string name, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(name), ct)))
            .WithName("GetTemplate")
            .WithSummary("Reads one email template's Scriban source (designers)")
            .ProducesErrors(StatusCodes.Status404NotFound);
}
