using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Approvals.Benchmarks.Support;
using Approvals.Testing;
using Npgsql;

namespace Approvals.Benchmarks.TimerLateness;

/// <summary>
/// Issue 3, point 6: how late do timers fire under load? One server on PostgreSQL; a workflow whose Fork
/// starts <c>--waits</c> parallel <c>Wait</c> activities; enough cases to make <c>--timers</c> timer rows,
/// started with bounded concurrency over the first seconds so that every timer falls due within about one
/// minute. Then, from the database: each timer's lateness (FiredAt − DueAt), timers fired twice (more than
/// one WaitEnded audit entry for one Wait of one case) and timers lost (still Pending at the end), and from
/// Hangfire's own tables where a late timer's time went.
/// </summary>
public static class TimerLatenessBenchmark
{
    public const string Usage = """
        timer-lateness [options]
          --timers N            timers to schedule (default 10000)
          --waits K             parallel Waits per case (default 20); cases = timers / K
          --due-after A         the first timers fall due A seconds after the first case starts (default 60)
          --due-window W        ... and the last ones W seconds later (default 60): case i of n is due at A + W*i/n
          --stagger-seconds S   Wait j of a case lasts S*(j-1) seconds longer (default 0: a case's Waits fall due together)
          --concurrency C       case starts in flight (default 8)
          --workers W           the server's Jobs__Workers (default: the server's own default)
          --server-bin DIR      folder with Approvals.Server.dll (default src/Approvals.Server/bin/<Release|Debug>/net10.0)
          --own-postgres        start a throwaway cluster even when APPROVALS_TEST_POSTGRES is set
          --no-race-count       leave the case store's log level alone (by default Debug, to count lost write races)
          --log FILE            keep the server's output in FILE
          --timeout SECONDS     give up after this long overall (default 600)
        """;

    /// <summary>One published workflow per Wait duration (in whole seconds): timer-lateness-&lt;seconds&gt;.</summary>
    private const string WorkflowKeyPrefix = "timer-lateness-";

