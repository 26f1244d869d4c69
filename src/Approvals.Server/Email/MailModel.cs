using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>One recipient's message as the template sees it, and the Reply-To address it carries.</summary>
public sealed record MailFacts(JsonObject Model, string? ReplyTo, string? CaseTitle, string? OpenUrl);

/// <summary>
/// Builds the model of API.md for one outbox row and one recipient: <c>recipient</c>, <c>case</c>, <c>task</c> (when the
/// row names one), <c>links</c> and <c>event</c> (the row's details). Task links come from <see cref="ITaskMailActions"/>
/// when one is registered; without it a task mail has only the <c>open</c> link.
/// </summary>
public sealed class MailModel(IOptions<AppOptions> app, IServiceProvider services)
{
    public async Task<MailFacts> BuildAsync(ApprovalsDb db, OutboxRow row, string recipient, CancellationToken ct)
    {
        var baseUrl = app.Value.Base;
        var key = recipient.ToLowerInvariant();
        var person = await db.Users.AsNoTracking().Where(u => u.Email == key).Select(u => u.DisplayName).FirstOrDefaultAsync(ct);
        var model = new JsonObject
        {
            ["recipient"] = new JsonObject { ["email"] = recipient, ["displayName"] = person is { Length: > 0 } ? person : recipient },
        };
        var @event = Details(row.DetailsJson);
        @event["name"] ??= row.Event;
        if (row.Subject is { Length: > 0 }) @event["subject"] ??= row.Subject;
        model["event"] = @event;

        string? title = null;
        string? open = null;
        if (row.CaseId is { } caseId && await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.Id == caseId, ct) is { } c)
        {
            title = c.Title;
            open = $"{baseUrl}/cases/{c.Id}";
            model["case"] = new JsonObject
            {
                ["id"] = c.Id.ToString(), ["title"] = c.Title, ["workflow"] = c.WorkflowKey, ["status"] = c.Status,
                ["requester"] = c.Requester, ["data"] = JsonNode.Parse(c.DataJson), ["url"] = open,
            };
        }
        string? replyTo = null;
        if (row.TaskId is { } taskId && await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, ct) is { } task)
        {
            open = $"{baseUrl}/tasks/{task.Id}";
            model["task"] = new JsonObject
            {
                ["id"] = task.Id.ToString(), ["name"] = task.ActivityName ?? task.ActivityId, ["activityId"] = task.ActivityId,
                ["dueAt"] = task.DueAt?.ToString("O"), ["dueText"] = task.DueAt is { } due ? MailText.DueText(due) : null, ["url"] = open,
            };
            var links = new JsonObject { ["open"] = open };
            // Optional until the email-decision module is registered: without it the mail offers the task page only.
            if (services.GetService<ITaskMailActions>() is { } actions)
            {
                var issued = await actions.IssueAsync(task.Id, recipient, ct);
                links = new JsonObject
                {
                    ["approve"] = issued.Approve, ["reject"] = issued.Reject, ["requestChanges"] = issued.RequestChanges, ["open"] = issued.Open,
                };
                replyTo = issued.ReplyTo;
            }
            model["links"] = links;
        }
        else if (open is not null) model["links"] = new JsonObject { ["open"] = open };
        model["replyTo"] = replyTo;
        return new MailFacts(model, replyTo, title, open);
    }

    private static JsonObject Details(string? json)
    {
        if (json is not { Length: > 0 }) return [];
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
