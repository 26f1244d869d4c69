using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Validation;
using Approvals.Server.Http;

namespace Approvals.Server.Features.Workflows;

public static class WorkflowsApi
{
    /// <summary>Maps the workflow routes under the authorized <c>/api</c> group: reads for anyone signed in, writes for designers.</summary>
    public static RouteGroupBuilder MapWorkflowEndpoints(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");
        ValidateWorkflow.Map(workflows);
        ListWorkflows.Map(workflows);
        GetWorkflow.Map(workflows);
        GetWorkflowVersion.Map(workflows);
        ExportElsa.Map(workflows);
        SimulateWorkflow.Map(workflows);
        Cases.MigrateCases.MapWorkflow(workflows);
        SaveDraft.Map(workflows);
        PublishWorkflow.Map(workflows);
        return api;
    }
}

/// <summary>Shared by the workflow slices: reading definition bodies, checking keys, shaping errors.</summary>
public static class WorkflowJson
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false };

    public static ApiError ToApiError(ValidationError e) => new(e.Path, e.Message, e.Code, e.ActivityId);

    /// <summary>The raw body as text, capped so a huge upload is refused (400) before it is parsed.</summary>
    public static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > DefinitionReader.MaxDefinitionBytes * 4L) throw TooLarge();
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[8192];
        var text = new StringBuilder();
        int n;
        while ((n = await reader.ReadAsync(buffer, ct)) > 0)
        {
            text.Append(buffer, 0, n);
            if (text.Length > DefinitionReader.MaxDefinitionBytes) throw TooLarge();
        }
        return text.ToString();
    }

    private static RequestInvalid TooLarge() => new("The definition is too large.",
        [new ApiError("$", $"A definition may not be larger than {DefinitionReader.MaxDefinitionBytes} characters.", ErrorCodes.InvalidValue)]);

    /// <summary>The stored JSON as a node for answers; null when it cannot be parsed (never for validated JSON).</summary>
    public static JsonNode? Node(string json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: ParseOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The definition with its <c>key</c> set to <paramref name="key"/>: the route's key wins over the body's.</summary>
    public static string WithKey(string json, string key)
    {
        if (Node(json) is not JsonObject o) return json;
        if (o["key"] is JsonValue v && v.TryGetValue<string>(out var existing) && existing == key) return json;
        var copy = new JsonObject { ["key"] = key };
        foreach (var (name, value) in o)
            if (name != "key") copy[name] = value?.DeepClone();
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static string? NameOf(string json) =>
        Node(json) is JsonObject o && o["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
