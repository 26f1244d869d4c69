using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Auth;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Server.Tests.Auth;

/// <summary>
/// On PostgreSQL the standing cache is trusted only while the server listens for changes. When that connection
/// drops, a change made meanwhile sends a notification nobody hears; the server must not go on with what it cached.
/// </summary>
public sealed class ListenerDropTests() : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(StorageProvider.PostgreSql);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ListenerConnectionKilled_StampChangedWithoutNotice_TokenRefused()
    {
        var admin = await _app.ClientAsync("admin@example.org", "admin1234");
        await admin.PutAsJsonAsync("/api/directory/users/listener.case@example.org", new { password = "first-password", roles = new[] { "reviewer" } });
        var signIn = await _app.Anonymous().PostAsJsonAsync("/api/auth/token", new { email = "listener.case@example.org", password = "first-password" });
        var client = _app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (string)(await signIn.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!);
        var cache = _app.Services.GetRequiredService<StandingCache>();
        await WaitAsync(() => cache.Enabled, "the listener to connect");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks")).StatusCode);
        Assert.True(cache.Count > 0);

        // The database ends the listening session, as a failover or a network cut would.
        await using (var pg = new NpgsqlConnection(_app.ConnectionString))
        {
            await pg.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'approvals-directory-listener' and datname = current_database()", pg);
            await kill.ExecuteNonQueryAsync();
        }
        await WaitAsync(() => cache.Count == 0, "the cache to be dropped with the connection");

        // A change that no server hears of: written straight to the table, no NOTIFY.
        await using (var scope = _app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().Users.Where(u => u.Email == "listener.case@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, "changed-elsewhere"));

        await Problem.AssertAsync(await client.GetAsync("/api/tasks"), HttpStatusCode.Unauthorized);
        await WaitAsync(() => cache.Enabled, "the listener to connect again");
        await Problem.AssertAsync(await client.GetAsync("/api/tasks"), HttpStatusCode.Unauthorized);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
