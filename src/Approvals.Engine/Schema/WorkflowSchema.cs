namespace Approvals.Engine.Schema;

/// <summary>The JSON Schema (draft-07) of a workflow definition, as served at <c>GET /api/schema/workflow.json</c>.</summary>
public static class WorkflowSchema
{
    public const string ResourceName = "Approvals.Engine.workflow.schema.json";

    private static readonly Lazy<string> Text = new(Load);

    public static string Json => Text.Value;

    private static string Load()
    {
        using var stream = typeof(WorkflowSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from Approvals.Engine.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
