using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Model;

namespace Approvals.Engine.Json;

/// <summary>
/// Elsa 3 wraps every activity input as <c>{"typeName", "expression": {"type", "value"}, "memoryReference"?}</c>.
/// These helpers recognise exactly that shape — so this engine's own <c>expression</c> property of assignees or
/// recipients (a plain string) is never taken for one — and turn it into a plain value, and back.
/// </summary>
public static class ElsaInputs
{
    private static readonly HashSet<string> WrapperKeys = ["typeName", "expression", "memoryReference"];

    /// <summary>JSON given as text inside an input: the limits of a whole definition (depth, no duplicate keys).</summary>
    private static readonly JsonDocumentOptions TextOptions = new() { MaxDepth = 32, AllowDuplicateProperties = false };

    /// <summary>True for an Elsa input wrapper: only wrapper keys, and an <c>expression</c> object with a string <c>type</c>.</summary>
    public static bool IsWrapped(JsonNode? node) =>
        node is JsonObject o
        && o["expression"] is JsonObject e && e["type"] is JsonValue t && t.TryGetValue<string>(out _)
        && o.All(p => WrapperKeys.Contains(p.Key));

    /// <summary>The expression's kind (<c>Literal</c>, <c>Object</c>, <c>Json</c>, <c>JavaScript</c>, ...) of a wrapper.</summary>
    public static string? Kind(JsonNode? node) =>
        IsWrapped(node) ? node!["expression"]!["type"]!.GetValue<string>() : null;

    /// <summary>
    /// The plain value of an input: a wrapper is unwrapped (Object and Json values given as text are parsed), anything
    /// else is returned as it is. <paramref name="error"/> says why a wrapper could not be used (an expression language
    /// this engine does not run, or text that is not JSON).
    /// </summary>
    public static JsonNode? Unwrap(JsonNode? node, out string? error)
    {
        error = null;
        if (!IsWrapped(node)) return node?.DeepClone();
        var expression = node!["expression"]!;
        var kind = expression["type"]!.GetValue<string>();
        var value = expression["value"];
        switch (kind)
        {
            case "Literal":
                return Literal(value, node["typeName"]?.GetValue<string>());
            case "Object" or "Json":
                if (value is JsonValue v && v.TryGetValue<string>(out var text))
                {
                    if (string.IsNullOrWhiteSpace(text)) return null;
                    try
                    {
                        return JsonNode.Parse(text, documentOptions: TextOptions);
                    }
                    catch (JsonException)
                    {
                        error = $"its {kind} value is not valid JSON (nested at most 32 deep, each key once)";
                        return null;
                    }
                }
                return value?.DeepClone();
            case "JavaScript":
                return value?.DeepClone();
            default:
                error = $"its expression type '{kind}' is not supported here (use Literal, Object, Json or JavaScript)";
                return null;
        }
    }

    /// <summary>Literal values arrive as text in Elsa exports ("True", "2"); typed ones become JSON booleans and numbers.</summary>
    private static JsonNode? Literal(JsonNode? value, string? typeName)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text)) return value?.DeepClone();
        switch (typeName)
        {
            case "Boolean" when bool.TryParse(text, out var b):
                return JsonValue.Create(b);
            case "Int32" or "Int64" or "Double" or "Decimal" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d):
                return d == Math.Floor(d) && Math.Abs(d) < 1e15 ? JsonValue.Create((long)d) : JsonValue.Create(d);
            case "Object" or "Json":
                try
                {
                    return JsonNode.Parse(text, documentOptions: TextOptions);
                }
                catch (JsonException)
                {
                    return JsonValue.Create(text);
                }
            default:
                return JsonValue.Create(text);
        }
    }

    /// <summary>Wraps a plain value the way Elsa Studio writes it: objects and arrays as Object JSON text, the rest as Literal text.</summary>
    public static JsonObject Wrap(JsonNode? value)
    {
        var (typeName, kind, text) = value switch
        {
            JsonObject or JsonArray => ("Object", "Object", (JsonNode?)JsonValue.Create(value.ToJsonString())),
            JsonValue b when b.TryGetValue<bool>(out var flag) => ("Boolean", "Literal", JsonValue.Create(flag ? "True" : "False")),
            JsonValue n when n.GetValueKind() == JsonValueKind.Number => (n.ToJsonString().Contains('.') ? "Double" : "Int32", "Literal", JsonValue.Create(n.ToJsonString())),
            _ => ("String", "Literal", value?.DeepClone()),
        };
        return Wrap(typeName, kind, text);
    }

    public static JsonObject Wrap(string typeName, string kind, JsonNode? value) => new()
    {
        ["typeName"] = typeName,
        ["expression"] = new JsonObject { ["type"] = kind, ["value"] = value },
    };

    /// <summary>An Elsa <c>TimeSpan</c> literal (<c>d.hh:mm:ss</c>) as this engine's ISO 8601 duration.</summary>
    public static string? DurationFromTimeSpan(string? text) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? new IsoDuration(span.Days, span - TimeSpan.FromDays(span.Days)).ToString()
            : null;

    /// <summary>This engine's duration as an Elsa <c>TimeSpan</c> literal: elapsed time, a day being 24 hours.</summary>
    public static string TimeSpanFromDuration(IsoDuration duration) =>
        duration.ToTimeSpan().ToString("c", CultureInfo.InvariantCulture);
}
