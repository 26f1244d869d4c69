using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Email;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Email;

/// <summary>A server with reply-to-approve and the relay route switched on.</summary>
public class EmailAppFactory(StorageProvider provider) : ApprovalsAppFactory(provider, store: null, Email)
{
    public const string Secret = "inbound-secret-for-tests-0123456789";
    public const string AuthServId = "mx.approvals.example.org";
    public const string ReplyPattern = "approvals+{token}@example.org";

    public static readonly IReadOnlyDictionary<string, string?> Email = new Dictionary<string, string?>
    {
        ["App:PublicUrl"] = "https://approvals.example.org/",
        ["Email:ReplyAddress"] = ReplyPattern,
        ["Email:Inbound:Secret"] = Secret,
        ["Email:Inbound:AuthServId"] = AuthServId,
    };
}

public sealed class EmailSqliteApp() : EmailAppFactory(StorageProvider.Sqlite);

public sealed class EmailPostgreSqlApp() : EmailAppFactory(StorageProvider.PostgreSql);

/// <summary>What the email tests share: a vetting case at its identity check, the mail actions of one person, and reads of the store.</summary>
public static class EmailCases
{
    public const string Officer = "intake.officer1@example.org";
    public const string Requester = "hr.officer@example.org";

    private static readonly object Candidate = new { candidateName = "Candidate E", nationalId = "900000011", position = "Clerk", riskScore = 10 };

    /// <summary>Starts a vetting case and returns it with its open identity task (offered to the intake officers).</summary>
    public static async Task<(Guid CaseId, Guid TaskId)> IdentityTaskAsync(ApprovalsAppFactory app, string title = "Email decisions")
    {
        var started = await (await app.ClientAsync(Requester)).PostAsJsonAsync("/api/cases",
            new { workflow = "personnel-vetting", title, data = Candidate });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var caseId = Guid.Parse((string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var taskId = await db.Tasks.Where(t => t.CaseId == caseId && t.ActivityId == "identity").Select(t => t.Id).SingleAsync();
        return (caseId, taskId);
    }

    public static Task<TaskMailActions> IssueAsync(ApprovalsAppFactory app, Guid taskId, string person = Officer) =>
        app.Services.GetRequiredService<ITaskMailActions>().IssueAsync(taskId, person, CancellationToken.None);

    public static string TokenOf(string link) => link[(link.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];

    public static async Task<TaskRow> TaskAsync(ApprovalsAppFactory app, Guid taskId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Tasks.AsNoTracking().SingleAsync(t => t.Id == taskId);
    }

    public static async Task<List<AuditRow>> AuditAsync(ApprovalsAppFactory app, Guid caseId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Audit.AsNoTracking().Where(a => a.CaseId == caseId).OrderBy(a => a.Seq).ToListAsync();
    }

    public static async Task<List<OutboxRow>> RefusalMailAsync(ApprovalsAppFactory app, Guid? caseId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Outbox.AsNoTracking()
            .Where(o => o.CaseId == caseId && o.Event == InboundMail.RefusedEvent).ToListAsync();
    }

    public static async Task<int> CaseVersionAsync(ApprovalsAppFactory app, Guid caseId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Cases.Where(c => c.Id == caseId).Select(c => c.Version).SingleAsync();
    }

    /// <summary>Whether <c>GET /api/cases/{id}/audit/verify</c> still finds the sealed history whole.</summary>
    public static async Task<bool> AuditHoldsAsync(ApprovalsAppFactory app, Guid caseId) =>
        (bool)(await (await app.ClientAsync(Requester)).GetFromJsonAsync<JsonObject>($"/api/cases/{caseId}/audit/verify"))!["valid"]!;

    public static string? Via(AuditRow row) => row.DetailsJson is null ? null : (string?)JsonNode.Parse(row.DetailsJson)!["via"];

    public static string? Reason(AuditRow row) => row.DetailsJson is null ? null : (string?)JsonNode.Parse(row.DetailsJson)!["reason"];
}
