using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Approvals.Server.Persistence;
using Approvals.Server.Http;
using NJsonSchema;

namespace Approvals.Server.Features.Cases;

/// <summary>Checks a case's <c>data</c> against its workflow's <c>inputSchema</c> (JSON Schema, via NJsonSchema).</summary>
public static class CaseData
{
    public const int MaxDataChars = 256_000;

    private static readonly ConcurrentDictionary<(string, int), Lazy<JsonSchema?>> Schemas = new();

    /// <summary>Throws <see cref="RequestInvalid"/> naming every field at fault.</summary>
    public static void Check(PublishedWorkflow workflow, JsonObject data)
    {
        var schema = Schemas.GetOrAdd((workflow.Key, workflow.Version), _ => new Lazy<JsonSchema?>(() =>
            workflow.Definition.InputSchema is { } s ? JsonSchema.FromJsonAsync(s.ToJsonString()).GetAwaiter().GetResult() : null)).Value;
        Check(schema, data, workflow.Key);
    }

    /// <summary>The same check against a schema that is not published (a draft's, in a dry run): not cached.</summary>
    public static async Task CheckUnpublishedAsync(JsonObject? inputSchema, JsonObject data, string workflowKey) =>
        Check(inputSchema is null ? null : await JsonSchema.FromJsonAsync(inputSchema.ToJsonString()), data, workflowKey);

    private static void Check(JsonSchema? schema, JsonObject data, string workflowKey)
    {
        var text = data.ToJsonString();
        if (text.Length > MaxDataChars)
            throw RequestInvalid.Field("data", $"Case data may not be larger than {MaxDataChars} characters.");
        if (schema is null) return;
        var errors = schema.Validate(text)
            .SelectMany(Flatten)
            .Select(e => new ApiError(FieldOf(e), Describe(e), e.Kind.ToString()))
            .DistinctBy(e => (e.Field, e.Message))
            .ToList();
        if (errors.Count > 0)
            throw new RequestInvalid($"The case data does not fit the input schema of '{workflowKey}'.", errors);
    }

    private static IEnumerable<NJsonSchema.Validation.ValidationError> Flatten(NJsonSchema.Validation.ValidationError e) =>
        e is NJsonSchema.Validation.ChildSchemaValidationError child && child.Errors.Count > 0
            ? child.Errors.SelectMany(kv => kv.Value).SelectMany(Flatten)
            : [e];

    private static string FieldOf(NJsonSchema.Validation.ValidationError e)
    {
        var path = (e.Path ?? "#").TrimStart('#').Replace('/', '.').Trim('.');
        if (e.Kind == NJsonSchema.Validation.ValidationErrorKind.PropertyRequired && e.Property is { } p && !path.EndsWith(p, StringComparison.Ordinal))
            path = path.Length == 0 ? p : path + "." + p;
        return path.Length == 0 ? "data" : "data." + path;
    }

    private static string Describe(NJsonSchema.Validation.ValidationError e) => e.Kind switch
    {
        NJsonSchema.Validation.ValidationErrorKind.PropertyRequired => $"{e.Property} is required.",
        NJsonSchema.Validation.ValidationErrorKind.NoAdditionalPropertiesAllowed => $"{e.Property} is not a field of this workflow.",
        _ => $"{FieldOf(e)}: {SplitWords(e.Kind.ToString())}.",
    };

    private static string SplitWords(string s) =>
        string.Concat(s.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
