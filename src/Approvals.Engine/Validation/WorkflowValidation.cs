using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Model;

namespace Approvals.Engine.Validation;

/// <summary>
/// One call for "is this definition good?": the reader's field faults and the validator's graph faults
/// together, so an author sees every problem at once. The definition is returned whenever it could be
/// read, even with faults; callers decide by <c>Errors.Count</c>.
/// </summary>
public static class WorkflowValidation
{
    public static (WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors) Validate(string json, string? keyOverride = null)
    {
        // The JSON is parsed here so the validator can map its paths back to the document. When it is too
        // large or not JSON, the reader is left to word the fault, so there is one wording of it.
        if (json.Length > DefinitionReader.MaxDefinitionBytes || !TryParse(json, out var node))
            return DefinitionReader.Read(json, keyOverride);
        return Validate(node, keyOverride);
    }

    public static (WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors) Validate(JsonNode? node, string? keyOverride = null)
    {
        var (definition, readErrors) = DefinitionReader.Read(node, keyOverride);
        if (definition is null) return (null, readErrors);
        var errors = readErrors.Concat(DefinitionValidator.Validate(definition, node)).Distinct().ToList();
        return (definition, errors);
    }

    /// <summary>
    /// Like <see cref="Validate(string, string?)"/>, for a definition in this engine's form or as an Elsa 3 document
    /// (<c>root.type = "Elsa.Flowchart"</c>). <c>Json</c> is what to store: the text as given, or the Elsa document
    /// in this engine's form. An activity type that cannot run is reported once by the import, not again per activity.
    /// </summary>
    public static (WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors, string Json) ValidateAndImport(string json, string? keyOverride = null)
    {
        if (json.Length > DefinitionReader.MaxDefinitionBytes || !TryParse(json, out var node))
        {
            var (d, e) = DefinitionReader.Read(json, keyOverride);
            return (d, e, json);
        }
        if (!ElsaImport.IsElsa(node))
        {
            // Parsed once: this engine's own form goes straight to the checks.
            var (d, e) = Validate(node, keyOverride);
            return (d, e, json);
        }
        var import = ElsaImport.Convert((JsonObject)node!);
        var converted = import.Definition.ToJsonString();
        // Unwrapped inputs make the document deeper: what is stored must read back under the same limits.
        if (!TryParse(converted, out _))
            return (null, [new ValidationError(ErrorCodes.InvalidValue, "Once its Elsa inputs are unwrapped the definition nests deeper than 64 levels.", "$")], json);
        var (definition, errors) = Validate(import.Definition, keyOverride);
        var rest = errors.Where(e => !(e.Code == ErrorCodes.UnknownType && e.ActivityId is { } id && import.Unsupported.Contains(id)));
        return (definition, import.Errors.Concat(rest).Distinct().ToList(), converted);
    }

    // Same options as DefinitionReader.Read(string), so whatever parses here parses there.
    private static bool TryParse(string json, out JsonNode? node)
    {
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
            return true;
        }
        catch (JsonException)
        {
            node = null;
            return false;
        }
    }
}
