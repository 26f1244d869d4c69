using System.Text.Json.Nodes;
using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Features.Templates;

/// <summary>
/// <c>POST /api/templates/{name}/preview</c>: renders the template in use (or the unsaved <c>subject</c>/<c>html</c>/<c>text</c>
/// of the body, for an editor's live preview) with the model given as <c>data</c>, laid over a realistic sample vetting
/// task. Parse and render errors are 400s with part, line and column, like a save. Sends nothing.
/// </summary>
public static class PreviewTemplate
{
    public sealed record Request(JsonObject? Data, string? Subject, string? Html, string? Text);

    public sealed record Command(string Name, Request? Body) : ICommand<RenderedMail>;

    public sealed class Handler(ApprovalsDb db, TemplateStore store, IOptions<AppOptions> app) : ICommandHandler<Command, RenderedMail>
    {
        public async ValueTask<RenderedMail> Handle(Command c, CancellationToken ct)
        {
            TemplateErrors.CheckName(c.Name);
            var (source, _) = await store.FindAsync(db, c.Name, ct);
            var b = c.Body;
            source = source with { Subject = b?.Subject ?? source.Subject, Html = b?.Html ?? source.Html, Text = b?.Text ?? source.Text };
            var model = Sample(app.Value.Base);
            foreach (var (key, value) in b?.Data ?? []) model[key] = value?.DeepClone();
            try
            {
                return TemplateRenderer.Render(source, model);
            }
            catch (TemplateFailed failed)
            {
                throw TemplateErrors.Of($"Template '{c.Name}' does not render.", failed.Errors);
            }
        }
    }

    /// <summary>A vetting task as a reviewer would receive it.</summary>
    public static JsonObject Sample(string baseUrl)
    {
        const string caseId = "0b7f4c1e-5d2a-4e8b-9a3c-6f1d2e3a4b5c";
        const string taskId = "7e2d9a4b-1c3f-4a5e-8b6d-2f9e1a3c5d7b";
        return new JsonObject
        {
            ["recipient"] = new JsonObject { ["email"] = "intake.officer1@example.org", ["displayName"] = "Ines Intake" },
            ["case"] = new JsonObject
            {
                ["id"] = caseId, ["title"] = "Vetting: Candidate B (Border guard)", ["workflow"] = "personnel-vetting", ["status"] = "Running",
                ["requester"] = "hr.officer@example.org", ["url"] = $"{baseUrl}/cases/{caseId}",
                ["data"] = new JsonObject { ["candidateName"] = "Candidate B", ["position"] = "Border guard", ["riskScore"] = 20 },
            },
            ["task"] = new JsonObject
            {
                ["id"] = taskId, ["name"] = "Identity check", ["activityId"] = "identity", ["dueAt"] = "2026-01-07T08:00:00.0000000+00:00",
                ["dueText"] = "Wed 7 Jan 2026, 08:00 UTC", ["url"] = $"{baseUrl}/tasks/{taskId}",
            },
            ["links"] = new JsonObject
            {
                ["approve"] = $"{baseUrl}/email/decide?token=sample-approve", ["reject"] = $"{baseUrl}/email/decide?token=sample-reject",
                ["requestChanges"] = $"{baseUrl}/email/decide?token=sample-changes", ["open"] = $"{baseUrl}/tasks/{taskId}",
            },
            ["replyTo"] = "approvals+sample@example.org",
            ["event"] = new JsonObject { ["name"] = "TaskAssigned" },
        };
    }

    public static void Map(RouteGroupBuilder templates) =>
        templates.MapPost("/{name}/preview", async Task<Ok<RenderedMail>> (string name, Request? body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(name, body), ct)))
            .WithName("PreviewTemplate")
            .WithSummary("Renders an email template with sample or given data; 400 with part, line and column on errors (designers)")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);
}
