using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Approvals.Engine.Schema;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Approvals.Server.Http;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>. Browser and script clients are generated from it, so it
/// must say exactly what the endpoints do: one schema name per type, the bearer scheme, every error answer
/// with the problem shape, string enums, and the workflow JSON Schema wherever a definition travels.
/// </summary>
public static class OpenApiSetup
{
    public const string BearerScheme = "Bearer";
    public const string WorkflowDefinitionSchema = "WorkflowDefinition";
    public const string ElsaDefinitionSchema = "ElsaWorkflowDefinition";

    public static IServiceCollection AddApprovalsOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.CreateSchemaReferenceId = SchemaId;
            o.AddSchemaTransformer(TransformSchema);
            o.AddOperationTransformer(TransformOperation);
            o.AddDocumentTransformer(TransformDocument);
        });

    /// <summary>An optional request header the endpoint reads itself (not bound as a parameter), shown in the document.</summary>
    public static TBuilder DocumentsHeader<TBuilder>(this TBuilder builder, string name, string description, int maxLength)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Header,
                Required = false,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = maxLength },
            });
            return Task.CompletedTask;
        });

    /// <summary>
    /// Schema names: a nested record is named after the use case that declares it (<c>StartCase.Request</c>
    /// becomes <c>StartCaseRequest</c>), so the many <c>Request</c>/<c>Answer</c>/<c>View</c> records no
    /// longer overwrite each other; <see cref="SchemaNameAttribute"/> names a type outright.
    /// </summary>
    internal static string? SchemaId(JsonTypeInfo info)
    {
        // Free-form JSON (case data, audit details, definitions) stays inline, so each property can say what it holds.
        if (typeof(JsonNode).IsAssignableFrom(info.Type)) return null;
        if (info.Type.GetCustomAttribute<SchemaNameAttribute>() is { } named) return named.Name;
        // Page<TaskView> is a TaskPage, as ListCases.CasePage is a CasePage.
        if (info.Type.IsGenericType && info.Type.GetGenericTypeDefinition() == typeof(Page<>))
            return info.Type.GetGenericArguments()[0].Name.Replace("View", "", StringComparison.Ordinal) + "Page";
        var id = OpenApiOptions.CreateDefaultSchemaReferenceId(info);
        return id is not null && info.Type.DeclaringType is { } outer ? outer.Name + id : id;
    }

    private static Task TransformSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(JsonObject))
        {
            // Case data and calendars: any JSON object (`additionalProperties: {}` is `true` in the writer's terms).
            schema.Type = JsonSchemaType.Object | (schema.Type ?? 0) & JsonSchemaType.Null;
            schema.AdditionalProperties = new OpenApiSchema();
        }
        if (type.DeclaringType is not null && type.Name == "Request" && schema.Properties is { } properties)
            MarkRequired(schema, properties, context.JsonTypeInfo);
        var property = context.JsonPropertyInfo?.AttributeProvider;
        if (property?.GetCustomAttributes(typeof(OneOfNamesAttribute), inherit: false).FirstOrDefault() is OneOfNamesAttribute names)
        {
            var nullable = schema.Type is { } t && t.HasFlag(JsonSchemaType.Null);
            schema.Enum = names.Names.Select(n => (JsonNode)JsonValue.Create(n)).ToList();
            if (nullable) schema.Enum.Add(null!);
        }
        // Marked here, replaced by a reference in the document transformer: references made inside a schema
        // transformer are not resolved by the generator (it throws).
        if (property?.IsDefined(typeof(WorkflowDefinitionAttribute), inherit: false) == true)
        {
            schema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            schema.Extensions[WorkflowMarker] = new JsonNodeExtension(JsonValue.Create(true));
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Request bodies: every property is optional (the handler answers a 400 naming what is missing) except those
    /// marked <see cref="RequiredAttribute"/>, which are also shown as not nullable.
    /// </summary>
    private static void MarkRequired(OpenApiSchema schema, IDictionary<string, IOpenApiSchema> properties, JsonTypeInfo info)
    {
        schema.Required = new HashSet<string>();
        foreach (var p in info.Properties)
        {
            if (p.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: false) != true) continue;
            schema.Required.Add(p.Name);
            if (properties.TryGetValue(p.Name, out var s) && s is OpenApiSchema { Type: { } t } inline)
                inline.Type = t & ~JsonSchemaType.Null;
        }
    }

    private const string WorkflowMarker = "x-approvals-workflow-definition";

    /// <summary>Every property marked by <see cref="WorkflowDefinitionAttribute"/> becomes "a workflow definition or null".</summary>
    private static void ReferenceWorkflowDefinitions(OpenApiDocument document)
    {
        foreach (var component in (document.Components?.Schemas?.Values ?? []).OfType<OpenApiSchema>())
            foreach (var (name, property) in (component.Properties ?? new Dictionary<string, IOpenApiSchema>()).ToList())
                if (property is OpenApiSchema { Extensions: { } marks } && marks.ContainsKey(WorkflowMarker))
                    component.Properties![name] = new OpenApiSchema
                    {
                        AnyOf = [new OpenApiSchemaReference(WorkflowDefinitionSchema, document), new OpenApiSchema { Type = JsonSchemaType.Null }],
                        Description = "A workflow definition (JSON Schema: GET /api/schema/workflow.json).",
                    };
    }

    private static Task TransformOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // Anonymous routes need no token: an empty requirement list overrides the document-wide bearer requirement.
        if (metadata.OfType<IAllowAnonymous>().Any())
            operation.Security = [];
        if (metadata.OfType<WorkflowDefinitionAttribute>().Any())
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "A workflow definition (JSON Schema: GET /api/schema/workflow.json), or an Elsa 3 workflow-definition document.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            AnyOf = [new OpenApiSchemaReference(WorkflowDefinitionSchema), new OpenApiSchemaReference(ElsaDefinitionSchema)],
                        },
                    },
                },
            };
        if (metadata.OfType<ElsaDocumentAnswerAttribute>().Any()
            && operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse { Content: { } content }
            && content.TryGetValue("application/json", out var json))
            json.Schema = new OpenApiSchemaReference(ElsaDefinitionSchema);
        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Auth"] = "Signing in: a bearer access token for every other call.",
        ["Cases"] = "Cases routed through a workflow's reviewer stages, with their audit trail.",
        ["Tasks"] = "The reviewer's inbox: tasks to decide, claim or hand on.",
        ["Workflows"] = "Workflow definitions: drafts, validation, published versions and the definition JSON Schema.",
        ["Directory"] = "Users and groups (administrators).",
        ["Calendars"] = "Business-hours calendars that timers count working time on (administrators).",
        ["Health"] = "Liveness of the server and its database.",
        ["Email"] = "Replies to task emails handed over by a relay service (shared secret, no bearer token).",
    };

    private static Task TransformDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = "Approvals API";
        document.Info.Description = "Approval workflows: definitions, cases routed through reviewer stages, tasks, audit. "
            + "Every error is application/problem+json with an `errors` list naming the field, JSON path or activity at fault.";
        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The accessToken of POST /api/auth/token.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        AddWorkflowSchema(document);
        ReferenceWorkflowDefinitions(document);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The workflow JSON Schema (draft-07, served at <c>/api/schema/workflow.json</c>) as components:
    /// <c>WorkflowDefinition</c> and one <c>Workflow*</c> schema per definition, its references rewritten.
    /// </summary>
    private static void AddWorkflowSchema(OpenApiDocument document)
    {
        var root = JsonNode.Parse(WorkflowSchema.Json)!.AsObject();
        var definitions = root["definitions"]?.AsObject() ?? [];
        root.Remove("definitions");
        root.Remove("$schema");
        root.Remove("$id");
        var schemas = new Dictionary<string, JsonNode> { [WorkflowDefinitionSchema] = root };
        foreach (var (name, definition) in definitions.ToList())
            schemas[WorkflowPartName(name)] = definition!.DeepClone();
        // What the import reads of an Elsa 3 document; everything else in it is kept or ignored (docs/workflow-format.md).
        schemas[ElsaDefinitionSchema] = JsonNode.Parse("""
            {"type": "object", "required": ["root"],
             "description": "An Elsa 3 workflow-definition document as Elsa Studio 3.x exports it (root.type Elsa.Flowchart).",
             "properties": {
               "definitionId": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
               "version": {"type": "integer"}, "inputs": {"type": "array", "items": {"type": "object"}},
               "customProperties": {"type": "object"},
               "root": {"type": "object", "required": ["type"], "properties": {
                 "type": {"type": "string", "enum": ["Elsa.Flowchart"]},
                 "activities": {"type": "array", "items": {"type": "object", "required": ["id", "type"],
                   "properties": {"id": {"type": "string"}, "type": {"type": "string"}}}},
                 "connections": {"type": "array", "items": {"type": "object"}}}}}}
            """)!;
        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, node) in schemas)
        {
            RewriteReferences(node);
            var schema = OpenApiModelFactory.Parse<OpenApiSchema>(node.ToJsonString(), OpenApiSpecVersion.OpenApi3_1, document, out _, "json")
                ?? throw new InvalidOperationException($"The workflow schema part {name} cannot be read as an OpenAPI schema.");
            document.Components.Schemas[name] = schema;
        }
    }

    private static string WorkflowPartName(string definition) => "Workflow" + char.ToUpperInvariant(definition[0]) + definition[1..];

    private static void RewriteReferences(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"] is JsonValue v && v.TryGetValue<string>(out var target) && target.StartsWith("#/definitions/", StringComparison.Ordinal))
                    o["$ref"] = "#/components/schemas/" + WorkflowPartName(target["#/definitions/".Length..]);
                foreach (var (_, child) in o.ToList())
                    if (child is not null) RewriteReferences(child);
                break;
            case JsonArray a:
                foreach (var child in a)
                    if (child is not null) RewriteReferences(child);
                break;
        }
    }
}
