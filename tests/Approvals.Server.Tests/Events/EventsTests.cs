using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Events;

/// <summary>The live feed: who hears about a case, and who does not.</summary>
public abstract class EventsTests(ApprovalsAppFactory app)
{
    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> ListenAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());
        return (response, reader);
    }

    /// <summary>The case ids of the `case` events read until <paramref name="until"/> is seen or the time is up.</summary>
    private static async Task<List<string>> CaseIdsAsync(StreamReader reader, TimeSpan wait, string? until = null)
    {
        var ids = new List<string>();
        using var cts = new CancellationTokenSource(wait);
        try
        {
            string? evt = null;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) evt = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && evt == "case")
                {
                    var id = (string?)JsonNode.Parse(line[6..])?["caseId"];
                    if (id is not null) ids.Add(id);
                    if (id == until) break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Time is up: the ids read so far are the answer.
        }
        return ids;
    }

    [Fact]
    public async Task Events_Anonymous_Unauthorized()
    {
        var response = await app.Anonymous().GetAsync("/api/events");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Events_CaseStarted_ReachesItsReviewersAndNotOthers()
    {
        var (reviewerResponse, reviewer) = await ListenAsync(await app.ClientAsync("intake.officer1@example.org"));
        var (outsiderResponse, outsider) = await ListenAsync(await app.ClientAsync("finance.officer@example.org"));
        using (reviewerResponse)
        using (outsiderResponse)
        {
            var requester = await app.ClientAsync("hr.officer@example.org");
            var started = await requester.PostAsJsonAsync("/api/cases", new
            {
                workflow = "personnel-vetting", title = "Live",
                data = new { candidateName = "Live Candidate", nationalId = "1", position = "Officer", riskScore = 10 },
            });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var caseId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

            Assert.Contains(caseId, await CaseIdsAsync(reviewer, TimeSpan.FromSeconds(20), until: caseId));
            // The feed hands out one batch to every listener at once: by now the outsider's share is written.
            Assert.DoesNotContain(caseId, await CaseIdsAsync(outsider, TimeSpan.FromSeconds(3)));
        }
    }
}

public sealed class EventsTestsSqlite(SqliteApp app) : EventsTests(app), IClassFixture<SqliteApp>;

public sealed class EventsTestsPostgreSql(PostgreSqlApp app) : EventsTests(app), IClassFixture<PostgreSqlApp>;
