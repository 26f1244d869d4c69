using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Features.Tasks;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Tasks;

/// <summary>
/// The inbox (<c>GET /api/tasks</c>) over tasks that reach the caller every way at once — assigned, decided,
/// offered to them, offered to their group, unassigned without candidates — with shared due and creation times,
/// tasks without a due date and tasks of the caller's own cases: every page is exactly the next slice of the
/// one order (no due date last, due date, created, id), whichever branch and read strategy a task came from.
/// </summary>
public abstract class InboxTests(StorageProvider provider) : IAsyncLifetime
{
    protected const string Me = "intake.officer1@example.org";
    private const string MyGroup = "intake-officers";
    protected ApprovalsAppFactory App { get; } = new(provider);
    private readonly List<(TaskRow Task, string Requester, string? Offer)> _seeded = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>
    /// Enough tasks offered to the group that the inbox walks the unassigned tasks in order (more candidate rows
    /// than <see cref="InboxReads.LookupUpTo"/>), and a last page where the walk falls back to a lookup.
    /// </summary>
    protected async Task SeedAsync(int offeredToGroup)
    {
        var from = _seeded.Count;
        var start = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var random = new Random(9);
        var statuses = new[] { "Open", "Open", "Open", "Completed", "Cancelled" };
        void Add(int i, string? assignee, string? decidedBy, string? offer, string status)
        {
            // Few distinct instants, so due dates and creation times tie and the id decides.
            var task = new TaskRow
            {
                Id = Guid.NewGuid(), CaseId = Guid.NewGuid(), ActivityId = "s" + i, Assignee = assignee, DecidedBy = decidedBy,
                Status = status, CreatedAt = start.AddMinutes(random.Next(4)),
                DueAt = random.Next(3) == 0 ? null : start.AddHours(random.Next(5)),
            };
            // Every seventh task is of a case the caller requested: never in their inbox.
            _seeded.Add((task, i % 7 == 0 ? Me : "hr.officer@example.org", offer));
        }
        var n = from;
        for (var i = 0; i < offeredToGroup; i++) Add(n++, null, null, "group:" + MyGroup, statuses[i % statuses.Length]);
        for (var i = 0; i < 40; i++) Add(n++, Me, null, null, statuses[i % statuses.Length]);
        for (var i = 0; i < 15; i++) Add(n++, "someone.else@example.org", Me, null, "Completed");
        for (var i = 0; i < 30; i++) Add(n++, null, null, "user:" + Me, statuses[i % statuses.Length]);
        for (var i = 0; i < 30; i++) Add(n++, null, null, "group:finance", "Open"); // someone else's group
        for (var i = 0; i < 30; i++) Add(n++, null, null, null, statuses[i % statuses.Length]); // nobody named: admins
        for (var i = 0; i < 20; i++) Add(n++, "someone.else@example.org", null, "group:" + MyGroup, "Open"); // claimed

        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        foreach (var (task, requester, offer) in _seeded.Skip(from))
        {
            db.Cases.Add(new CaseRow
            {
                Id = task.CaseId, WorkflowKey = "personnel-vetting", WorkflowVersion = 1, Title = "Seeded " + task.ActivityId,
                Requester = requester, Status = "InProgress", CreatedAt = start, UpdatedAt = start,
            });
            if (offer?.Split(':') is [var kind, var name]) task.Candidates.Add(new TaskCandidateRow { Kind = kind, Name = name });
            db.Tasks.Add(task);
        }
        await db.SaveChangesAsync();
    }

