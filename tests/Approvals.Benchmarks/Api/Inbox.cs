using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Approvals.Benchmarks.Api;

/// <summary>
/// Inbox at scale: open and closed cases and tasks generated inside PostgreSQL (one INSERT … SELECT from
/// generate_series per table: no round trip per row, as fast as COPY here), then the first pages of a user's
/// inbox, of a group member's inbox and of a requester's case list, timed from outside.
/// </summary>
public static class Inbox
{
    /// <summary>Bulk tasks are assigned to bulk.u0 … bulk.u1999 (70 %) or offered to groups bulk-g0 … bulk-g49 (30 %).</summary>
    public const string User = "bulk.u3@example.org"; // assigned the open tasks g with g % 2000 == 3 (50 per 100,000)
    public const string GroupMember = "bench.g@example.org";
    public const string Group = "bulk-g7"; // holds the open tasks g with g % 50 == 7 (2 % of them)

    /// <summary>
    /// Waits (at most a minute) until the outbox holds no unsent mail, and says how long that took: before a phase, the
    /// task notifications of the cases just started are set-up work, not part of the decisions measured next; after a
    /// phase, the time is what its decisions' mail still needed.
    /// </summary>
    public static async Task<TimeSpan> WaitForOutboxAsync(string connectionString, CancellationToken ct, string what = "the started cases' notifications")
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(ct);
        var clock = Stopwatch.StartNew();
        long left;
        while ((left = await UnsentAsync(db, ct)) > 0 && clock.Elapsed < TimeSpan.FromMinutes(1)) await Task.Delay(250, ct);
        Console.WriteLine($"outbox: {(left == 0 ? "drained" : $"{left} messages still unsent")} after {clock.Elapsed.TotalSeconds:0.0} s ({what})");
        return clock.Elapsed;
    }

    /// <summary>
    /// The mail the outbox holds and has not sent (nor given up), read through the server's index of waiting rows. The
    /// benchmark asks every 250 ms while it measures: left to itself, PostgreSQL read the whole table each time (its
    /// statistics, taken when every row was waiting, said most rows are), 10–15 ms of the cores being measured per read.
    /// The setting is this connection's own; the server's connections are not touched.
    /// </summary>
    public static async Task<long> UnsentAsync(NpgsqlConnection db, CancellationToken ct)
    {
        await using var count = new NpgsqlCommand("""
            set enable_seqscan = off;
            select count(*) from "Outbox" where "DispatchedAt" is null and "FailedAt" is null
            """, db);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    public static async Task FillAsync(string connectionString, int openTasks, int closedTasks, CancellationToken ct)
    {
        var closedCases = Math.Max(1, closedTasks / 3);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(ct);
        // Open cases 1..openTasks, one open task each; closed cases after them, three completed tasks each.
        // Every tenth case belongs to the benchmark's requester, the rest to 1,000 other requesters.
        await ExecAsync(db, $$"""
            insert into "Cases" ("Id","WorkflowKey","WorkflowVersion","Title","Requester","Status","Outcome","DataJson","StateJson",
                                 "CreatedAt","UpdatedAt","CompletedAt","Version","AuditCount","AuditSeal")
            select md5('case' || g)::uuid, 'bench-3s-0', 1, 'Bulk ' || g,
                   case when g % 10 = 0 then '{{BenchWorkflow.Requester}}' else 'bulk.req' || (g % 1000) || '@example.org' end,
                   case when g <= {{openTasks}} then 'InProgress' else 'Approved' end,
                   case when g <= {{openTasks}} then null else 'Approved' end, '{}', '{}',
                   now() - make_interval(secs => g), now(), case when g <= {{openTasks}} then null else now() end, 1, 0, ''
            from generate_series(1, {{openTasks + closedCases}}) g
            """, ct);
        await ExecAsync(db, $"""
            insert into "Tasks" ("Id","CaseId","ActivityId","ActivityName","Assignee","Status","CreatedAt","DueAt","Decision","DecidedBy","DecidedAt","Comment")
            select md5('task' || g)::uuid, md5('case' || g)::uuid, 's1', 'Stage 1',
                   case when g % 10 < 7 then 'bulk.u' || (g % 2000) || '@example.org' end, 'Open',
                   now() - make_interval(secs => g), case when g % 3 = 0 then now() + make_interval(hours => g % 500) end, null, null, null, null
            from generate_series(1, {openTasks}) g
            """, ct);
        await ExecAsync(db, $"""
            insert into "TaskCandidates" ("TaskId","Kind","Name")
            select md5('task' || g)::uuid, 'group', 'bulk-g' || (g % 50) from generate_series(1, {openTasks}) g where g % 10 >= 7
            """, ct);
        await ExecAsync(db, $"""
            insert into "Tasks" ("Id","CaseId","ActivityId","ActivityName","Assignee","Status","CreatedAt","DueAt","Decision","DecidedBy","DecidedAt","Comment")
            select md5('done' || g || '/' || s)::uuid, md5('case' || ({openTasks} + g))::uuid, 's' || s, 'Stage ' || s,
                   'bulk.u' || ((g * 3 + s) % 2000) || '@example.org', 'Completed', now() - make_interval(secs => g * 3 + s), null,
                   'Approve', 'bulk.u' || ((g * 3 + s) % 2000) || '@example.org', now() - make_interval(secs => g), null
            from generate_series(1, {closedCases}) g, generate_series(1, 3) s
            """, ct);
        await ExecAsync(db, "analyze", ct);
    }

    /// <summary>
    /// Reads each pooled connection's first plans take: after the bulk load's ANALYZE every connection the server holds
    /// plans each read statement again on its next run (and Npgsql sends a statement unprepared for its first few runs on
    /// a connection), and Npgsql hands its idle connections out in turn, so the first reads after the load pay for
    /// every connection's planning: about a fifth of 300 reads with the ~20 connections the phases before opened.
    /// </summary>
    public const int WarmupReads = 64;

    /// <summary>
    /// Times of <paramref name="requests"/> first-page reads of <paramref name="path"/> (ms), after
    /// <see cref="WarmupReads"/> timed apart (returned too), stopping early after 30 s of reading (a slow query must not
    /// eat the whole run); also walks 5 cursor pages once.
    /// </summary>
    public static async Task<(List<double> Warmup, List<double> Steady)> TimeFirstPagesAsync(HttpClient client, string path, int requests, CancellationToken ct)
    {
        var warmup = new List<double>();
        var ms = new List<double>();
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < WarmupReads + requests && (i < WarmupReads + 5 || budget.Elapsed < TimeSpan.FromSeconds(30)); i++)
        {
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path, ct);
            await BenchWorkflow.ExpectAsync(response, "GET " + path, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            (i < WarmupReads ? warmup : ms).Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }
        var next = (string?)(await client.GetFromJsonAsync<JsonObject>(path, ct))?["next"];
        for (var page = 0; page < 5 && next is not null; page++)
        {
            var sep = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            next = (string?)(await client.GetFromJsonAsync<JsonObject>($"{path}{sep}cursor={Uri.EscapeDataString(next)}", ct))?["next"];
        }
        return (warmup, ms);
    }

    private static async Task ExecAsync(NpgsqlConnection db, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, db) { CommandTimeout = 900 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
