using System.Text.Json.Nodes;

namespace Approvals.Engine.Json;

/// <summary>
/// Elsa's workflow <c>inputs</c> (name, type, display name) and this engine's <c>inputSchema</c> (JSON Schema):
/// a definition drawn in Elsa Studio gets a start form from its inputs; an exported one lists its form's fields as
/// inputs and keeps the exact schema in <c>customProperties.approvals.inputSchema</c>.
/// </summary>
public static class ElsaSchema
{
    private static readonly Dictionary<string, string> ToJsonType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["String"] = "string", ["Boolean"] = "boolean", ["Int32"] = "integer", ["Int64"] = "integer",
        ["Double"] = "number", ["Decimal"] = "number", ["Single"] = "number", ["DateTime"] = "string",
        ["DateTimeOffset"] = "string", ["Object"] = "object", ["ExpandoObject"] = "object",
    };

    public static JsonObject? FromInputs(JsonArray? inputs)
    {
        if (inputs is null || inputs.Count == 0) return null;
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var input in inputs.OfType<JsonObject>())
        {
            if (ElsaImport.Text(input["name"]) is not { Length: > 0 } name || properties.ContainsKey(name)) continue;
            var type = ElsaImport.Text(input["type"]) ?? "String";
            var property = new JsonObject();
            if (input["isArray"] is JsonValue a && a.TryGetValue<bool>(out var isArray) && isArray)
            {
                property["type"] = "array";
                property["items"] = new JsonObject { ["type"] = ToJsonType.GetValueOrDefault(type, "string") };
            }
            else property["type"] = ToJsonType.GetValueOrDefault(type, "string");
            if (type.StartsWith("DateTime", StringComparison.OrdinalIgnoreCase)) property["format"] = "date-time";
            if (ElsaImport.Text(input["displayName"]) is { Length: > 0 } title) property["title"] = title;
            if (ElsaImport.Text(input["description"]) is { Length: > 0 } description) property["description"] = description;
            properties[name] = property;
            if (input["isRequired"] is JsonValue r && r.TryGetValue<bool>(out var isRequired) && isRequired) required.Add(name);
        }
        var schema = new JsonObject { ["$schema"] = "http://json-schema.org/draft-07/schema#", ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0) schema["required"] = required;
        return schema;
    }

    public static JsonArray ToInputs(JsonObject? schema)
    {
        var inputs = new JsonArray();
        if (schema?["properties"] is not JsonObject properties) return inputs;
        var required = (schema["required"] as JsonArray)?.Select(ElsaImport.Text).ToHashSet() ?? [];
        foreach (var (name, node) in properties)
        {
            var type = ElsaImport.Text(node?["type"]);
            var isArray = type == "array";
            if (isArray) type = ElsaImport.Text(node?["items"]?["type"]);
            inputs.Add(new JsonObject
            {
                ["name"] = name,
                ["type"] = type switch { "boolean" => "Boolean", "integer" => "Int64", "number" => "Double", "object" => "Object", _ => "String" },
                ["isArray"] = isArray,
                ["displayName"] = ElsaImport.Text(node?["title"]) ?? name,
                ["description"] = ElsaImport.Text(node?["description"]) ?? "",
                ["isRequired"] = required.Contains(name),
            });
        }
        return inputs;
    }
}
