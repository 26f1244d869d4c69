using System.Text.Json.Nodes;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Json;

/// <summary>
/// Reads an Elsa 3 workflow-definition document (<c>root.type = "Elsa.Flowchart"</c>, as Elsa Studio 3.x exports it)
/// into this engine's own form, which is what gets stored. Elsa's flow activities map onto this engine's; this
/// engine's activities travel as <c>Approvals.&lt;Type&gt;</c> with wrapped inputs. An activity type that cannot
/// run here is kept as it is (so the graph around it stays whole and no neighbour is reported for it) and reported
/// once per type, by name. The mapping table is in docs/workflow-format.md.
/// </summary>
public static class ElsaImport
{
    public const string FlowchartType = "Elsa.Flowchart";
    public const string OwnNamespace = "Approvals.";

    /// <summary>Elsa's flow activities this engine runs, and what they become.</summary>
    public static readonly IReadOnlyDictionary<string, string> ElsaTypes = new Dictionary<string, string>
    {
        ["Elsa.Start"] = "Start",
        ["Elsa.End"] = "End",
        ["Elsa.FlowDecision"] = "Decision",
        ["Elsa.FlowJoin"] = "Join",
        ["Elsa.FlowFork"] = "Fork",
        ["Elsa.Delay"] = "Wait",
    };

    /// <summary>This engine's types that may appear as <c>Approvals.&lt;Type&gt;</c>.</summary>
    public static readonly IReadOnlySet<string> OwnTypes = new HashSet<string> { "Start", "Review", "Decision", "Fork", "Join", "Notify", "Wait", "End" };

    /// <summary>Elsa's bookkeeping on an activity: never an input.</summary>
    private static readonly HashSet<string> Bookkeeping =
        ["id", "nodeId", "name", "type", "version", "customProperties", "metadata", "canStartWorkflow", "runAsynchronously", "source", "line", "description"];

    public static bool IsElsa(JsonNode? node) =>
        node is JsonObject o && o["root"] is JsonObject r && r["type"] is JsonValue t && t.TryGetValue<string>(out var s) && s == FlowchartType;

    /// <summary>The result: the definition in this engine's form, the faults only the Elsa form shows, and the ids of activities kept with a type that cannot run.</summary>
    public sealed record Result(JsonObject Definition, IReadOnlyList<ValidationError> Errors, IReadOnlySet<string> Unsupported);

    public static Result Convert(JsonObject elsa)
    {
        var errors = new List<ValidationError>();
        var unsupported = new Dictionary<string, List<(string Id, int Index)>>(StringComparer.Ordinal);
        var own = elsa["customProperties"]?["approvals"] as JsonObject;
        var definition = new JsonObject
        {
            ["key"] = Text(elsa["definitionId"]) ?? Text(elsa["key"]),
            ["name"] = Text(elsa["name"]) ?? Text(elsa["definitionId"]),
        };
        if (Text(elsa["description"]) is { Length: > 0 } description) definition["description"] = description;
        if (own?["calendar"] is JsonValue calendar) definition["calendar"] = calendar.DeepClone();
        if (own?["inputSchema"] is JsonObject schema) definition["inputSchema"] = schema.DeepClone();
        else if (ElsaSchema.FromInputs(elsa["inputs"] as JsonArray) is { } built) definition["inputSchema"] = built;

        var root = (JsonObject)elsa["root"]!;
        var activities = new JsonArray();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root["activities"] is JsonArray elsaActivities)
            for (var i = 0; i < elsaActivities.Count; i++)
            {
                var path = $"$.root.activities[{i}]";
                if (elsaActivities[i] is not JsonObject a)
                {
                    activities.Add(elsaActivities[i]?.DeepClone());
                    continue;
                }
                var converted = Activity(a, path, errors);
                activities.Add(converted);
                if (Text(converted["id"]) is { } id && Text(converted["type"]) is { } type)
                {
                    types.TryAdd(id, type);
                    if (!OwnTypes.Contains(type))
                    {
                        if (!unsupported.TryGetValue(type, out var list)) unsupported[type] = list = [];
                        list.Add((id, i));
                    }
                }
            }
        var connections = ElsaConnections.Read(root["connections"], types, errors);
        ElsaConnections.AddImplicitStart(activities, connections, types);
        ElsaConnections.AddImplicitForks(activities, connections, types);
        definition["root"] = new JsonObject { ["type"] = "Flowchart", ["activities"] = activities, ["connections"] = connections };

        foreach (var (type, uses) in unsupported)
            errors.Add(new ValidationError(ErrorCodes.UnknownType,
                $"The activity type '{type}' cannot run in this engine (used by {string.Join(", ", uses.Select(u => $"'{u.Id}'"))}). " +
                $"Supported: {string.Join(", ", ElsaTypes.Keys)}, and this engine's own activities as Approvals.{string.Join(", Approvals.", OwnTypes)}.",
                $"$.root.activities[{uses[0].Index}].type", uses[0].Id));
        return new Result(definition, errors, unsupported.Values.SelectMany(u => u.Select(x => x.Id)).ToHashSet(StringComparer.Ordinal));
    }

    private static JsonObject Activity(JsonObject a, string path, List<ValidationError> errors)
    {
        var id = Text(a["id"]);
        var elsaType = Text(a["type"]) ?? "";
        var result = new JsonObject { ["id"] = a["id"]?.DeepClone() };
        var name = Text(a["metadata"]?["displayText"]) ?? Text(a["name"]);
        if (name is not null) result["name"] = name;
        if (Text(a["description"]) is { Length: > 0 } description) result["description"] = description;

        JsonNode? Input(string input)
        {
            var value = ElsaInputs.Unwrap(a[input], out var why);
            if (why is not null) errors.Add(new ValidationError(ErrorCodes.InvalidValue, $"The input '{input}' of '{id}' cannot be read: {why}.", $"{path}.{input}", id));
            return value;
        }

        if (elsaType.StartsWith(OwnNamespace, StringComparison.Ordinal) && OwnTypes.Contains(elsaType[OwnNamespace.Length..]))
        {
            result["type"] = elsaType[OwnNamespace.Length..];
            foreach (var (key, _) in a.Where(p => !Bookkeeping.Contains(p.Key)).ToList())
                if (Input(key) is { } value) result[key] = value;
        }
        else if (ElsaTypes.TryGetValue(elsaType, out var type))
        {
            result["type"] = type;
            switch (type)
            {
                case "End" when Input("outcome") is { } outcome:
                    result["outcome"] = outcome;
                    break;
                case "Decision":
                    var condition = Input("condition");
                    result["condition"] = condition is JsonValue b && b.TryGetValue<bool>(out var flag) ? (flag ? "true" : "false") : condition;
                    break;
                case "Join":
                    result["mode"] = Text(Input("mode")) is "WaitAny" or "any" ? "any" : "all";
                    break;
                case "Wait":
                    var span = Input("timeSpan");
                    var duration = ElsaInputs.DurationFromTimeSpan(Text(span));
                    if (duration is null)
                        errors.Add(new ValidationError(ErrorCodes.BadDuration,
                            $"The delay of '{id}' must be a literal time span such as 1.00:00:00 (one day).", path + ".timeSpan", id));
                    result["duration"] = duration ?? "PT1S";
                    break;
            }
        }
        else result["type"] = elsaType;

        if (a["metadata"] is JsonObject { Count: > 0 } metadata) result["metadata"] = metadata.DeepClone();
        return result;
    }

    internal static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
