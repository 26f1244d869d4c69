using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Engine.Model;
using Approvals.Engine.Schema;

namespace Approvals.Engine.Tests.Validation;

public class WorkflowSchemaTests
{
    private static JsonObject Schema => JsonNode.Parse(WorkflowSchema.Json)!.AsObject();

    /// <summary>The type names the engine knows, found from the model so a new activity type cannot be forgotten here.</summary>
    public static TheoryData<string> ActivityTypes()
    {
        var data = new TheoryData<string>();
        foreach (var t in typeof(Activity).Assembly.GetTypes()
                     .Where(t => t.Namespace == typeof(Activity).Namespace && t.IsSealed && t.IsSubclassOf(typeof(Activity))))
            data.Add(t.Name[..^"Activity".Length]);
        return data;
    }

    [Fact]
    public void Json_EmbeddedResource_IsDraft07SchemaWithItsId()
    {
        var schema = Schema;

        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)schema["$schema"]);
        Assert.Equal("https://approvals.local/schema/workflow.json", (string?)schema["$id"]);
        Assert.Equal(["key", "name", "root"], schema["required"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void ActivityTypes_FromTheModel_AreAllEight() => Assert.Equal(8, ActivityTypes().Count);

    [Theory]
    [MemberData(nameof(ActivityTypes))]
    public void Json_EveryActivityType_IsNamedAndDescribed(string type)
    {
        var definitions = Schema["definitions"]!.AsObject();

        Assert.Contains(type, definitions["activityType"]!["enum"]!.AsArray().Select(n => (string?)n));
        Assert.Contains(definitions["activity"]!["allOf"]!.AsArray(),
            rule => (string?)rule!["if"]!["properties"]!["type"]!["const"] == type
                && (string?)rule["then"]!["$ref"] == "#/definitions/" + char.ToLowerInvariant(type[0]) + type[1..]);
        Assert.True(definitions.ContainsKey(char.ToLowerInvariant(type[0]) + type[1..]));
    }

    [Theory]
    [InlineData("PT4H")]
    [InlineData("P2D")]
    [InlineData("P1DT12H")]
    [InlineData("P1W")]
    [InlineData("PT1.5S")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("P1DT")]
    [InlineData("soon")]
    public void Json_DurationPattern_AgreesWithIsoDuration(string text)
    {
        var pattern = (string)Schema["definitions"]!["duration"]!["pattern"]!;

        Assert.Equal(IsoDuration.TryParse(text, out _), Regex.IsMatch(text, pattern, RegexOptions.ECMAScript));
    }
}
