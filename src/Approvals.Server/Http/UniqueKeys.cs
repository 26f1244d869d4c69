using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Approvals.Server.Http;

/// <summary>
/// Reads every JSON object a request carries (case <c>data</c>, calendars, ...) and refuses one that names
/// a key twice. System.Text.Json would otherwise keep both behind a <see cref="JsonObject"/>: the case would
/// be stored with both while routing read the last, and two readers of {"riskScore": 10, "riskScore": 90}
/// may pick different values (SECURITY.md, "Failing safely").
/// </summary>
public sealed class UniqueKeysJsonObjectConverter : JsonConverter<JsonObject>
{
    public override JsonObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("A JSON object is expected here.");
        Check(document.RootElement, "");
        return JsonObject.Create(document.RootElement.Clone())!;
    }

    public override void Write(Utf8JsonWriter writer, JsonObject value, JsonSerializerOptions options) => value.WriteTo(writer, options);

    private static void Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var at = path + "." + property.Name;
                    if (!seen.Add(property.Name)) throw new DuplicateKeyException(at, property.Name);
                    Check(property.Value, at);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Check(item, $"{path}[{i++}]");
                break;
        }
    }
}

/// <summary>A key named twice in one object; <see cref="Inner"/> is its path below the value being read.</summary>
public sealed class DuplicateKeyException(string inner, string key)
    : JsonException($"The key '{key}' appears more than once in the same object; name each key once.")
{
    public string Inner { get; } = inner;
}
