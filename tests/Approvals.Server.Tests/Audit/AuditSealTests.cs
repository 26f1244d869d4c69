using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Audit;

/// <summary>
/// Someone who can write the database tampers with a case's audit directly (SQL through EF Core, no API);
/// <c>GET /api/cases/{id}/audit/verify</c> must say where and how.
/// </summary>
public abstract class AuditSealTests(StorageProvider provider) : IAsyncLifetime
{
    private ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A vetting case with the identity check approved: CaseStarted ... TaskDecided ... rows.</summary>
    private async Task<Guid> CaseWithHistoryAsync()
    {
        var hr = await _app.ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title = "Sealed", data = new { candidateName = "C", nationalId = "900000010", position = "Guard", riskScore = 10 },
        });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var id = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var intake = await _app.ClientAsync("intake.officer1@example.org");
        var task = (await intake.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!["items"]!.AsArray()
            .Single(t => (string?)t!["caseId"] == id && (string?)t!["activityId"] == "identity")!["id"]!.GetValue<string>();
        var decided = await intake.PostAsJsonAsync($"/api/tasks/{task}/decision", new { decision = "approve", comment = "Documents verified." });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        return Guid.Parse(id);
    }

    private async Task<JsonObject> VerifyAsync(Guid id) =>
        (await (await _app.ClientAsync("hr.officer@example.org")).GetFromJsonAsync<JsonObject>($"/api/cases/{id}/audit/verify"))!;

    private async Task TamperAsync(Func<ApprovalsDb, Task> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<ApprovalsDb>());
    }

    private static Task<List<AuditRow>> RowsAsync(ApprovalsDb db, Guid id) =>
        db.Audit.AsNoTracking().Where(a => a.CaseId == id).OrderBy(a => a.Seq).ToListAsync();

    /// <summary>Rewrites the chain of rows from <paramref name="from"/> on with plain SHA-256, as anyone without the key can.</summary>
    private static async Task RechainWithPlainHashAsync(ApprovalsDb db, List<AuditRow> rows, int from)
    {
        var prev = from == 1 ? "" : rows[from - 2].Hash;
        foreach (var r in rows.Where(r => r.Seq >= from))
        {
            r.PrevHash = prev;
            r.Hash = AuditChain.LegacyHashOf(r);
            prev = r.Hash;
            await db.Audit.Where(a => a.Id == r.Id).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.Comment, r.Comment).SetProperty(a => a.PrevHash, r.PrevHash).SetProperty(a => a.Hash, r.Hash));
        }
    }

    [Fact]
    public async Task Verify_UntouchedCase_Valid()
    {
        var id = await CaseWithHistoryAsync();

        var verdict = await VerifyAsync(id);

        Assert.True((bool)verdict["valid"]!);
        Assert.True((int)verdict["entries"]! >= 3);
        Assert.Null(verdict["firstBrokenSeq"]);
        Assert.Null(verdict["reason"]);
    }

    [Fact]
    public async Task Verify_CommentChangedAndEveryHashRecomputed_ReportsThatRowRewritten()
    {
        var id = await CaseWithHistoryAsync();
        var seq = 0;
        await TamperAsync(async db =>
        {
            var rows = await RowsAsync(db, id);
            var decided = rows.Single(r => r.Action == "TaskDecided");
            seq = decided.Seq;
            decided.Comment = "Documents were forged.";
            await RechainWithPlainHashAsync(db, rows, seq);
        });

        var verdict = await VerifyAsync(id);

        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(seq, (int)verdict["firstBrokenSeq"]!);
        Assert.Contains("rewritten", (string)verdict["reason"]!);
    }

    [Fact]
    public async Task Verify_LastRowDeleted_ReportsDeletedTail()
    {
        var id = await CaseWithHistoryAsync();
        var last = 0;
        await TamperAsync(async db =>
        {
            last = await db.Audit.Where(a => a.CaseId == id).MaxAsync(a => a.Seq);
            await db.Audit.Where(a => a.CaseId == id && a.Seq == last).ExecuteDeleteAsync();
        });

        var verdict = await VerifyAsync(id);

        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(last - 1, (int)verdict["entries"]!);
        Assert.Equal(last, (int)verdict["firstBrokenSeq"]!);
        Assert.Contains("last 1 entries were deleted", (string)verdict["reason"]!);
    }

    [Fact]
    public async Task Verify_TailDeletedAndCaseCountRewound_StillReported()
    {
        var id = await CaseWithHistoryAsync();
        var last = 0;
        await TamperAsync(async db =>
        {
            var rows = await RowsAsync(db, id);
            last = rows[^1].Seq;
            await db.Audit.Where(a => a.CaseId == id && a.Seq == last).ExecuteDeleteAsync();
            // The best the intruder can do without the key: make the case row agree with the shortened chain.
            await db.Cases.Where(c => c.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.AuditCount, last - 1).SetProperty(c => c.AuditSeal, rows[^2].Hash));
        });

        var verdict = await VerifyAsync(id);

        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(last, (int)verdict["firstBrokenSeq"]!);
    }

    [Fact]
    public async Task Verify_RowInTheMiddleDeleted_ReportsTheGap()
    {
        var id = await CaseWithHistoryAsync();
        await TamperAsync(db => db.Audit.Where(a => a.CaseId == id && a.Seq == 2).ExecuteDeleteAsync());

        var verdict = await VerifyAsync(id);

        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(2, (int)verdict["firstBrokenSeq"]!);
        Assert.Contains("deleted", (string)verdict["reason"]!);
    }

    [Fact]
    public async Task Verify_WholeHistoryDeleted_ReportsDeletedHistory()
    {
        var id = await CaseWithHistoryAsync();
        await TamperAsync(db => db.Audit.Where(a => a.CaseId == id).ExecuteDeleteAsync());

        var verdict = await VerifyAsync(id);

        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(0, (int)verdict["entries"]!);
        Assert.Equal(1, (int)verdict["firstBrokenSeq"]!);
        Assert.Contains("history was deleted", (string)verdict["reason"]!);
    }

    [Fact]
    public async Task Upgrade_PlainChainsFromBeforeKeyedSeals_ResealedOnceAtStart()
    {
        var intact = await CaseWithHistoryAsync();
        var broken = await CaseWithHistoryAsync();
        // Put both cases back in the shape the previous version wrote: a plain SHA-256 chain and no count on the
        // case. The second was already altered then (row 2 changed after its hash was taken).
        await TamperAsync(async db =>
        {
            foreach (var id in new[] { intact, broken })
            {
                await RechainWithPlainHashAsync(db, await RowsAsync(db, id), 1);
                await db.Cases.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.AuditCount, 0).SetProperty(c => c.AuditSeal, ""));
            }
            await db.Audit.Where(a => a.CaseId == broken && a.Seq == 2).ExecuteUpdateAsync(s => s.SetProperty(a => a.Actor, "someone.else@example.org"));
            await db.Settings.Where(s => s.Name == AuditSealUpgrade.DoneSetting).ExecuteDeleteAsync();
        });

        _app = await _app.RestartAsync();

        Assert.True((bool)(await VerifyAsync(intact))["valid"]!);
        var verdict = await VerifyAsync(broken);
        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(2, (int)verdict["firstBrokenSeq"]!);
    }

    [Fact]
    public async Task Upgrade_AfterItRan_ForgedPlainChainIsNotBlessedAtRestart()
    {
        var id = await CaseWithHistoryAsync();
        // An intruder rewrites a case into the old shape, hoping the next start reseals it as genuine.
        await TamperAsync(async db =>
        {
            await RechainWithPlainHashAsync(db, await RowsAsync(db, id), 1);
            await db.Cases.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.AuditCount, 0).SetProperty(c => c.AuditSeal, ""));
        });

        _app = await _app.RestartAsync();

        var verdict = await VerifyAsync(id);
        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(1, (int)verdict["firstBrokenSeq"]!);
    }

    [Fact]
    public async Task Verify_UnderAnotherKey_FirstRowReportedRewritten()
    {
        // The seal is keyed: the same untouched rows do not verify under a key other than the one that sealed them.
        var id = await CaseWithHistoryAsync();

        _app = await _app.RestartAsync(new Dictionary<string, string?> { ["Audit:Key"] = "another-audit-key-from-the-secret-store-0123456789" });

        var verdict = await VerifyAsync(id);
        Assert.False((bool)verdict["valid"]!);
        Assert.Equal(1, (int)verdict["firstBrokenSeq"]!);
    }
}

public sealed class AuditSealTestsSqlite() : AuditSealTests(StorageProvider.Sqlite);

public sealed class AuditSealTestsPostgreSql() : AuditSealTests(StorageProvider.PostgreSql);
