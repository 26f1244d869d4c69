using System.Text.Json.Nodes;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Json;

/// <summary>
/// Elsa connections in both shapes — 3.x <c>{"source": {"activity", "port"}, "target": {...}}</c> and 3.0's flat
/// <c>{"source", "target", "sourcePort", "targetPort"}</c> — and the two things Elsa leaves implicit that this
/// engine writes out: the start (Elsa starts at the activities nothing leads to) and forks (several connections
/// leaving one port). What is added is marked <c>metadata.elsa.implicit</c>, so the export leaves it out again.
/// </summary>
public static class ElsaConnections
{
    public const string ImplicitStart = "start";
    public const string ImplicitFork = "fork";

    public static JsonArray Read(JsonNode? node, IReadOnlyDictionary<string, string> types, List<ValidationError> errors)
    {
        var result = new JsonArray();
        if (node is null) return result;
        if (node is not JsonArray list)
        {
            errors.Add(new ValidationError(ErrorCodes.InvalidValue, "root.connections must be an array.", "$.root.connections"));
            return result;
        }
        for (var i = 0; i < list.Count; i++)
        {
            var c = list[i] as JsonObject;
            var (source, port, target) = c?["source"] is JsonValue
                ? (ElsaImport.Text(c["source"]), ElsaImport.Text(c["sourcePort"]), ElsaImport.Text(c["target"]))
                : (ElsaImport.Text(c?["source"]?["activity"]), ElsaImport.Text(c?["source"]?["port"]), ElsaImport.Text(c?["target"]?["activity"]));
            if (source is null || target is null)
            {
                errors.Add(new ValidationError(ErrorCodes.InvalidValue,
                    "A connection names its source and target activities, as {\"source\": {\"activity\", \"port\"}, \"target\": {\"activity\", \"port\"}} or {\"source\", \"target\", \"sourcePort\", \"targetPort\"}.",
                    $"$.root.connections[{i}]"));
                continue;
            }
            // An Elsa FlowFork names one port per branch; this engine's Fork has one port that every branch leaves by.
            if (types.TryGetValue(source, out var type) && type == "Fork") port = "Done";
            var connection = Connection(source, port ?? "Done", target);
            if (c?["vertices"] is JsonArray { Count: > 0 } vertices) connection["vertices"] = vertices.DeepClone();
            result.Add(connection);
        }
        return result;
    }

    /// <summary>With no Start, one is added that leads to every activity nothing else leads to.</summary>
    public static void AddImplicitStart(JsonArray activities, JsonArray connections, Dictionary<string, string> types)
    {
        if (types.ContainsValue("Start")) return;
        var targets = connections.Select(c => ElsaImport.Text(c!["target"]!["activity"])).ToHashSet(StringComparer.Ordinal);
        var roots = activities.OfType<JsonObject>().Select(a => ElsaImport.Text(a["id"])).OfType<string>()
            .Where(id => !targets.Contains(id)).Distinct().ToList();
        if (roots.Count == 0) return;
        var id = Unique("start", types);
        types[id] = "Start";
        var first = activities.OfType<JsonObject>().First(a => ElsaImport.Text(a["id"]) == roots[0]);
        activities.Add(Added(id, "Start", ImplicitStart, Offset(first, -200)));
        foreach (var root in roots) connections.Add(Connection(id, "Done", root));
    }

    /// <summary>Several connections leaving one port (other than a Fork's) become one connection to a new Fork that leads to them all.</summary>
    public static void AddImplicitForks(JsonArray activities, JsonArray connections, Dictionary<string, string> types)
    {
        var groups = connections.OfType<JsonObject>()
            .GroupBy(c => (Source: ElsaImport.Text(c["source"]!["activity"])!, Port: ElsaImport.Text(c["source"]!["port"])!))
            .Where(g => g.Count() > 1 && types.GetValueOrDefault(g.Key.Source) is not ("Fork" or null))
            .ToList();
        foreach (var group in groups)
        {
            var id = Unique($"{group.Key.Source}-{group.Key.Port}-fork", types);
            types[id] = "Fork";
            var source = activities.OfType<JsonObject>().First(a => ElsaImport.Text(a["id"]) == group.Key.Source);
            activities.Add(Added(id, "Fork", ImplicitFork, Offset(source, 120)));
            foreach (var c in group)
            {
                var target = ElsaImport.Text(c["target"]!["activity"])!;
                connections.Remove(c);
                connections.Add(Connection(id, "Done", target));
            }
            connections.Add(Connection(group.Key.Source, group.Key.Port, id));
        }
    }

    public static JsonObject Connection(string source, string port, string target) => new()
    {
        ["source"] = new JsonObject { ["activity"] = source, ["port"] = port },
        ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
    };

    /// <summary>The implicit marker of an activity this reader added, or null.</summary>
    public static string? ImplicitOf(JsonNode? activity) => ElsaImport.Text(activity?["metadata"]?["elsa"]?["implicit"]);

    private static JsonObject Added(string id, string type, string implicitAs, JsonObject? position)
    {
        var metadata = new JsonObject { ["elsa"] = new JsonObject { ["implicit"] = implicitAs } };
        if (position is not null) metadata["designer"] = new JsonObject { ["position"] = position };
        return new JsonObject { ["id"] = id, ["type"] = type, ["metadata"] = metadata };
    }

    private static JsonObject? Offset(JsonObject near, double dx) =>
        near["metadata"]?["designer"]?["position"] is JsonObject p && p["x"] is JsonValue x && x.TryGetValue<double>(out var px)
            ? new JsonObject { ["x"] = px + dx, ["y"] = p["y"]?.DeepClone() }
            : null;

    private static string Unique(string wanted, IReadOnlyDictionary<string, string> taken)
    {
        var stem = wanted.Length > 60 ? wanted[..60] : wanted;
        var id = stem;
        for (var n = 2; taken.ContainsKey(id); n++) id = $"{stem}-{n}";
        return id;
    }
}