    public static async Task<int> RunAsync(string[] args, CancellationToken stop)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"timer-lateness: {e.Message}\n{Usage}");
            return 2;
        }
        if (o.Help)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        using var overall = CancellationTokenSource.CreateLinkedTokenSource(stop);
        overall.CancelAfter(o.Timeout);
        var ct = overall.Token;
        var cases = (o.Timers + o.Waits - 1) / o.Waits;
        var timers = cases * o.Waits;

        Line($"benchmark: timer-lateness, {timers} timers = {cases} cases x {o.Waits} parallel Waits (Fork, Join all)"
             + (o.StaggerSeconds > 0 ? $", Wait j due {o.StaggerSeconds}*(j-1) s after the first of its case" : ", all Waits of a case due together")
             + $"; case i of n due {o.DueAfter} + {o.DueWindow}*i/n s after the first case start; {o.Concurrency} case starts in flight");
        Line($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()}");

        var serverBin = Repository.ServerBin(o.ServerBin);
        await using var pg = await ThrowawayPostgres.StartAsync(!o.OwnPostgres, ct);
        await pg.CreateDatabaseAsync(ct);
        Line($"postgresql: {pg.Description}");

        var settings = new Dictionary<string, string>();
        if (o.CountRaces) settings["Logging__LogLevel__Approvals.Server.Persistence.CaseStore"] = "Debug";
        if (o.Workers is { } workers) settings["Jobs__Workers"] = workers.ToString(CultureInfo.InvariantCulture);
        using var server = new ServerProcess(serverBin, pg.ConnectionString, settings, o.LogFile);
        try
        {
            var boot = Stopwatch.StartNew();
            await server.WaitHealthyAsync(TimeSpan.FromSeconds(300), ct);
            Line($"server: {serverBin} ({Configuration(serverBin)}), healthy after {boot.Elapsed.TotalSeconds:0.0} s"
                 + (o.Workers is { } w ? $", Jobs__Workers={w}" : ""));

            // Start the cases, C in flight. Each start commits its case with its K timer rows, then gives
            // each row its Hangfire job before answering: when the last answer is in, everything is scheduled.
            // A Wait's duration counts from its case's start, so each case is started on the workflow whose
            // duration makes it due at its planned moment (published on first use).
            using var designer = await server.SignInAsync("designer@example.org", "demo1234", ct);
            using var requester = await server.SignInAsync("hr.officer@example.org", "demo1234", ct);
            var published = new Dictionary<int, Task>();
            Task Published(int seconds)
            {
                lock (published)
                {
                    if (!published.TryGetValue(seconds, out var task))
                        published[seconds] = task = PublishAsync(designer, o, seconds, ct);
                    return task;
                }
            }
            await Published(o.DueAfter);
            var firstStart = DateTimeOffset.UtcNow;
            var scheduling = Stopwatch.StartNew();
            var next = -1;
            var failures = 0;
            var late = 0;
            var starters = Enumerable.Range(0, o.Concurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < cases)
                {
                    var due = firstStart + TimeSpan.FromSeconds(o.DueAfter + o.DueWindow * (double)i / cases);
                    var seconds = (int)Math.Round((due - DateTimeOffset.UtcNow).TotalSeconds);
                    if (seconds < 1)
                    {
                        seconds = 1;
                        Interlocked.Increment(ref late);
                    }
                    await Published(seconds);
                    var response = await requester.PostAsJsonAsync("/api/cases", new { workflow = WorkflowKeyPrefix + seconds, title = "Lateness", data = new { } }, ct);
                    if (response.StatusCode != HttpStatusCode.Created && Interlocked.Increment(ref failures) <= 3)
                        Console.Error.WriteLine($"timer-lateness: a case start answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }
            }).ToList();
            await Task.WhenAll(starters);
            scheduling.Stop();
            if (failures > 0) throw new InvalidOperationException($"{failures} case starts failed.");
            if (late > 0) Line($"warning: {late} cases were started after their planned due time (given 1 s Waits): scheduling is slower than the due window; raise --due-after");

            await using var db = new NpgsqlConnection(pg.ConnectionString);
            await db.OpenAsync(ct);
            var rows = await ScalarAsync(db, "select count(*) from \"Timers\"", ct);
            var withoutJob = await ScalarAsync(db, "select count(*) from \"Timers\" where \"JobId\" is null", ct);
            Line($"scheduling: {cases} cases ({rows} timer rows) in {scheduling.Elapsed.TotalSeconds:0.0} s = {cases / scheduling.Elapsed.TotalSeconds:0.0} cases/s,"
                 + $" {rows / scheduling.Elapsed.TotalSeconds:0} timers/s; rows without a job at the end: {withoutJob}");
            var (firstDue, lastDue) = await DueWindowAsync(db, ct);
            Line($"due window: {(firstDue - firstStart).TotalSeconds:0.0} s .. {(lastDue - firstStart).TotalSeconds:0.0} s after the first case start ({(lastDue - firstDue).TotalSeconds:0.0} s wide)");

            // Wait (bounded: the last due time plus two minutes) until every timer has fired: its row is no
            // longer Pending, or (should the row not be updated) its Wait's WaitEnded audit entry exists.
            var waitUntil = lastDue + TimeSpan.FromMinutes(2);
            var lastReport = DateTimeOffset.MinValue;
            long pending;
            while (true)
            {
                pending = await ScalarAsync(db, UnfiredSql, ct);
                var now = DateTimeOffset.UtcNow;
                if (pending == 0 || now > waitUntil || server.HasExited) break;
                if (now - lastReport >= TimeSpan.FromSeconds(10))
                {
                    Line($"  t+{(now - firstStart).TotalSeconds:0} s: {pending} pending, {server.Fired} fired");
                    lastReport = now;
                }
                await Task.Delay(500, ct);
            }
            if (server.HasExited) throw new InvalidOperationException("The server exited during the run:\n" + server.Tail());
            await Task.Delay(1000, ct); // let the last firing's log line arrive

            await ReportAsync(db, o, timers, firstStart, server, ct);
            Line($"load average at the end: {LoadAverage()}");
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"timer-lateness: {e.Message}\n--- server output (last lines) ---\n{server.Tail()}");
            return 1;
        }
    }

    /// <summary>Timers not fired: row still Pending and no WaitEnded audit entry for its Wait.</summary>
    private const string UnfiredSql = """
        select count(*) from "Timers" t
        where t."Status" = 'Pending' and not exists (select 1 from "Audit" a
            where a."CaseId" = t."CaseId" and a."ActivityId" = t."ActivityId" and a."Action" = 'WaitEnded')
        """;

    private static async Task ReportAsync(NpgsqlConnection db, Options o, int timers, DateTimeOffset firstStart, ServerProcess server, CancellationToken ct)
    {
        // One line per timer: its due time, the row's FiredAt (when the row says Fired), the time of its
        // Wait's first WaitEnded audit entry, and how many such entries there are (more than one = fired twice).
        var rows = new List<(DateTimeOffset Due, DateTimeOffset? RowFired, DateTimeOffset? AuditFired, long Ended, string Status)>();
        await using (var cmd = new NpgsqlCommand("""
            select t."DueAt", t."FiredAt", min(a."At"), count(a."Id"), t."Status"
            from "Timers" t left join "Audit" a
              on a."CaseId" = t."CaseId" and a."ActivityId" = t."ActivityId" and a."Action" = 'WaitEnded'
            group by t."Id", t."DueAt", t."FiredAt", t."Status"
            """, db))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add((r.GetFieldValue<DateTimeOffset>(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1),
                    r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2), r.GetInt64(3), r.GetString(4)));

        var fired = rows.Count(x => x.AuditFired is not null || x.Status == "Fired");
        var lost = rows.Count(x => x.AuditFired is null && x.Status == "Pending");
        var twice = rows.Count(x => x.Ended > 1);
        var rowsFired = rows.Count(x => x.Status == "Fired");
        var rowsPendingButEnded = rows.Count(x => x.Status == "Pending" && x.AuditFired is not null);
        Line($"timers: {rows.Count} rows for {timers} expected; fired {fired}; lost (never fired): {lost}; fired twice: {twice}");
        Line($"timer rows: {rowsFired} Fired, {rows.Count(x => x.Status == "Pending")} Pending (of which {rowsPendingButEnded} did fire per the audit), {rows.Count(x => x.Status == "Cancelled")} Cancelled");

        // Lateness: from the row's FiredAt (the brief's measure) and from the WaitEnded audit entry's time
        // (when the winning firing attempt began), so a row the server forgot to mark still counts.
        var byRow = rows.Where(x => x.RowFired is not null).Select(x => (x.Due, Fired: x.RowFired!.Value, Ms: (x.RowFired!.Value - x.Due).TotalMilliseconds)).ToList();
        var byAudit = rows.Where(x => x.AuditFired is not null).Select(x => (x.Due, Fired: x.AuditFired!.Value, Ms: (x.AuditFired!.Value - x.Due).TotalMilliseconds)).ToList();
        if (byRow.Count > 0) LatenessLine("lateness ms (FiredAt - DueAt)", byRow.Select(x => x.Ms));
        if (byAudit.Count > 0) LatenessLine("lateness ms (WaitEnded audit At - DueAt)", byAudit.Select(x => x.Ms));
        var lateness = byRow.Count >= byAudit.Count ? byRow : byAudit;
        if (lateness.Count == 0) return;
        var ms = lateness.Select(l => l.Ms).Order().ToArray();
        Line($"within 1 s: {ms.Count(m => m <= 1000) * 100.0 / ms.Length:0.0}%  within 2 s: {ms.Count(m => m <= 2000) * 100.0 / ms.Length:0.0}%  within 5 s: {ms.Count(m => m <= 5000) * 100.0 / ms.Length:0.0}%");

        var firstFired = lateness.Min(l => l.Fired);
        var lastFired = lateness.Max(l => l.Fired);
        var span = (lastFired - firstFired).TotalSeconds;
        var perSecond = lateness.GroupBy(l => l.Fired.ToUnixTimeSeconds()).Max(g => g.Count());
        var duePerSecond = lateness.GroupBy(l => l.Due.ToUnixTimeSeconds()).Max(g => g.Count());
        Line($"firing: first {(firstFired - firstStart).TotalSeconds:0.0} s, last {(lastFired - firstStart).TotalSeconds:0.0} s after the first case start;"
             + $" throughput {lateness.Count / Math.Max(span, 0.001):0} timers/s over {span:0.0} s (peak {perSecond} in one second; peak due {duePerSecond} in one second)");

        // Lateness over the due window, in 5-second slices: does a backlog build up?
        foreach (var slice in lateness.GroupBy(l => (int)((l.Due - firstStart).TotalSeconds / 5)).OrderBy(g => g.Key))
        {
            var s = slice.Select(l => l.Ms).Order().ToArray();
            Line($"  due {slice.Key * 5,3}-{slice.Key * 5 + 5,3} s: {s.Length,5} timers, lateness p50 {P(s, 50),6:0} p99 {P(s, 99),6:0} max {s[^1],6:0} ms");
        }

        await HangfireBreakdownAsync(db, ct);
        Line($"server log: {server.Fired} 'fired' lines, {(o.CountRaces ? server.LostRaces.ToString(CultureInfo.InvariantCulture) : "(not counted)")} lost write races (retried), {server.Warnings} warnings, {server.Errors} errors");
        foreach (var line in server.FirstWarningsAndErrors) Line($"  {line}");
    }

    /// <summary>
    /// Where the time went, per fired timer, from Hangfire's job states: the job is scheduled for DueAt − 1 s;
    /// the delayed-job scheduler moves it to the queue (Enqueued), a worker picks it up (Processing), waits for
    /// DueAt, and the case store commits (FiredAt).
    /// </summary>
    private static async Task HangfireBreakdownAsync(NpgsqlConnection db, CancellationToken ct)
    {
        const string sql = """
            with jobs as (
                select j.id, trim(both '"' from (j.arguments::jsonb ->> 0)) as timer_id, j.statename,
                       (select min(s.createdat) from hangfire.state s where s.jobid = j.id and s.name = 'Enqueued') as enqueued,
                       (select min(s.createdat) from hangfire.state s where s.jobid = j.id and s.name = 'Processing') as processing,
                       (select count(*) from hangfire.state s where s.jobid = j.id and s.name = 'Failed') as failed
                from hangfire.job j
                where j.invocationdata::text like '%FireTimerJob%'
            ),
            per_timer as (
                select distinct on (t."Id") t."Id", t."DueAt",
                       coalesce(t."FiredAt", (select min(a."At") from "Audit" a where a."CaseId" = t."CaseId"
                                              and a."ActivityId" = t."ActivityId" and a."Action" = 'WaitEnded')) as "FiredAt",
                       jobs.enqueued at time zone 'UTC' as enqueued, jobs.processing at time zone 'UTC' as processing
                from "Timers" t join jobs on jobs.timer_id = t."Id"::text
                where jobs.processing is not null
                order by t."Id", jobs.processing
            )
            select
                (select count(*) from jobs), (select count(distinct timer_id) from jobs),
                (select count(*) from jobs where failed > 0), (select coalesce(sum(failed), 0) from jobs),
                (select count(*) from jobs where statename = 'Succeeded'),
                array(select extract(epoch from (enqueued - ("DueAt" - interval '1 second'))) * 1000 from per_timer where enqueued is not null),
                array(select extract(epoch from (processing - enqueued)) * 1000 from per_timer where enqueued is not null),
                array(select extract(epoch from (processing - "DueAt")) * 1000 from per_timer),
                array(select extract(epoch from ("FiredAt" - greatest("DueAt", processing))) * 1000 from per_timer)
            """;
        try
        {
            await using var cmd = new NpgsqlCommand(sql, db);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            Line($"hangfire: {r.GetInt64(0)} FireTimerJob jobs for {r.GetInt64(1)} timers, {r.GetInt64(4)} succeeded, {r.GetInt64(2)} with a failed attempt ({r.GetInt64(3)} failures, retried)");
            string[] names =
            [
                "scheduler lag: Enqueued - (DueAt - 1 s)",
                "queue wait:    Processing - Enqueued",
                "job start:     Processing - DueAt",
                "commit:        FiredAt (or WaitEnded At) - max(DueAt, Processing)",
            ];
            for (var i = 0; i < names.Length; i++)
            {
                var values = ((decimal[])r.GetValue(5 + i)).Select(v => (double)v).Order().ToArray();
                if (values.Length == 0) continue;
                Line($"  {names[i]}: p50 {P(values, 50):0} p90 {P(values, 90):0} p99 {P(values, 99):0} max {values[^1]:0} ms");
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidCastException)
        {
            Line($"hangfire: breakdown unavailable ({e.Message})");
        }
    }

    private static void LatenessLine(string title, IEnumerable<double> values)
    {
        var ms = values.Order().ToArray();
        Line($"{title}: count {ms.Length} p50 {P(ms, 50):0} p90 {P(ms, 90):0} p99 {P(ms, 99):0} max {ms[^1]:0} min {ms[0]:0} mean {ms.Average():0}");
    }

    private static async Task PublishAsync(HttpClient designer, Options o, int seconds, CancellationToken ct)
    {
        var key = WorkflowKeyPrefix + seconds;
        await Expect(await designer.PutAsJsonAsync($"/api/workflows/{key}", Workflow(o, key, seconds), ct), $"PUT workflow {key}", ct);
        await Expect(await designer.PostAsync($"/api/workflows/{key}/publish", null, ct), $"publish workflow {key}", ct);
    }

    private static JsonObject Workflow(Options o, string key, int seconds)
    {
        var activities = new JsonArray
        {
            new JsonObject { ["id"] = "start", ["type"] = "Start" },
            new JsonObject { ["id"] = "fork", ["type"] = "Fork" },
            new JsonObject { ["id"] = "join", ["type"] = "Join", ["mode"] = "all" },
            new JsonObject { ["id"] = "done", ["type"] = "End", ["outcome"] = "Approved" },
        };
        var connections = new JsonArray { Connection("start", "fork"), Connection("join", "done") };
        for (var n = 1; n <= o.Waits; n++)
        {
            activities.Add(new JsonObject { ["id"] = $"w{n}", ["type"] = "Wait", ["duration"] = $"PT{seconds + (n - 1) * o.StaggerSeconds}S" });
            connections.Add(Connection("fork", $"w{n}"));
            connections.Add(Connection($"w{n}", "join"));
        }
        return new JsonObject
        {
            ["key"] = key,
            ["name"] = "Timer lateness benchmark",
            ["root"] = new JsonObject { ["type"] = "Flowchart", ["activities"] = activities, ["connections"] = connections },
        };

        static JsonObject Connection(string from, string to) => new()
        {
            ["source"] = new JsonObject { ["activity"] = from, ["port"] = "Done" },
            ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
        };
    }

    private static async Task<(DateTimeOffset First, DateTimeOffset Last)> DueWindowAsync(NpgsqlConnection db, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select min(\"DueAt\"), max(\"DueAt\") from \"Timers\"", db);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1));
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static async Task Expect(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double P(double[] sorted, double percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Configuration(string bin) => Path.GetFileName(Path.GetDirectoryName(bin.TrimEnd('/'))) ?? "?";

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void Line(string text) => Console.WriteLine(text);

    private sealed record Options
    {
        public int Timers { get; private init; } = 10_000;
        public int Waits { get; private init; } = 20;
        public int DueAfter { get; private init; } = 60;
        public int DueWindow { get; private init; } = 60;
        public int StaggerSeconds { get; private init; }
        public int Concurrency { get; private init; } = 8;
        public int? Workers { get; private init; }
        public string? ServerBin { get; private init; }
        public bool OwnPostgres { get; private init; }
        public bool CountRaces { get; private init; } = true;
        public string? LogFile { get; private init; }
        public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(600);
        public bool Help { get; private init; }

        public static Options Parse(string[] args) => ArgReader.Parse(args, new Options(), (o, name, r) => name switch
            {
                "--timers" => o with { Timers = r.Number(1) },
                "--waits" => o with { Waits = r.Number(1) },
                "--due-after" => o with { DueAfter = r.Number(1) },
                "--due-window" => o with { DueWindow = r.Number(0) },
                "--stagger-seconds" => o with { StaggerSeconds = r.Number(0) },
                "--concurrency" => o with { Concurrency = r.Number(1) },
                "--workers" => o with { Workers = r.Number(1) },
                "--server-bin" => o with { ServerBin = r.Value() },
                "--own-postgres" => o with { OwnPostgres = true },
                "--no-race-count" => o with { CountRaces = false },
                "--log" => o with { LogFile = r.Value() },
                "--timeout" => o with { Timeout = TimeSpan.FromSeconds(r.Number(10)) },
                "-h" or "--help" => o with { Help = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            });
    }
}
