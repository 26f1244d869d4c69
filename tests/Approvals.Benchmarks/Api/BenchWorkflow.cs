using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Approvals.Benchmarks.Api;

/// <summary>
/// The three-stage flow the API benchmark drives: Start → s1 → s2 → s3 → End(Approved), each stage a Review
/// assigned to one user under policy <c>any</c>, a rejection ending the case Rejected. One workflow per
/// reviewer (<c>bench-3s-&lt;i&gt;</c>), so reviewers never contend for the same task and each inbox holds
/// only that reviewer's work, as it would for people with separate caseloads.
/// </summary>
public static class BenchWorkflow
{
    public const string Password = "bench-password-0123456789";
    public const string Requester = "bench.requester@example.org";

    public static readonly string[] Stages = ["s1", "s2", "s3"];

    public static string Key(int reviewer) => $"bench-3s-{reviewer}";

    public static string Reviewer(int reviewer) => $"bench.r{reviewer}@example.org";

    public static async Task PutUserAsync(HttpClient admin, string email, string role, CancellationToken ct) =>
        await ExpectAsync(await admin.PutAsJsonAsync($"/api/directory/users/{email}", new
        {
            displayName = email, password = Password, roles = new[] { role }, manager = (string?)null, groups = Array.Empty<string>(), disabled = false,
        }, ct), $"PUT user {email}", ct);

    public static async Task PublishAsync(HttpClient designer, int reviewer, CancellationToken ct)
    {
        var key = Key(reviewer);
        await ExpectAsync(await designer.PutAsJsonAsync($"/api/workflows/{key}", Definition(key, Reviewer(reviewer)), ct), $"PUT workflow {key}", ct);
        await ExpectAsync(await designer.PostAsync($"/api/workflows/{key}/publish", null, ct), $"publish {key}", ct);
    }

    public static JsonObject Definition(string key, string reviewer)
    {
        var activities = new JsonArray
        {
            new JsonObject { ["id"] = "start", ["type"] = "Start" },
            new JsonObject { ["id"] = "approved", ["type"] = "End", ["outcome"] = "Approved" },
            new JsonObject { ["id"] = "rejected", ["type"] = "End", ["outcome"] = "Rejected" },
        };
        var connections = new JsonArray { Connection("start", "Done", "s1") };
        for (var s = 0; s < Stages.Length; s++)
        {
            activities.Add(new JsonObject
            {
                ["id"] = Stages[s], ["type"] = "Review", ["name"] = $"Stage {s + 1}",
                ["assignees"] = new JsonObject { ["users"] = new JsonArray(reviewer) },
                ["policy"] = new JsonObject { ["mode"] = "any" },
            });
            connections.Add(Connection(Stages[s], "Approved", s + 1 < Stages.Length ? Stages[s + 1] : "approved"));
            connections.Add(Connection(Stages[s], "Rejected", "rejected"));
        }
        return new JsonObject
        {
            ["key"] = key,
            ["name"] = "Three-stage benchmark",
            ["root"] = new JsonObject { ["type"] = "Flowchart", ["activities"] = activities, ["connections"] = connections },
        };

        static JsonObject Connection(string from, string port, string to) => new()
        {
            ["source"] = new JsonObject { ["activity"] = from, ["port"] = port },
            ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
        };
    }

    public static async Task ExpectAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }
}
