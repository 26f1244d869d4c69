using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Json;

/// <summary>
/// A stored definition as an Elsa 3.x workflow-definition document: Elsa's flow activities where one fits, this
/// engine's own as <c>Approvals.&lt;Type&gt;</c> with wrapped inputs, designer positions kept, and what the import
/// added implicitly (a start, forks) left implicit again — so <see cref="ElsaImport"/> gives the same flowchart back.
/// </summary>
public static class ElsaExport
{
    public const string SchemaUrl = "https://elsaworkflows.io/schemas/workflow-definition/v3.0.0/schema.json";
    private const string JoinModeType = "Elsa.Workflows.Activities.Flowchart.Models.FlowJoinMode, Elsa.Workflows.Core";
    private static readonly HashSet<string> NotInputs = ["id", "type", "name", "description", "metadata"];

    public static JsonObject ToElsa(JsonObject definition, int version)
    {
        var key = ElsaImport.Text(definition["key"]) ?? "";
        var root = definition["root"] as JsonObject;
        var activities = (root?["activities"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var connections = (root?["connections"] as JsonArray)?.OfType<JsonObject>().Select(c => c.DeepClone().AsObject()).ToList() ?? [];
        var implicitIds = activities.Where(a => ElsaConnections.ImplicitOf(a) is not null).ToDictionary(a => ElsaImport.Text(a["id"])!, ElsaConnections.ImplicitOf);

        // Implicit forks go back to several connections leaving the one port; an implicit start's connections go away.
        foreach (var (id, kind) in implicitIds)
        {
            var leaving = connections.Where(c => Source(c) == id).ToList();
            var arriving = connections.Where(c => Target(c) == id).ToList();
            connections.RemoveAll(c => Source(c) == id || Target(c) == id);
            if (kind != ElsaConnections.ImplicitFork) continue;
            foreach (var into in arriving)
                foreach (var outOf in leaving)
                    connections.Add(ElsaConnections.Connection(Source(into)!, ElsaImport.Text(into["source"]!["port"])!, Target(outOf)!));
        }

        var elsaActivities = new JsonArray();
        foreach (var a in activities.Where(a => !implicitIds.ContainsKey(ElsaImport.Text(a["id"]) ?? "")))
            elsaActivities.Add(Activity(a, connections));
        var elsaConnections = new JsonArray();
        foreach (var c in connections)
            elsaConnections.Add(new JsonObject
            {
                ["source"] = c["source"]!.DeepClone(),
                ["target"] = new JsonObject { ["activity"] = Target(c), ["port"] = "In" },
                ["vertices"] = c["vertices"]?.DeepClone() ?? new JsonArray(),
            });

        var own = new JsonObject();
        if (definition["inputSchema"] is JsonObject schema) own["inputSchema"] = schema.DeepClone();
        if (definition["calendar"] is JsonValue calendar) own["calendar"] = calendar.DeepClone();
        return new JsonObject
        {
            ["$schema"] = SchemaUrl,
            ["id"] = $"{key}-{version}",
            ["definitionId"] = key,
            ["name"] = definition["name"]?.DeepClone(),
            ["description"] = definition["description"]?.DeepClone() ?? "",
            ["version"] = version,
            ["variables"] = new JsonArray(),
            ["inputs"] = ElsaSchema.ToInputs(definition["inputSchema"] as JsonObject),
            ["outputs"] = new JsonArray(),
            ["outcomes"] = new JsonArray(),
            ["customProperties"] = new JsonObject { ["approvals"] = own },
            ["isPublished"] = true,
            ["root"] = new JsonObject
            {
                ["id"] = "flowchart",
                ["type"] = ElsaImport.FlowchartType,
                ["version"] = 1,
                ["activities"] = elsaActivities,
                ["connections"] = elsaConnections,
            },
        };
    }

    private static JsonObject Activity(JsonObject a, List<JsonObject> connections)
    {
        var id = ElsaImport.Text(a["id"])!;
        var type = ElsaImport.Text(a["type"]) ?? "";
        var result = new JsonObject { ["id"] = id };
        switch (type)
        {
            case "Start":
                result["type"] = "Elsa.Start";
                break;
            case "End":
                result["type"] = "Elsa.End";
                result["outcome"] = ElsaInputs.Wrap("String", "Literal", a["outcome"]?.DeepClone());
                break;
            case "Decision":
                result["type"] = "Elsa.FlowDecision";
                result["condition"] = ElsaInputs.Wrap("Boolean", "JavaScript", a["condition"]?.DeepClone());
                break;
            case "Join":
                result["type"] = "Elsa.FlowJoin";
                result["mode"] = ElsaInputs.Wrap(JoinModeType, "Literal", ElsaImport.Text(a["mode"]) == "any" ? "WaitAny" : "WaitAll");
                break;
            case "Wait" when a["calendar"] is null && IsoDuration.TryParse(ElsaImport.Text(a["duration"]), out var duration):
                // Without a calendar a duration is elapsed time, which is what Elsa's Delay counts.
                result["type"] = "Elsa.Delay";
                result["timeSpan"] = ElsaInputs.Wrap("TimeSpan", "Literal", ElsaInputs.TimeSpanFromDuration(duration));
                break;
            case "Fork":
                // Elsa's FlowFork leaves by one named port per branch.
                result["type"] = "Elsa.FlowFork";
                var branches = connections.Where(c => Source(c) == id).ToList();
                for (var i = 0; i < branches.Count; i++) branches[i]["source"]!["port"] = $"Branch {i + 1}";
                result["branches"] = ElsaInputs.Wrap("String[]", "Object",
                    new JsonArray(branches.Select((_, i) => (JsonNode?)$"Branch {i + 1}").ToArray()).ToJsonString());
                break;
            case var own when ElsaImport.OwnTypes.Contains(own):
                result["type"] = ElsaImport.OwnNamespace + type;
                foreach (var (key, value) in a.Where(p => !NotInputs.Contains(p.Key)))
                    result[key] = ElsaInputs.Wrap(value);
                break;
            default:
                // Only an import that reported it keeps a type that cannot run here: it goes back as it came.
                result["type"] = type;
                break;
        }
        result["version"] = 1;
        if (a["name"] is JsonValue name) result["name"] = name.DeepClone();
        if (a["description"] is JsonValue description) result["description"] = description.DeepClone();
        result["customProperties"] = new JsonObject();
        var metadata = a["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        metadata.Remove("elsa");
        if (metadata.Count > 0) result["metadata"] = metadata;
        return result;
    }

    private static string? Source(JsonObject c) => ElsaImport.Text(c["source"]?["activity"]);

    private static string? Target(JsonObject c) => ElsaImport.Text(c["target"]?["activity"]);
}
