using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>One recipient's message as the template sees it, and the Reply-To address it carries.</summary>
public sealed record MailFacts(JsonObject Model, string? ReplyTo, string? CaseTitle, string? OpenUrl);

/// <summary>One outbox row of a dispatcher round and the recipients it still has to reach.</summary>
public sealed record MailToSend(OutboxRow Row, IReadOnlyList<string> Recipients);

/// <summary>
/// Builds the model of API.md for the messages of one dispatcher round: <c>recipient</c>, <c>case</c>, <c>task</c>
/// (when the row names one), <c>links</c> and <c>event</c> (the row's details). Task links come from
/// <see cref="ITaskMailActions"/> when one is registered; without it a task mail has only the <c>open</c> link.
/// </summary>
/// <remarks>
/// What the round needs is read once for all its messages: one query each for the recipients' names, the cases and
/// the tasks, one transaction for all the link tokens (issue 9: read per message, a notification cost more round trips
/// than the decision that caused it).
/// </remarks>
public sealed class MailModel(IOptions<AppOptions> app, IServiceProvider services)
{
    public async Task<MailRound> LoadAsync(ApprovalsDb db, IReadOnlyList<MailToSend> messages, CancellationToken ct)
    {
        var emails = messages.SelectMany(m => m.Recipients).Select(r => r.ToLowerInvariant()).Distinct().ToList();
        var names = (await StepWriter.ReadInChunksAsync(emails,
                chunk => db.Users.AsNoTracking().Where(u => chunk.Contains(u.Email)).Select(u => new { u.Email, u.DisplayName }), ct))
            .ToDictionary(u => u.Email, u => (string?)u.DisplayName);
        var cases = (await StepWriter.ReadInChunksAsync(messages.Select(m => m.Row.CaseId).OfType<Guid>().Distinct(),
                chunk => db.Cases.AsNoTracking().Where(c => chunk.Contains(c.Id)).Select(c => new CaseRow
                {
                    Id = c.Id, Title = c.Title, WorkflowKey = c.WorkflowKey, Status = c.Status, Requester = c.Requester, DataJson = c.DataJson,
                }), ct))
            .ToDictionary(c => c.Id);
        var tasks = (await StepWriter.ReadInChunksAsync(messages.Select(m => m.Row.TaskId).OfType<Guid>().Distinct(),
                chunk => db.Tasks.AsNoTracking().Where(t => chunk.Contains(t.Id)), ct))
            .ToDictionary(t => t.Id);

        // Optional until the email-decision module is registered: without it the mail offers the task page only.
        var actions = services.GetService<ITaskMailActions>();
        var links = new Dictionary<(Guid, string), TaskMailActions>();
        if (actions is not null)
        {
            var wanted = messages.Where(m => m.Row.TaskId is { } t && tasks.ContainsKey(t))
                .SelectMany(m => m.Recipients.Select(r => (TaskId: m.Row.TaskId!.Value, Recipient: r))).Distinct().ToList();
            var issued = await actions.IssueManyAsync(wanted, ct);
            for (var i = 0; i < wanted.Count; i++) links[wanted[i]] = issued[i];
        }
        return new MailRound(app.Value.Base, names, cases, tasks, actions is null ? null : links);
    }
}

/// <summary>What a dispatcher round read for its messages; <see cref="Build"/> makes one recipient's model from it.</summary>
public sealed class MailRound(string baseUrl, IReadOnlyDictionary<string, string?> names, IReadOnlyDictionary<Guid, CaseRow> cases,
    IReadOnlyDictionary<Guid, TaskRow> tasks, IReadOnlyDictionary<(Guid, string), TaskMailActions>? links)
{
    public MailFacts Build(OutboxRow row, string recipient)
    {
        var person = names.GetValueOrDefault(recipient.ToLowerInvariant());
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
        if (row.CaseId is { } caseId && cases.TryGetValue(caseId, out var c))
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
        if (row.TaskId is { } taskId && tasks.TryGetValue(taskId, out var task))
        {
            open = $"{baseUrl}/tasks/{task.Id}";
            model["task"] = new JsonObject
            {
                ["id"] = task.Id.ToString(), ["name"] = task.ActivityName ?? task.ActivityId, ["activityId"] = task.ActivityId,
                ["dueAt"] = task.DueAt?.ToString("O"), ["dueText"] = task.DueAt is { } due ? MailText.DueText(due) : null, ["url"] = open,
            };
            var actions = new JsonObject { ["open"] = open };
            if (links is not null)
            {
                var issued = links[(task.Id, recipient)];
                actions = new JsonObject
                {
                    ["approve"] = issued.Approve, ["reject"] = issued.Reject, ["requestChanges"] = issued.RequestChanges, ["open"] = issued.Open,
                };
                replyTo = issued.ReplyTo;
            }
            model["links"] = actions;
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
