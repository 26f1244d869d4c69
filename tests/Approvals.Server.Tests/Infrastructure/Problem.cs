using System.Net;
using System.Text.Json.Nodes;

namespace Approvals.Server.Tests.Infrastructure;

public static class Problem
{
    /// <summary>Asserts a problem+json answer with <paramref name="status"/> and returns its body.</summary>
    public static async Task<JsonObject> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int)body["status"]!);
        var errors = Assert.IsType<JsonArray>(body["errors"]);
        Assert.NotEmpty(errors);
        return body;
    }

    public static IEnumerable<string?> Fields(JsonObject problem) =>
        problem["errors"]!.AsArray().Select(e => (string?)e!["field"]);
}
