using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;
using Approvals.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Approvals.Server.Tests.Timers;

/// <summary>
/// Two real server processes on one PostgreSQL database (issue 3, point 7): both seed the database at the
/// same time, cases are started on both, and every one of their 500 <c>Wait</c> timers must fire exactly
/// once, some on each server. Needs <c>APPROVALS_TEST_POSTGRES</c> (test.sh sets it) and the built server
/// (the test project's reference builds it).
/// </summary>
public sealed class TwoServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Waits = 20;
    private const int Cases = 25;
    private const int Timers = Waits * Cases;
    private const string WorkflowKey = "two-servers-waits";
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan FiringLimit = TimeSpan.FromSeconds(60);

    private readonly string _database = "approvals_two_" + Guid.NewGuid().ToString("N")[..16];
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
    public async Task TwoServers_OnePostgreSql_FireEachTimerExactlyOnce()
    {
        // Both processes start together, so both migrate and seed the same empty database at once.
        var total = Stopwatch.StartNew();
        var a = Start("A");
        var b = Start("B");
        await Task.WhenAll(a.WaitHealthyAsync(StartupLimit), b.WaitHealthyAsync(StartupLimit));
        output.WriteLine($"both servers healthy after {total.Elapsed.TotalSeconds:0.0} s");

        using var httpA = await SignedInAsync(a, "designer@example.org");
        var put = await httpA.PutAsJsonAsync($"/api/workflows/{WorkflowKey}", ForkOfWaits(Waits, "PT3S"));
        Assert.True(put.IsSuccessStatusCode, $"PUT workflow: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        var publish = await httpA.PostAsync($"/api/workflows/{WorkflowKey}/publish", null);
        Assert.True(publish.IsSuccessStatusCode, $"publish: {(int)publish.StatusCode} {await publish.Content.ReadAsStringAsync()}");

        // Cases alternate between the servers; each schedules its own timers' jobs.
        using var requesterA = await SignedInAsync(a, "hr.officer@example.org");
        using var requesterB = await SignedInAsync(b, "hr.officer@example.org");
        using var inFlight = new SemaphoreSlim(6);
        var caseIds = await Task.WhenAll(Enumerable.Range(0, Cases).Select(async i =>
        {
            await inFlight.WaitAsync();
            try
            {
                var client = i % 2 == 0 ? requesterA : requesterB;
                var started = await client.PostAsJsonAsync("/api/cases", new { workflow = WorkflowKey, title = $"Two servers {i}", data = new { } });
                Assert.True(started.StatusCode == HttpStatusCode.Created,
                    $"start case {i} on {(i % 2 == 0 ? "A" : "B")}: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
                return (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            }
            finally
            {
                inFlight.Release();
            }
        }));

        output.WriteLine($"{Cases} cases ({Timers} timers) started after {total.Elapsed.TotalSeconds:0.0} s");

        // Wait (bounded) until every case is Approved, i.e. all 500 waits ended and the joins passed.
        var deadline = Stopwatch.StartNew();
        long approved = 0;
        while (deadline.Elapsed < FiringLimit)
        {
            approved = await ScalarAsync($"select count(*) from \"Cases\" where \"WorkflowKey\" = '{WorkflowKey}' and \"Status\" = 'Approved'");
            if (approved == Cases) break;
            foreach (var server in _servers)
                Assert.False(server.HasExited, $"server {server.Name} exited ({server.ExitCode}):\n{server.Tail()}");
            await Task.Delay(500);
        }
        var timerStates = await TimerStatesAsync();
        output.WriteLine($"{approved} cases approved after {total.Elapsed.TotalSeconds:0.0} s; timers: {Describe(timerStates)}");
        Assert.True(approved == Cases,
            $"{approved} of {Cases} cases approved after {FiringLimit.TotalSeconds} s; timers {Describe(timerStates)}\n{Tails()}");

        // From here on every check runs and all that failed are reported together.
        var problems = new List<string>();

        // Each case's audit: exactly one WaitEnded per Wait activity (none fired twice, none lost).
        foreach (var id in caseIds)
        {
            var c = (await requesterA.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!;
            if ((string?)c["status"] != "Approved") problems.Add($"case {id} is {c["status"]}, not Approved");
            var audit = (await requesterB.GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
            var ended = audit.Where(e => (string)e!["action"]! == "WaitEnded").Select(e => (string)e!["activityId"]!).Order().ToList();
            if (!ended.SequenceEqual(Enumerable.Range(1, Waits).Select(n => $"w{n}").Order()))
                problems.Add($"case {id}: WaitEnded for [{string.Join(",", ended)}], expected each of w1..w{Waits} once");
        }

        // Every timer row fired once: all Fired (with a time), nothing pending, nothing cancelled.
        if (timerStates.GetValueOrDefault("Fired") != Timers || timerStates.Values.Sum() != Timers)
            problems.Add($"expected {Timers} timer rows, all Fired; found {Describe(timerStates)}");
        var firedWithoutTime = await ScalarAsync("select count(*) from \"Timers\" where \"Status\" = 'Fired' and \"FiredAt\" is null");
        if (firedWithoutTime != 0) problems.Add($"{firedWithoutTime} Fired timer rows have no FiredAt");

        // Both processes fired timers, and between them exactly 500 firings took effect. (A firing that
        // found its timer already fired changes nothing and logs nothing.) Give the loggers a moment to flush.
        await Task.Delay(300);
        var firedA = a.Fired;
        var firedB = b.Fired;
        output.WriteLine($"firings logged: A {firedA}, B {firedB}; total {total.Elapsed.TotalSeconds:0.0} s");
        if (firedA == 0 || firedB == 0) problems.Add($"both servers must fire timers: A fired {firedA}, B fired {firedB}");
        if (firedA + firedB != Timers) problems.Add($"A fired {firedA} and B fired {firedB}: {firedA + firedB} firings for {Timers} timers");

        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)) + (problems.Count > 20 ? $"\n... {problems.Count - 20} more" : ""));
    }

    [Fact]
    public async Task KillNine_BetweenSchedulingAndFiring_TimerStillFiresOnTime()
    {
        var first = Start("before-kill");
        await first.WaitHealthyAsync(StartupLimit);
        var designer = await SignedInAsync(first, "designer@example.org");
        var definition = ForkOfWaits(1, "PT25S");
        definition["key"] = "kill-nine-wait";
        Assert.True((await designer.PutAsJsonAsync("/api/workflows/kill-nine-wait", definition)).IsSuccessStatusCode);
        Assert.True((await designer.PostAsync("/api/workflows/kill-nine-wait/publish", null)).IsSuccessStatusCode);
        var requester = await SignedInAsync(first, "hr.officer@example.org");
        var started = await requester.PostAsJsonAsync("/api/cases", new { workflow = "kill-nine-wait", title = "kill -9", data = new { } });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var created = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (string)created["id"]!;
        var dueAt = created["timers"]!.AsArray().Single()!["dueAt"]!.GetValue<DateTimeOffset>();

        // The timer row and its in-process alarm exist; the process dies before the alarm goes off.
        await Task.Delay(1000);
        first.Dispose(); // SIGKILL, no shutdown

        var second = Start("after-kill");
        await second.WaitHealthyAsync(StartupLimit);
        var healthyAt = DateTimeOffset.UtcNow;
        var reader = await SignedInAsync(second, "hr.officer@example.org");
        var limit = Stopwatch.StartNew();
        JsonArray audit;
        while (true)
        {
            audit = (await reader.GetFromJsonAsync<JsonArray>($"/api/cases/{id}/audit"))!;
            if (audit.Any(a => (string)a!["action"]! == "WaitEnded")) break;
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), $"the Wait never ended after the restart:\n{second.Tail()}");
            await Task.Delay(200);
        }
        var ended = audit.Single(a => (string)a!["action"]! == "WaitEnded")!["at"]!.GetValue<DateTimeOffset>();
        output.WriteLine($"due {dueAt:O}, ended {ended:O}, late {(ended - dueAt).TotalMilliseconds:0} ms");
        Assert.True(ended >= dueAt, $"fired early: due {dueAt:O}, ended {ended:O}");
        // The restart takes a few of the 25 seconds; the timer must then fire at its moment, not a sweep later
        // (were the machine so slow that the server came up after the due time, as soon as it is up). The bound
        // is far below the minute sweep but leaves room for a loaded CI machine; lateness itself is measured
        // by the timer benchmark, not here.
        var expected = dueAt > healthyAt ? dueAt : healthyAt;
        Assert.True(ended - expected < TimeSpan.FromSeconds(15), $"fired {(ended - expected).TotalSeconds:0.0} s after it could have");
        Assert.Equal("Approved", (string)(await reader.GetFromJsonAsync<JsonObject>($"/api/cases/{id}"))!["status"]!);
    }

    // ---------------------------------------------------------------------------------------------

    /// <summary>Start → Fork → <paramref name="count"/> parallel Waits → Join(all) → End Approved.</summary>
    private static JsonObject ForkOfWaits(int count, string duration)
    {
        var activities = new JsonArray
        {
            new JsonObject { ["id"] = "start", ["type"] = "Start" },
            new JsonObject { ["id"] = "fork", ["type"] = "Fork" },
            new JsonObject { ["id"] = "join", ["type"] = "Join", ["mode"] = "all" },
            new JsonObject { ["id"] = "done", ["type"] = "End", ["outcome"] = "Approved" },
        };
        var connections = new JsonArray { Connection("start", "fork"), Connection("join", "done") };
        for (var n = 1; n <= count; n++)
        {
            activities.Add(new JsonObject { ["id"] = $"w{n}", ["type"] = "Wait", ["duration"] = duration });
            connections.Add(Connection("fork", $"w{n}"));
            connections.Add(Connection($"w{n}", "join"));
        }
        return new JsonObject
        {
            ["key"] = WorkflowKey,
            ["name"] = "Two servers: parallel waits",
            ["root"] = new JsonObject { ["type"] = "Flowchart", ["activities"] = activities, ["connections"] = connections },
        };

        static JsonObject Connection(string from, string to) => new()
        {
            ["source"] = new JsonObject { ["activity"] = from, ["port"] = "Done" },
            ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
        };
    }

    private ServerProcess Start(string name)
    {
        var server = new ServerProcess(Repository.ServerBin(null), _connectionString!, name: name);
        _servers.Add(server);
        return server;
    }

    private static Task<HttpClient> SignedInAsync(ServerProcess server, string email) =>
        server.SignInAsync(email, ApprovalsAppFactory.DemoPassword, CancellationToken.None);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<Dictionary<string, int>> TimerStatesAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select \"Status\", count(*) from \"Timers\" group by \"Status\"", connection);
        var states = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) states[reader.GetString(0)] = (int)reader.GetInt64(1);
        return states;
    }

    private static string Describe(Dictionary<string, int> states) =>
        states.Count == 0 ? "none" : string.Join(", ", states.Select(s => $"{s.Key} {s.Value}"));

    private string Tails() => string.Join("\n", _servers.Select(s => $"--- server {s.Name} (fired {s.Fired}) ---\n{s.Tail()}"));

    private static string AdminConnection() =>
        Environment.GetEnvironmentVariable(ApprovalsAppFactory.PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"This test needs {ApprovalsAppFactory.PostgresVariable}, an admin connection string such as " +
                "'Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres' (./test.sh starts a throwaway server and sets it).");
}
