using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Approvals.Benchmarks.Support;
using Approvals.Testing;

namespace Approvals.Benchmarks.Api;

/// <summary>
/// Issue 9, parts 1, 3, 5, 7 and 8 against one server process on PostgreSQL (the cluster in
/// <c>APPROVALS_TEST_POSTGRES</c>, a database of its own): throughput of reviewers deciding a three-stage
/// workflow through the REST API, latency at half that rate, inbox and case-list pages over a bulk-loaded
/// database, server RSS along the way, and throughput again over the bulk-loaded database (growth).
/// Prints a report and <c>result key=value</c> lines for tests/bench/run.
/// </summary>
public static class ApiBenchmark
{
    public const string Usage = """
        api [options]
          --reviewers N          concurrent reviewers = HTTP clients (default 16)
          --cases N              cases started before each throughput run (default 1600)
          --seconds S            length of each throughput run (default 15)
          --latency-seconds S    length of the half-rate latency run (default 10)
          --latency-rate N       decisions/s of the latency run instead of half the measured rate (to compare servers)
          --warmup-seconds S     reviewers deciding before anything is measured: JIT tiers, pools, prepared plans (default 30)
          --open-tasks N         bulk-loaded open tasks (default 1000000; 0 skips parts 5 and 8)
          --closed-tasks N       bulk-loaded closed tasks (default 10000000)
          --inbox-requests N     timed first-page reads per inbox (default 200)
          --server-bin DIR       folder with Approvals.Server.dll
          --log FILE             keep the server's output in FILE
          --server-env NAME=VALUE  an environment variable (or setting, e.g. Email__Smtp__KeepIdle=0) for the server; repeatable, the last of a name wins
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"api: {e.Message}\n{Usage}");
            return 2;
        }
        if (o.Help)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {Stats.LoadAverage()}");
        await using var pg = await ThrowawayPostgres.StartAsync(reuseEnvironment: true, ct);
        await pg.CreateDatabaseAsync(ct);
        await using var relay = new SmtpSink();
        var settings = new Dictionary<string, string>(relay.Settings);
        foreach (var (key, value) in o.ServerEnv) settings[key] = value; // a later one wins, the relay's included
        using var server = new ServerProcess(Repository.ServerBin(o.ServerBin), pg.ConnectionString, settings, o.LogFile);
        try
        {
            await server.WaitHealthyAsync(TimeSpan.FromSeconds(300), ct); // a loaded machine needs minutes for migrations and the demo directory
            var pid = server.ProcessId;
            using var admin = await server.SignInAsync("admin@example.org", "admin1234", ct);
            using var designer = await server.SignInAsync("designer@example.org", "demo1234", ct);
            for (var i = 0; i < o.Reviewers; i++)
            {
                await BenchWorkflow.PutUserAsync(admin, BenchWorkflow.Reviewer(i), "reviewer", ct);
                await BenchWorkflow.PublishAsync(designer, i, ct);
            }
            await BenchWorkflow.PutUserAsync(admin, BenchWorkflow.Requester, "requester", ct);
            await BenchWorkflow.PutUserAsync(admin, Inbox.User, "reviewer", ct);
            await BenchWorkflow.PutUserAsync(admin, Inbox.GroupMember, "reviewer", ct);
            await BenchWorkflow.ExpectAsync(await admin.PutAsJsonAsync($"/api/directory/groups/{Inbox.Group}", new { members = new[] { Inbox.GroupMember } }, ct), "PUT group", ct);

            using var requester = await server.SignInAsync(BenchWorkflow.Requester, BenchWorkflow.Password, ct);
            var reviewers = new List<HttpClient>();
            for (var i = 0; i < o.Reviewers; i++) reviewers.Add(await server.SignInAsync(BenchWorkflow.Reviewer(i), BenchWorkflow.Password, ct));
            var load = new Load(requester, reviewers, pid);

            // Warm-up, not measured: a server runs for days, so what counts is its steady state once the JIT has
            // compiled the hot paths at its top tier, pools are filled and statements prepared. More cases are
            // started whenever the reviewers run out, so the warm-up decides for its whole length (on 2 busy cores
            // the JIT's background tiering takes about a minute to settle: docs/performance.md).
            var warm = System.Diagnostics.Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(o.WarmupSeconds))
            {
                await load.StartCasesAsync(o.Reviewers * 40, ct);
                await load.DecideFlatOutAsync(TimeSpan.FromSeconds(o.WarmupSeconds) - warm.Elapsed, ct);
            }
            // Both throughput runs (this one and the one on the grown database) start from the same place: no task
            // left open, then the same number of fresh cases.
            await load.DecideAllAsync(ct);
            var rss0 = Stats.RssMb(pid);
            Console.WriteLine($"memory: RSS {rss0:0} MB after the warm-up (before the measured cases are started)");

            var starts = await load.StartCasesAsync(o.Cases, ct);
            Console.WriteLine($"case starts: {o.Cases} in flight, {starts:0.0} starts/s (16 requests in flight)");
            await Inbox.WaitForOutboxAsync(pg.ConnectionString, ct);
            var rss1 = Stats.RssMb(pid);
            Console.WriteLine($"memory: RSS {rss1:0} MB with {o.Cases} cases in flight");
            await using var mailWatch = OutboxWatch.Start(pg.ConnectionString);
            var flat = await load.DecideFlatOutAsync(TimeSpan.FromSeconds(o.Seconds), ct);
            var unsent = await mailWatch.StopAsync(pg.ConnectionString, ct);
            Report("throughput (empty database)", flat, o.Reviewers);
            Stats.Result("actions_per_s", flat.PerSecond);
            Stats.Result("starts_per_s", starts);
            Stats.Result("generator_cpu", flat.GeneratorCpu);
            Stats.Result("server_cpu", flat.ServerCpu);
            Stats.Result("database_cpu", flat.DatabaseCpu);
            Stats.Result("server_cpu_ms_per_decision", flat.MsPerDecision(flat.ServerCpu));
            Stats.Result("database_cpu_ms_per_decision", flat.MsPerDecision(flat.DatabaseCpu));

            // The decisions' mail: queued in each decision's transaction and sent after it. Flat out, the sending falls
            // behind; what it still needs once the reviewers stop is counted against the decisions here, not in the
            // phases that follow (which it would otherwise slow).
            var drain = await Inbox.WaitForOutboxAsync(pg.ConnectionString, ct, "the throughput run's notifications");
            var withMail = flat.Decisions / (flat.Elapsed + drain).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mail behind the throughput run: {unsent} messages unsent when it ended (at most {mailWatch.Max}), sent {drain.TotalSeconds:0.0} s later;"
                + $" counting that time, {withMail:0}/s decisions with their mail sent"));
            Stats.Result("mail_unsent_after_run", unsent);
            Stats.Result("mail_drain_s", drain.TotalSeconds);
            Stats.Result("actions_with_mail_per_s", withMail);

            // What the requests of an action cost without the decision: the inbox read each action begins with, and
            // the cheapest request there is (one trivial statement). Actions per second cannot pass the first.
            var inboxReads = await load.ReadFlatOutAsync("/api/tasks?status=Open&limit=1", TimeSpan.FromSeconds(3), ct);
            var healthReads = await load.ReadFlatOutAsync("/healthz", TimeSpan.FromSeconds(3), ct);
            await load.StartCasesAsync(o.Reviewers * 100, ct);
            await Inbox.WaitForOutboxAsync(pg.ConnectionString, ct);
            var caseReads = await load.ReadCaseFlatOutAsync(TimeSpan.FromSeconds(3), ct);
            var listed = await load.DecideListedAsync(TimeSpan.FromSeconds(4), ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"requests alone, flat out by {o.Reviewers} clients: inbox first page {inboxReads.PerSecond:0}/s (server CPU {inboxReads.ServerCpu:P0}),"
                + $" GET /healthz {healthReads.PerSecond:0}/s (server CPU {healthReads.ServerCpu:P0}),"
                + $" a case view {caseReads.PerSecond:0}/s (server CPU {caseReads.ServerCpu:P0}),"
                + $" decisions with one inbox read per 50 {listed.PerSecond:0}/s (server CPU {listed.ServerCpu:P0}); an action is an inbox read and a decision"));
            Stats.Result("inbox_reads_per_s", inboxReads.PerSecond);
            Stats.Result("health_reads_per_s", healthReads.PerSecond);
            Stats.Result("case_reads_per_s", caseReads.PerSecond);
            Stats.Result("listed_decisions_per_s", listed.PerSecond);

            // The tasks the phases before left open are decided first, not measured: a reviewer reads the oldest task
            // first, so the latency run would otherwise spend most of its decisions on them (mostly last stages, with no
            // next stage to watch for: 7,832 of 9,584 in one full run) and take its samples from a few seconds of it.
            var leftOver = await load.DecideAllAsync(ct);
            Console.WriteLine($"latency set-up: {leftOver} tasks left open by the phases before decided first (not measured)");
            // Fresh cases for the latency run, so its reviewers never run out (a case gives three decisions), their mail sent first.
            var latencyRate = o.LatencyRate > 0 ? o.LatencyRate : flat.PerSecond / 2;
            await load.StartCasesAsync((int)Math.Ceiling(latencyRate * o.LatencySeconds / 3 * 1.5) + o.Reviewers * 4, ct);
            await Inbox.WaitForOutboxAsync(pg.ConnectionString, ct);
            await using var halfWatch = OutboxWatch.Start(pg.ConnectionString);
            var timed = await load.DecideAtRateAsync(latencyRate, TimeSpan.FromSeconds(o.LatencySeconds), ct);
            var latency = timed.Select(s => s.Ms).ToList();
            var halfUnsent = await halfWatch.StopAsync(pg.ConnectionString, ct);
            Console.WriteLine($"latency at {latencyRate:0} decisions/s ({(o.LatencyRate > 0 ? "as given" : "half")}), decision sent -> next stage's task visible on the case to its reviewer: {Stats.Summary(latency)}");
            Console.WriteLine($"latency's tail: {Stats.Tail(timed, 50)}");
            Console.WriteLine($"mail at half the rate: at most {halfWatch.Max} messages unsent during the run, {halfUnsent} when it ended");
            Stats.Result("mail_unsent_half_max", halfWatch.Max);
            Stats.Result("p50_ms", Stats.P(latency, 50));
            Stats.Result("p95_ms", Stats.P(latency, 95));
            Stats.Result("p99_ms", Stats.P(latency, 99));

            var rssMax = Math.Max(rss0, rss1);
            if (o.OpenTasks > 0)
            {
                var fill = System.Diagnostics.Stopwatch.StartNew();
                await Inbox.FillAsync(pg.ConnectionString, o.OpenTasks, o.ClosedTasks, ct);
                Console.WriteLine($"bulk load: {o.OpenTasks} open + {o.ClosedTasks} closed tasks ({o.OpenTasks} open + {o.ClosedTasks / 3} closed cases) in {fill.Elapsed.TotalSeconds:0} s");
                using var user = await server.SignInAsync(Inbox.User, BenchWorkflow.Password, ct);
                using var member = await server.SignInAsync(Inbox.GroupMember, BenchWorkflow.Password, ct);
                var mine = await Inbox.TimeFirstPagesAsync(user, "/api/tasks?status=Open", o.InboxRequests, ct);
                var group = await Inbox.TimeFirstPagesAsync(member, "/api/tasks?status=Open", o.InboxRequests, ct);
                var cases = await Inbox.TimeFirstPagesAsync(requester, "/api/cases", o.InboxRequests, ct);
                Console.WriteLine($"inbox, a user's first page:         {Stats.Summary(mine.Steady)}; the {Inbox.WarmupReads} reads before: {Stats.Summary(mine.Warmup)}");
                Console.WriteLine($"inbox, a group member's first page: {Stats.Summary(group.Steady)}; the {Inbox.WarmupReads} reads before: {Stats.Summary(group.Warmup)}");
                Console.WriteLine($"cases, a requester's first page:    {Stats.Summary(cases.Steady)}; the {Inbox.WarmupReads} reads before: {Stats.Summary(cases.Warmup)}");
                Stats.Result("inbox_p95_ms", new[] { Stats.P(mine.Steady, 95), Stats.P(group.Steady, 95), Stats.P(cases.Steady, 95) }.Max());
                Stats.Result("inbox_warmup_p95_ms", new[] { Stats.P(mine.Warmup, 95), Stats.P(group.Warmup, 95), Stats.P(cases.Warmup, 95) }.Max());
                var rss2 = Stats.RssMb(pid);
                Console.WriteLine($"memory: RSS {rss2:0} MB with {o.OpenTasks} bulk cases in flight (served through the inbox reads above)");
                rssMax = Math.Max(rssMax, rss2);

                var grownLeftOver = await load.DecideAllAsync(ct);
                Console.WriteLine($"growth set-up: {grownLeftOver} tasks left open by the latency run decided first (not measured), as before the first run");
                await load.StartCasesAsync(o.Cases, ct);
                await Inbox.WaitForOutboxAsync(pg.ConnectionString, ct);
                var grown = await load.DecideFlatOutAsync(TimeSpan.FromSeconds(o.Seconds), ct);
                Report($"throughput ({o.ClosedTasks / 3} closed cases in the database)", grown, o.Reviewers);
                Stats.Result("growth", grown.PerSecond / flat.PerSecond);
                rssMax = Math.Max(rssMax, Stats.RssMb(pid));
            }
            Stats.Result("rss_mb", rssMax);
            Console.WriteLine($"mail: {relay.Received} messages delivered to the benchmark's SMTP relay over the whole run");
            Console.WriteLine($"server log: {server.Warnings} warnings, {server.Errors} errors, {server.LostRaces} lost write races (counted when Debug is on for the case store); load average at the end {Stats.LoadAverage()}");
            foreach (var line in server.FirstWarningsAndErrors) Console.WriteLine($"  {line}");
            foreach (var r in reviewers) r.Dispose();
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"api: {e}\n--- server output (last lines) ---\n{server.Tail()}");
            return 1;
        }
    }

    private static void Report(string title, Load.Throughput t, int reviewers) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{title}: {t.Decisions} decisions in {t.Elapsed.TotalSeconds:0.0} s = {t.PerSecond:0.0}/s by {reviewers} reviewers"
            + $" ({t.Conflicts} conflicts, {t.Failures} failures{(t.RanOut ? ", a reviewer ran out of tasks" : "")});"
            + $" decision request {Stats.Summary(t.DecisionMs)}; CPU share: generator {t.GeneratorCpu:P0}, server {t.ServerCpu:P0},"
            + $" PostgreSQL {t.DatabaseCpu:P0}; CPU per decision: server {t.MsPerDecision(t.ServerCpu):0.00} ms, PostgreSQL {t.MsPerDecision(t.DatabaseCpu):0.00} ms"));

    private static KeyValuePair<string, string> EnvPair(string name, string text) =>
        text.Split('=', 2) is [{ Length: > 0 } key, var value] ? new(key, value) : throw new ArgumentException($"{name} needs NAME=VALUE");

    private sealed record Options
    {
        public int Reviewers { get; private init; } = 16;
        public int Cases { get; private init; } = 1600;
        public int Seconds { get; private init; } = 15;
        public int LatencySeconds { get; private init; } = 10;
        public int WarmupSeconds { get; private init; } = 30;
        public int LatencyRate { get; private init; }
        public int OpenTasks { get; private init; } = 1_000_000;
        public int ClosedTasks { get; private init; } = 10_000_000;
        public int InboxRequests { get; private init; } = 200;
        public string? ServerBin { get; private init; }
        public string? LogFile { get; private init; }
        public IReadOnlyList<KeyValuePair<string, string>> ServerEnv { get; private init; } = [];
        public bool Help { get; private init; }

        public static Options Parse(string[] args) => ArgReader.Parse(args, new Options(), (o, name, r) => name switch
            {
                "--reviewers" => o with { Reviewers = r.Number(1) },
                "--cases" => o with { Cases = r.Number(1) },
                "--seconds" => o with { Seconds = r.Number(1) },
                "--latency-seconds" => o with { LatencySeconds = r.Number(1) },
                "--warmup-seconds" => o with { WarmupSeconds = r.Number(1) },
                "--latency-rate" => o with { LatencyRate = r.Number(1) },
                "--open-tasks" => o with { OpenTasks = r.Number(0) },
                "--closed-tasks" => o with { ClosedTasks = r.Number(0) },
                "--inbox-requests" => o with { InboxRequests = r.Number(1) },
                "--server-bin" => o with { ServerBin = r.Value() },
                "--log" => o with { LogFile = r.Value() },
                "--server-env" => o with { ServerEnv = [.. o.ServerEnv, EnvPair(name, r.Value())] },
                "-h" or "--help" => o with { Help = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            });
    }
}