    /// <summary>What the caller should see, in the inbox's order.</summary>
    private List<Guid> Expected(string me, string[] groups, bool admin, string? status) =>
        _seeded.Where(s => s.Requester != me && (status is null || s.Task.Status == status))
            .Where(s => s.Task.Assignee == me || s.Task.DecidedBy == me
                || (s.Task.Assignee is null && (s.Offer == "user:" + me || groups.Any(g => s.Offer == "group:" + g) || (admin && s.Offer is null))))
            .Select(s => s.Task)
            .OrderBy(t => t.DueAt is null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .Select(t => t.Id).ToList();

    private static async Task<List<Guid>> Walk(HttpClient client, string path, int limit)
    {
        var all = new List<Guid>();
        string? cursor = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var url = $"{path}{(path.Contains('?') ? '&' : '?')}limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = (await client.GetFromJsonAsync<JsonObject>(url))!;
            var items = page["items"]!.AsArray();
            all.AddRange(items.Select(i => Guid.Parse((string)i!["id"]!)));
            cursor = (string?)page["next"];
            if (cursor is null) return all;
            Assert.Equal(limit, items.Count); // only the last page may be short
        }
        throw new InvalidOperationException("paging never ended");
    }

    [Fact]
    public async Task ListTasks_GroupDirectAndDecidedMixed_PagesFollowTheOneOrder()
    {
        await SeedAsync(offeredToGroup: InboxReads.LookupUpTo + 100);
        var me = await App.ClientAsync(Me);

        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 23));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, null), await Walk(me, "/api/tasks", limit: 50));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Completed"), await Walk(me, "/api/tasks?status=Completed", limit: 9));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, null), await Walk(me, "/api/tasks?status=Open,Completed,Cancelled", limit: 200));
    }

    [Fact]
    public async Task ListTasks_FewOffered_LookedUpInTheSameOrder()
    {
        await SeedAsync(offeredToGroup: 25);
        var me = await App.ClientAsync(Me);

        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 4));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, null), await Walk(me, "/api/tasks", limit: 11));
    }

    /// <summary>
    /// Which way a caller's offered tasks are read (looked up when few, walked when many) is remembered between pages,
    /// and only a hint: offered tasks that grow past the lookup's limit after a page, or shrink below it, still give
    /// exactly the next pages.
    /// </summary>
    [Fact]
    public async Task ListTasks_OfferedGrowPastTheLookupThenShrink_PagesStayExact()
    {
        await SeedAsync(offeredToGroup: 25);
        var me = await App.ClientAsync(Me);
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 7));

        await SeedAsync(offeredToGroup: InboxReads.LookupUpTo + 100);
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 7));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, null), await Walk(me, "/api/tasks", limit: 60));

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
            Assert.True(await db.TaskCandidates.Where(k => k.Kind == "group" && k.Name == MyGroup).ExecuteDeleteAsync() > InboxReads.LookupUpTo);
        }
        for (var i = 0; i < _seeded.Count; i++)
            if (_seeded[i].Offer == "group:" + MyGroup) _seeded[i] = _seeded[i] with { Offer = null };
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 7));
        Assert.Equal(Expected(Me, [MyGroup], admin: false, null), await Walk(me, "/api/tasks", limit: 60));
    }

    [Fact]
    public async Task ListTasks_Admin_AlsoSeesUnassignedTasksWithoutCandidates()
    {
        await SeedAsync(offeredToGroup: 25);
        var admin = await App.ClientAsync("admin@example.org", "admin1234");

        var open = await Walk(admin, "/api/tasks?status=Open", limit: 6);

        Assert.Equal(Expected("admin@example.org", [], admin: true, "Open"), open);
        Assert.Contains(_seeded.First(s => s.Offer is null && s.Task.Assignee is null && s.Task.Status == "Open" && s.Requester != "admin@example.org").Task.Id, open);
    }

    /// <summary>Lists name the workflow as people know it (its pinned version's name), beside its key.</summary>
    [Fact]
    public async Task ListTasks_AndListCases_NameTheWorkflow()
    {
        await SeedAsync(offeredToGroup: 25);
        var me = await App.ClientAsync(Me);

        var tasks = (await me.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=5"))!["items"]!.AsArray();
        var cases = (await me.GetFromJsonAsync<JsonObject>("/api/cases?limit=5"))!["items"]!.AsArray();

        Assert.Equal(5, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(("personnel-vetting", "Personnel vetting"), ((string?)t!["case"]!["workflow"], (string?)t["case"]!["workflowName"])));
        Assert.Equal(5, cases.Count);
        Assert.All(cases, c => Assert.Equal(("personnel-vetting", "Personnel vetting"), ((string?)c!["workflow"], (string?)c["workflowName"])));
    }

    /// <summary>
    /// The caller's groups come from the directory snapshot the server keeps: joining or leaving a group shows in the
    /// very next inbox page, not when the snapshot happens to be read again.
    /// </summary>
    [Fact]
    public async Task ListTasks_JoinedAndLeftAGroup_TheNextPageFollows()
    {
        await SeedAsync(offeredToGroup: 25);
        var admin = await App.ClientAsync("admin@example.org", "admin1234");
        var me = await App.ClientAsync(Me);
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 50)); // snapshot read

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/directory/groups/finance", new { members = new[] { Me } })).StatusCode);
        me = await SignInAgainAsync(Me); // a member added or removed gets a new stamp: their tokens end
        var withFinance = await Walk(me, "/api/tasks?status=Open", limit: 50);
        Assert.Equal(Expected(Me, [MyGroup, "finance"], admin: false, "Open"), withFinance);
        Assert.Contains(_seeded.First(s => s.Offer == "group:finance").Task.Id, withFinance);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/directory/groups/finance", new { members = Array.Empty<string>() })).StatusCode);
        me = await SignInAgainAsync(Me);
        Assert.Equal(Expected(Me, [MyGroup], admin: false, "Open"), await Walk(me, "/api/tasks?status=Open", limit: 50));
    }

    private async Task<HttpClient> SignInAgainAsync(string email)
    {
        var client = App.CreateClient();
        var answer = await client.PostAsJsonAsync("/api/auth/token", new { email, password = ApprovalsAppFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var token = (string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task ListTasks_OwnCase_NeverListed()
    {
        await SeedAsync(offeredToGroup: InboxReads.LookupUpTo + 100);
        var me = await App.ClientAsync(Me);

        var all = await Walk(me, "/api/tasks", limit: 200);

        var own = _seeded.Where(s => s.Requester == Me).Select(s => s.Task.Id).ToHashSet();
        Assert.NotEmpty(own);
        Assert.DoesNotContain(all, own.Contains);
    }
}

public sealed class InboxSqliteTests() : InboxTests(StorageProvider.Sqlite);

public sealed class InboxPostgreSqlTests() : InboxTests(StorageProvider.PostgreSql)
{
    private sealed record Plans(long Generic, long Custom);

    /// <summary>
    /// The inbox statement runs on the plan PostgreSQL made once for the connection (re-planning its branches cost
    /// more than running them), and the setting that asks for it never outlives the statement: the next statement
    /// on the same pooled connection plans as PostgreSQL would on its own.
    /// </summary>
    [Fact]
    public async Task InboxStatement_RunsOnOneGenericPlan_AndLeavesTheConnectionsSettingAsItWas()
    {
        await SeedAsync(offeredToGroup: 25);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        await db.Database.OpenConnectionAsync();
        var shape = new InboxShape(Statuses: 1, InboxCursor.None, Admin: false, NullsLast: true);

        // Npgsql prepares a statement on its fifth use; every run after that is counted by PostgreSQL.
        for (var i = 0; i < 8; i++)
            Assert.Equal(5, (await InboxQuery.ReadAsync(db, shape, new InboxArgs { Me = Me, Take = 5, Status0 = "Open" }, default)).Count);

        var plans = await db.Database.SqlQueryRaw<Plans>(
            """select generic_plans as "Generic", custom_plans as "Custom" from pg_prepared_statements where position('-- generic plan' in statement) > 0""")
            .ToListAsync();
        var plan = Assert.Single(plans);
        Assert.True(plan.Generic >= 3, $"generic plans: {plan.Generic}");
        Assert.Equal(0, plan.Custom);
        Assert.Equal("auto", await db.Database.SqlQueryRaw<string>("""select current_setting('plan_cache_mode') as "Value" """).SingleAsync());
    }
}
