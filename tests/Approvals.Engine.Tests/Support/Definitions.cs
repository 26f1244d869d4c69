using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Model;

namespace Approvals.Engine.Tests.Support;

/// <summary>Definitions for runtime tests, written as compact JSON: activities as a JSON array, connections as "from.Port -> to".</summary>
internal static class Definitions
{
    /// <param name="activities">A JSON array of activities, e.g. <c>[{"id": "start", "type": "Start"}, ...]</c>.</param>
    /// <param name="connections">Lines such as <c>"start.Done -> review"</c>.</param>
    public static WorkflowDefinition Parse(string activities, params string[] connections) => Build(activities, null, connections);

    /// <summary>As <see cref="Parse"/>, with a workflow-level <c>calendar</c>.</summary>
    public static WorkflowDefinition ParseWithCalendar(string calendar, string activities, params string[] connections) =>
        Build(activities, calendar, connections);

    private static WorkflowDefinition Build(string activities, string? calendar, string[] connections)
    {
        var conns = new JsonArray();
        foreach (var line in connections)
        {
            var parts = line.Split("->", StringSplitOptions.TrimEntries);
            var source = parts[0].Split('.', 2);
            conns.Add(new JsonObject
            {
                ["source"] = new JsonObject { ["activity"] = source[0], ["port"] = source[1] },
                ["target"] = new JsonObject { ["activity"] = parts[1], ["port"] = "In" },
            });
        }
        var doc = new JsonObject
        {
            ["key"] = "test-flow",
            ["name"] = "Test flow",
            ["root"] = new JsonObject { ["type"] = "Flowchart", ["activities"] = JsonNode.Parse(activities), ["connections"] = conns },
        };
        if (calendar is not null) doc["calendar"] = calendar;
        return Read(doc.ToJsonString());
    }

    /// <summary>Reads a whole definition and fails the test when the reader reports a fault.</summary>
    public static WorkflowDefinition Read(string json)
    {
        var (definition, errors) = DefinitionReader.Read(json);
        Assert.True(errors.Count == 0, "The test definition does not read: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        return definition!;
    }

    /// <summary>start → review; Approved → approved (End), Rejected → rejected (End). <paramref name="review"/> holds the Review's own properties.</summary>
    public static WorkflowDefinition SingleReview(string review, params string[] moreConnections) =>
        Parse($$"""
            [ {"id": "start", "type": "Start"},
              {{ReviewJson("review", review)}},
              {"id": "approved", "type": "End", "outcome": "Approved"},
              {"id": "rejected", "type": "End", "outcome": "Rejected"} ]
            """,
            ["start.Done -> review", "review.Approved -> approved", "review.Rejected -> rejected", .. moreConnections]);

    /// <summary>A Review activity's JSON from its id and the text of its properties (without braces).</summary>
    public static string ReviewJson(string id, string properties) =>
        $$"""{"id": "{{id}}", "type": "Review", {{properties}}}""";
}
