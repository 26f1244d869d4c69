using System.Net;
using System.Net.Http.Json;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Persistence;

/// <summary>
/// On PostgreSQL every decision and timer reads its case with a hand-written statement (<see cref="PostgresCaseRead"/>)
/// instead of EF Core's query: it must read the same row, column for column, and the same seal of the last history line.
/// </summary>
public sealed class PostgresCaseReadTests : IAsyncLifetime
{
    private readonly ApprovalsAppFactory _app = new(StorageProvider.PostgreSql);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Read_ByCaseAndByTask_SameRowAndHistorySealAsEfCore_OpenAndWithdrawn()
    {
        var id = await _app.StartVettingCaseAsync("Read back");
        var hr = await _app.ClientAsync("hr.officer@example.org");

        await AssertSameAsEfCoreAsync(id); // open: no outcome, no completion time
        Assert.Equal(HttpStatusCode.OK, (await hr.PostAsJsonAsync($"/api/cases/{id}/withdraw", new { comment = "Candidate withdrew" })).StatusCode);
        await AssertSameAsEfCoreAsync(id); // withdrawn: completed, with an outcome

        await using var scope = _app.Services.CreateAsyncScope();
        var db = (PostgresApprovalsDb)scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        Assert.Null(await PostgresCaseRead.LoadAsync(db, Guid.NewGuid(), byTask: false, CancellationToken.None));
        Assert.Null(await PostgresCaseRead.LoadAsync(db, Guid.NewGuid(), byTask: true, CancellationToken.None));
    }

    private async Task AssertSameAsEfCoreAsync(Guid caseId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = (PostgresApprovalsDb)scope.ServiceProvider.GetRequiredService<ApprovalsDb>();
        var expected = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId);
        var tail = await db.Audit.Where(a => a.CaseId == caseId && a.Seq == expected.AuditCount).Select(a => a.Hash).SingleAsync();
        var taskId = await db.Tasks.Where(t => t.CaseId == caseId).Select(t => t.Id).FirstAsync();

        foreach (var read in new[]
                 {
                     await PostgresCaseRead.LoadAsync(db, caseId, byTask: false, CancellationToken.None),
                     await PostgresCaseRead.LoadAsync(db, taskId, byTask: true, CancellationToken.None),
                 })
        {
            Assert.NotNull(read);
            foreach (var property in typeof(CaseRow).GetProperties())
                Assert.True(Equals(property.GetValue(expected), property.GetValue(read.Case)),
                    $"{property.Name}: EF Core read {property.GetValue(expected)}, the statement {property.GetValue(read.Case)}");
            Assert.Equal(tail, read.Tail);
        }
    }
}
