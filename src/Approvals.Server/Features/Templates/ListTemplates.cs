using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Templates;

/// <summary><c>GET /api/templates</c>: every known template name and every saved one, with the source in use.</summary>
public static class ListTemplates
{
    public sealed record Query : IQuery<IReadOnlyList<TemplateView>>;

    public sealed class Handler(ApprovalsDb db, TemplateStore store) : IQueryHandler<Query, IReadOnlyList<TemplateView>>
    {
        public async ValueTask<IReadOnlyList<TemplateView>> Handle(Query q, CancellationToken ct)
        {
            var saved = await db.Templates.AsNoTracking().ToDictionaryAsync(t => t.Name, ct);
            return TemplateStore.Known.Concat(saved.Keys).Distinct().Order(StringComparer.Ordinal)
                .Select(n => saved.TryGetValue(n, out var row) ? TemplateView.Of(row) : TemplateView.Of(store.Default(n))).ToList();
        }
    }

    public static void Map(RouteGroupBuilder templates) =>
        templates.MapGet("/", async Task<Ok<IReadOnlyList<TemplateView>>> (IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(), ct)))
            .WithName("ListTemplates")
            .WithSummary("Lists the email templates: the built-in names and any saved ones (designers)");
}
