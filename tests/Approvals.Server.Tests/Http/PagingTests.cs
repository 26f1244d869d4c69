using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Http;

/// <summary>Cursor pages of tasks and cases: every item once, in order, with nothing cut off.</summary>
public abstract class PagingTests(StorageProvider provider) : IAsyncLifetime
{
    private const int Cases = 230;
    private readonly ApprovalsAppFactory _app = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<List<string>> StartMany()
    {
        var requester = await _app.ClientAsync("hr.officer@example.org");
        var ids = new List<string>();
        for (var i = 0; i < Cases; i++)
        {
            // Many cases share one instant (the test clock stands still), so ties are broken by id; every
            // tenth case moves the clock on, so creation and due times differ too.
            if (i % 10 == 0) _app.Clock.Advance(TimeSpan.FromMinutes(7));
            var data = new JsonObject { ["candidateName"] = $"Candidate {i}", ["nationalId"] = $"{900000000 + i}", ["position"] = "Clerk", ["riskScore"] = 5 };
            var response = await requester.PostAsJsonAsync("/api/cases", new { workflow = "personnel-vetting", title = $"Vetting {i}", data });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }
        return ids;
    }

    private static async Task<List<JsonObject>> Walk(HttpClient client, string path, int limit)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 1000, "paging never ended");
            var url = $"{path}{(path.Contains('?') ? '&' : '?')}limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = (await client.GetFromJsonAsync<JsonObject>(url))!;
            var items = page["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
            Assert.True(items.Count <= limit);
            all.AddRange(items);
            cursor = (string?)page["next"];
            if (cursor is null) return all;
            Assert.Equal(limit, items.Count); // only the last page may be short
        }
    }

    [Fact]
    public async Task Tasks_PagedWithACursor_ComeOnceEach_MostUrgentFirst()
    {
        var started = await StartMany();
        var officer = await _app.ClientAsync("intake.officer1@example.org");

        var tasks = await Walk(officer, "/api/tasks?status=Open", limit: 37);

        Assert.Equal(Cases, tasks.Count);
        Assert.Equal(Cases, tasks.Select(t => (string)t["id"]!).Distinct().Count());
        Assert.Equal(started.OrderBy(x => x), tasks.Select(t => (string)t["caseId"]!).OrderBy(x => x));
        var due = tasks.Select(t => t["dueAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(due.OrderBy(d => d), due); // earliest due first

        // The default page is 50 and says there is more.
        var first = (await officer.GetFromJsonAsync<JsonObject>("/api/tasks?status=Open"))!;
        Assert.Equal(50, first["items"]!.AsArray().Count);
        Assert.NotNull((string?)first["next"]);
    }

    [Fact]
    public async Task Cases_PagedWithACursor_ComeOnceEach_NewestFirst()
    {
        var started = await StartMany();
        var requester = await _app.ClientAsync("hr.officer@example.org");

        var cases = await Walk(requester, "/api/cases", limit: 200);
        Assert.Equal(Cases, cases.Count);
        Assert.Equal(started.OrderBy(x => x), cases.Select(c => (string)c["id"]!).OrderBy(x => x));
        var byCursor = (await Walk(requester, "/api/cases?status=InProgress&workflow=personnel-vetting", limit: 45)).Select(c => (string)c["id"]!).ToList();
        Assert.Equal(cases.Select(c => (string)c["id"]!), byCursor);

        // Newest first. Ten cases share each instant, so compare instants: "Vetting i" was started in batch i / 10.
        var batches = cases.Select(c => int.Parse(((string)c["title"]!)["Vetting ".Length..], System.Globalization.CultureInfo.InvariantCulture) / 10).ToList();
        Assert.Equal(batches.OrderByDescending(b => b), batches);

        // The older page= parameter keeps working, with its totals.
        var page2 = (await requester.GetFromJsonAsync<JsonObject>("/api/cases?page=2&limit=100"))!;
        Assert.Equal(Cases, (int)page2["total"]!);
        Assert.Equal(2, (int)page2["page"]!);
        Assert.Equal(byCursor.Skip(100).Take(100), page2["items"]!.AsArray().Select(c => (string)c!["id"]!));
    }
}

public sealed class PagingSqliteTests() : PagingTests(StorageProvider.Sqlite);

public sealed class PagingPostgreSqlTests() : PagingTests(StorageProvider.PostgreSql);
