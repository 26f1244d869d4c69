using System.Text.Json;

namespace Approvals.Server.Http;

/// <summary>The name of this type's schema in the OpenAPI document, when the derived one would not say enough.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class SchemaNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// A string property that only ever holds the names of <see cref="EnumType"/> (kebab-case when
/// <see cref="KebabCase"/>): the document shows it as a string enum, so generated clients get a union type.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfNamesAttribute(Type enumType) : Attribute
{
    public Type EnumType { get; } = enumType;

    public bool KebabCase { get; init; }

    public IReadOnlyList<string> Names =>
        Enum.GetNames(EnumType).Select(n => KebabCase ? JsonNamingPolicy.KebabCaseLower.ConvertName(n) : n).ToList();
}

/// <summary>A JSON property holding a workflow definition: the document references the workflow JSON Schema for it.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class WorkflowDefinitionAttribute : Attribute;

/// <summary>Marks a route whose 200 answer is an Elsa 3 workflow-definition document.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class ElsaDocumentAnswerAttribute : Attribute;
