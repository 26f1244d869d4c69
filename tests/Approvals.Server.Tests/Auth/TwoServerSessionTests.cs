using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;
using Approvals.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Approvals.Server.Tests.Auth;

/// <summary>
/// Two real server processes on one PostgreSQL database: a change of standing made through one server ends
/// the session on the other at once, although that other server had the user's standing cached.
/// </summary>
public sealed class TwoServerSessionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(120);

    // PostgreSQL hands a NOTIFY to the listening server when the change commits; the other server drops the
    // entry as it arrives. The test allows that delivery a moment, far below any session lifetime.
    private static readonly TimeSpan DeliveryLimit = TimeSpan.FromSeconds(2);

    private readonly string _database = "approvals_sessions_" + Guid.NewGuid().ToString("N")[..16];
    private readonly List<ServerProcess> _servers = [];
    private string? _connectionString;

    public async Task InitializeAsync()
    {
        await using var admin = new NpgsqlConnection(AdminConnection());
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
        await create.ExecuteNonQueryAsync();
        _connectionString = new NpgsqlConnectionStringBuilder(AdminConnection()) { Database = _database }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) server.Dispose();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnection());
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task StandingChangedOnOneServer_TokenRefusedOnTheOtherAtOnce()
    {
        var a = Start("A");
        await a.WaitHealthyAsync(StartupLimit); // A seeds the database; B then starts on it
        var b = Start("B");
        await b.WaitHealthyAsync(StartupLimit);
        using var adminB = await b.SignInAsync("admin@example.org", "admin1234", CancellationToken.None);

        // Password changed through B.
        var email = await NewReviewerAsync(adminB);
        using (var onA = await a.SignInAsync(email, "first-password", CancellationToken.None))
        {
            await AssertAcceptedAsync(onA, a); // A now has the standing cached
            Assert.Equal(HttpStatusCode.OK, (await adminB.PutAsJsonAsync($"/api/directory/users/{email}", new { password = "second-password" })).StatusCode);
            await AssertRefusedSoonAsync(onA, "password change");
        }

        // Disabled through B.
        using (var onA = await a.SignInAsync(email, "second-password", CancellationToken.None))
        {
            await AssertAcceptedAsync(onA, a);
            await adminB.PutAsJsonAsync($"/api/directory/users/{email}", new { disabled = true });
            await AssertRefusedSoonAsync(onA, "disabling");
            await adminB.PutAsJsonAsync($"/api/directory/users/{email}", new { disabled = false });
        }

        // Logged out on B, with the token that A keeps accepting until it hears of it.
        using (var onA = await a.SignInAsync(email, "second-password", CancellationToken.None))
        {
            await AssertAcceptedAsync(onA, a);
            using var sameTokenOnB = new HttpClient { BaseAddress = b.BaseAddress };
            sameTokenOnB.DefaultRequestHeaders.Authorization = onA.DefaultRequestHeaders.Authorization;
            Assert.Equal(HttpStatusCode.NoContent, (await sameTokenOnB.PostAsync("/api/auth/logout", null)).StatusCode);
            await AssertRefusedSoonAsync(onA, "logout");
        }
    }

    /// <summary>The case store keeps the directory cached; a group changed through B routes A's very next stage by it.</summary>
    [Fact]
    public async Task GroupChangedOnOneServer_NextStageOnTheOtherUsesTheNewMembers()
    {
        var a = Start("A");
        await a.WaitHealthyAsync(StartupLimit);
        var b = Start("B");
        await b.WaitHealthyAsync(StartupLimit);
        using var adminB = await b.SignInAsync("admin@example.org", "admin1234", CancellationToken.None);
        using var designer = await b.SignInAsync("designer@example.org", "demo1234", CancellationToken.None);
        var (first, second) = (await NewReviewerAsync(adminB), await NewReviewerAsync(adminB));
        Assert.Equal(HttpStatusCode.OK, (await adminB.PutAsJsonAsync("/api/directory/groups/cache-test", new { members = new[] { first } })).StatusCode);
        var workflow = JsonNode.Parse("""
            {"key": "cache-test", "name": "Cache test", "root": {"type": "Flowchart", "activities": [
              {"id": "start", "type": "Start"},
              {"id": "review", "type": "Review", "assignees": {"groups": ["cache-test"]}, "policy": {"mode": "all"}},
              {"id": "done", "type": "End", "outcome": "Approved"},
              {"id": "refused", "type": "End", "outcome": "Rejected"}],
             "connections": [
              {"source": {"activity": "start", "port": "Done"}, "target": {"activity": "review", "port": "In"}},
              {"source": {"activity": "review", "port": "Approved"}, "target": {"activity": "done", "port": "In"}},
              {"source": {"activity": "review", "port": "Rejected"}, "target": {"activity": "refused", "port": "In"}}]}}
            """);
        var saved = await designer.PutAsJsonAsync("/api/workflows/cache-test", workflow);
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var published = await designer.PostAsync("/api/workflows/cache-test/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        using var requesterA = await a.SignInAsync("hr.officer@example.org", "demo1234", CancellationToken.None);
        Assert.Equal([first], await AssigneesOfNewCaseAsync(requesterA)); // A has the directory cached now

        Assert.Equal(HttpStatusCode.OK, (await adminB.PutAsJsonAsync("/api/directory/groups/cache-test", new { members = new[] { first, second } })).StatusCode);
        var watch = Stopwatch.StartNew();
        while (!(await AssigneesOfNewCaseAsync(requesterA)).Contains(second))
        {
            Assert.True(watch.Elapsed < DeliveryLimit, $"A still routed by the old group {watch.Elapsed.TotalMilliseconds:0} ms after the change on B");
            await Task.Delay(10);
        }
        output.WriteLine($"group change: A routed by it after {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    private static async Task<List<string>> AssigneesOfNewCaseAsync(HttpClient requester)
    {
        var started = await requester.PostAsJsonAsync("/api/cases", new { workflow = "cache-test", title = "Cache", data = new { } });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var view = await started.Content.ReadFromJsonAsync<JsonObject>();
        return [.. view!["openTasks"]!.AsArray().Select(t => (string)t!["assignee"]!).Order(StringComparer.Ordinal)];
    }

    private static async Task<string> NewReviewerAsync(HttpClient admin)
    {
        var email = $"two.servers.{Guid.NewGuid():N}@example.org";
        var put = await admin.PutAsJsonAsync($"/api/directory/users/{email}", new { password = "first-password", roles = new[] { "reviewer" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return email;
    }

    private static async Task AssertAcceptedAsync(HttpClient client, ServerProcess server)
    {
        var response = await client.GetAsync("/api/tasks");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200 from {server.Name}, got {(int)response.StatusCode}:\n{server.Tail()}");
    }

    private async Task AssertRefusedSoonAsync(HttpClient client, string what)
    {
        var watch = Stopwatch.StartNew();
        var accepted = 0;
        while (true)
        {
            var status = (await client.GetAsync("/api/tasks")).StatusCode;
            if (status == HttpStatusCode.Unauthorized) break;
            Assert.Equal(HttpStatusCode.OK, status);
            accepted++;
            Assert.True(watch.Elapsed < DeliveryLimit, $"after the {what} on B, A still accepted the token for {watch.Elapsed.TotalMilliseconds:0} ms");
            await Task.Delay(10);
        }
        output.WriteLine($"{what}: refused on A after {watch.Elapsed.TotalMilliseconds:0} ms ({accepted} requests still accepted before)");
    }

    private ServerProcess Start(string name)
    {
        var server = new ServerProcess(Repository.ServerBin(null), _connectionString!, name: name);
        _servers.Add(server);
        return server;
    }

    private static string AdminConnection() =>
        Environment.GetEnvironmentVariable(ApprovalsAppFactory.PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException($"This test needs {ApprovalsAppFactory.PostgresVariable}, an admin connection string.");
}
