using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Benchmarks.Support;

namespace Approvals.Benchmarks.Api;

/// <summary>
/// The load phases against a running server: starting cases, reviewers deciding as fast as they can
/// (throughput), and reviewers deciding at a set rate while the next stage's task is watched for (latency).
/// A reviewer's action is "read the first task of my inbox, decide it"; it counts when the decision answered
/// 200, which the server sends after the step's transaction committed.
/// </summary>
public sealed class Load(HttpClient requester, IReadOnlyList<HttpClient> reviewers, int serverPid)
{
    public sealed record Throughput(int Decisions, int Conflicts, int Failures, bool RanOut, TimeSpan Elapsed, double GeneratorCpu, double ServerCpu, List<double> DecisionMs)
    {
        public double PerSecond => Decisions / Elapsed.TotalSeconds;

        /// <summary>PostgreSQL's share of the machine's CPU over the run (every process named <c>postgres</c>).</summary>
        public double DatabaseCpu { get; init; }

        /// <summary>Milliseconds of CPU per decision a share of the machine stands for: comparable across runs of different rates.</summary>
        public double MsPerDecision(double share) => Decisions == 0 ? 0 : share * Environment.ProcessorCount * Elapsed.TotalMilliseconds / Decisions;
    }

    /// <summary>Starts <paramref name="count"/> cases spread over the reviewers' workflows, 16 requests in flight; returns starts per second.</summary>
    public async Task<double> StartCasesAsync(int count, CancellationToken ct)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var response = await requester.PostAsJsonAsync("/api/cases", new { workflow = BenchWorkflow.Key(i % reviewers.Count), title = $"Bench {i}", data = new { } }, ct);
                if (response.StatusCode != HttpStatusCode.Created)
                    throw new InvalidOperationException($"case start answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }));
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Every reviewer decides every task its inbox holds, back to back (set-up between phases).</summary>
    public async Task<int> DecideAllAsync(CancellationToken ct) => (await DecideFlatOutAsync(TimeSpan.MaxValue, ct)).Decisions;

    /// <summary>Every reviewer reads and decides, back to back, for <paramref name="duration"/> or until its inbox is empty.</summary>
    public async Task<Throughput> DecideFlatOutAsync(TimeSpan duration, CancellationToken ct)
    {
        int decisions = 0, conflicts = 0, failures = 0, ranOut = 0;
        var ms = new ConcurrentBag<double>();
        var (ownBefore, serverBefore, databaseBefore) = (Stats.OwnCpu, Stats.CpuTime(serverPid), Stats.CpuTimeOf("postgres"));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(reviewers.Select(async reviewer =>
        {
            while (clock.Elapsed < duration)
            {
                var task = await FirstTaskAsync(reviewer, ct);
                if (task is null)
                {
                    Interlocked.Increment(ref ranOut);
                    return;
                }
                var sent = Stopwatch.GetTimestamp();
                var status = await DecideAsync(reviewer, task.Value.Id, ct);
                if (status == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref decisions);
                    ms.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
                else if (status == HttpStatusCode.Conflict) Interlocked.Increment(ref conflicts);
                else Interlocked.Increment(ref failures);
            }
        }));
        var elapsed = clock.Elapsed;
        return new Throughput(decisions, conflicts, failures, ranOut > 0, elapsed,
            Stats.CpuShare(ownBefore, Stats.OwnCpu, elapsed), Stats.CpuShare(serverBefore, Stats.CpuTime(serverPid), elapsed), [.. ms])
        {
            DatabaseCpu = Stats.CpuShare(databaseBefore, Stats.CpuTimeOf("postgres"), elapsed),
        };
    }

    /// <summary>
    /// Every reviewer sends GET <paramref name="path"/> back to back for <paramref name="duration"/>: what one kind of
    /// request costs alone. The reviewers' inbox read is half of every action; with it alone flat out, the rate it
    /// reaches bounds the actions per second whatever a decision costs.
    /// </summary>
    public Task<(double PerSecond, double ServerCpu)> ReadFlatOutAsync(string path, TimeSpan duration, CancellationToken ct) =>
        RateAsync(duration, (reviewer, going) => ReadWhileAsync(reviewer, path, going, ct));

    /// <summary>
    /// Every reviewer sends GET /api/cases/{id} for the case of its first open task back to back for
    /// <paramref name="duration"/>: the read the latency run watches each decision with, and what a reviewer opens.
    /// </summary>
    public Task<(double PerSecond, double ServerCpu)> ReadCaseFlatOutAsync(TimeSpan duration, CancellationToken ct) =>
        RateAsync(duration, async (reviewer, going) =>
            await FirstTaskAsync(reviewer, ct) is { } task ? await ReadWhileAsync(reviewer, $"/api/cases/{task.CaseId}", going, ct) : 0);

    /// <summary>GET <paramref name="path"/> back to back while <paramref name="going"/>; how many reads were answered.</summary>
    private static async Task<int> ReadWhileAsync(HttpClient reviewer, string path, Func<bool> going, CancellationToken ct)
    {
        var reads = 0;
        while (going())
        {
            using var response = await reviewer.GetAsync(path, ct);
            response.EnsureSuccessStatusCode();
            reads++;
        }
        return reads;
    }

    /// <summary>
    /// Every reviewer reads a page of 50 open tasks and decides them back to back, for <paramref name="duration"/>:
    /// what a decision costs with one inbox read per 50 instead of one each.
    /// </summary>
    public Task<(double PerSecond, double ServerCpu)> DecideListedAsync(TimeSpan duration, CancellationToken ct) =>
        RateAsync(duration, async (reviewer, going) =>
        {
            var decisions = 0;
            while (going())
            {
                var page = await reviewer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=50", ct);
                if (page?["items"] is not JsonArray { Count: > 0 } items) break;
                foreach (var item in items.TakeWhile(_ => going()))
                    if (await DecideAsync(reviewer, Guid.Parse((string)item!["id"]!), ct) == HttpStatusCode.OK) decisions++;
            }
            return decisions;
        });

    /// <summary>Every reviewer runs <paramref name="work"/> while <paramref name="duration"/> lasts; the count it did, per second, and the server's CPU share.</summary>
    private async Task<(double PerSecond, double ServerCpu)> RateAsync(TimeSpan duration, Func<HttpClient, Func<bool>, Task<int>> work)
    {
        var serverBefore = Stats.CpuTime(serverPid);
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(reviewers.Select(reviewer => work(reviewer, () => clock.Elapsed < duration)));
        var elapsed = clock.Elapsed;
        return (counts.Sum() / elapsed.TotalSeconds, Stats.CpuShare(serverBefore, Stats.CpuTime(serverPid), elapsed));
    }

    /// <summary>
    /// Decisions at <paramref name="rate"/> per second in all (each reviewer on its own schedule); for a stage-1
    /// or stage-2 decision, the time from sending it until the case shows the next stage's open task to its reviewer.
    /// </summary>
    /// <returns>Each such decision's latency, with when in the run it was sent (seconds from the start).</returns>
    public async Task<List<(double At, double Ms)>> DecideAtRateAsync(double rate, TimeSpan duration, CancellationToken ct)
    {
        var ms = new ConcurrentBag<(double At, double Ms)>();
        int sentCount = 0, lastStage = 0, refused = 0, ranOut = 0, unseen = 0;
        var interval = TimeSpan.FromSeconds(reviewers.Count / rate);
        var began = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(reviewers.Select(async (reviewer, i) =>
        {
            var due = interval * i / reviewers.Count;
            while (due < duration)
            {
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
                due += interval;
                var task = await FirstTaskAsync(reviewer, ct);
                if (task is null)
                {
                    Interlocked.Increment(ref ranOut);
                    return;
                }
                var stage = Array.IndexOf(BenchWorkflow.Stages, task.Value.ActivityId);
                var sent = clock.Elapsed;
                Interlocked.Increment(ref sentCount);
                if (await DecideAsync(reviewer, task.Value.Id, ct) != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }
                if (stage is < 0 or >= 2)
                {
                    Interlocked.Increment(ref lastStage);
                    continue;
                }
                var next = BenchWorkflow.Stages[stage + 1];
                var seen = false;
                for (var poll = 0; poll < 200 && !seen; poll++)
                {
                    var view = await reviewer.GetFromJsonAsync<JsonObject>($"/api/cases/{task.Value.CaseId}", ct);
                    seen = view?["openTasks"] is JsonArray open && open.Any(t => (string?)t?["activityId"] == next);
                    if (seen) ms.Add((sent.TotalSeconds, (clock.Elapsed - sent).TotalMilliseconds));
                    else await Task.Delay(2, ct);
                }
                if (!seen) Interlocked.Increment(ref unseen);
            }
        }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency run: from {began:HH:mm:ss.f} UTC, {sentCount} decisions sent in {clock.Elapsed.TotalSeconds:0.0} s, {lastStage} of them of a last stage (nothing to watch for), {refused} refused, {unseen} whose next stage never showed, {ranOut} reviewers ran out of tasks"));
        return [.. ms];
    }

    private static async Task<(Guid Id, Guid CaseId, string ActivityId)?> FirstTaskAsync(HttpClient reviewer, CancellationToken ct)
    {
        var page = await reviewer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open&limit=1", ct);
        return page?["items"] is JsonArray { Count: > 0 } items && items[0] is JsonObject t
            ? (Guid.Parse((string)t["id"]!), Guid.Parse((string)t["caseId"]!), (string)t["activityId"]!)
            : null;
    }

    private static async Task<HttpStatusCode> DecideAsync(HttpClient reviewer, Guid task, CancellationToken ct)
    {
        using var response = await reviewer.PostAsJsonAsync($"/api/tasks/{task}/decision", new { decision = "approve" }, ct);
        return response.StatusCode;
    }
}
