using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Model;
using Approvals.Engine.Tests.Support;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Tests.Json;

public class ElsaFormatTests
{
    private static readonly string Fixtures = Path.Combine(RepoFiles.Root, "tests", "Approvals.Engine.Tests", "Json", "ElsaFixtures");

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(Fixtures, name));

    public static TheoryData<string> ElsaCoreFixtures() =>
        new(System.IO.Directory.GetFiles(Fixtures, "*.json").Select(Path.GetFileName).Where(n => n != "approval.elsa.json").Order()!);

    public static TheoryData<string> Examples() =>
        new(System.IO.Directory.GetFiles(Path.Combine(RepoFiles.Root, "workflows"), "*.json").Select(Path.GetFileName)
            .Where(n => n != "directory.json").Order()!);

    [Fact]
    public void ValidateAndImport_ElsaStudioApprovalDocument_IsValidInThisEngineForm()
    {
        var (definition, errors, json) = WorkflowValidation.ValidateAndImport(Fixture("approval.elsa.json"));

        Assert.Empty(errors);
        Assert.NotNull(definition);
        Assert.Equal("elsa-vetting", definition.Key);
        Assert.IsType<ReviewActivity>(definition.Find("a1b2c3d4e5f60718"));
        Assert.Equal(JoinMode.All, Assert.IsType<JoinActivity>(definition.Find("7f6e5d4c3b2a1908")).Mode);
        Assert.Equal("case.data.riskScore >= 70", Assert.IsType<DecisionActivity>(definition.Find("3c2b1a0f9e8d7c6b")).Condition);
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.IsType<WaitActivity>(definition.Find("c0ffee0123456789")).Duration.ToTimeSpan());
        Assert.Equal(CaseOutcome.Approved, Assert.IsType<EndActivity>(definition.Find("e1d2c3b4a5968778")).Outcome);
        // The identity stage's Approved port led to two reviews at once: an implicit fork, now written out.
        var fork = Assert.Single(definition.Activities.OfType<ForkActivity>());
        Assert.Equal(2, definition.Connections.Count(c => c.Source.Activity == fork.Id));
        var stored = JsonNode.Parse(json)!;
        Assert.Equal("Flowchart", (string)stored["root"]!["type"]!);
        Assert.Equal(200, (double)stored["root"]!["activities"]![1]!["metadata"]!["designer"]!["position"]!["x"]!);
        Assert.Equal(["candidateName", "riskScore"], stored["inputSchema"]!["required"]!.AsArray().Select(n => (string)n!));
    }

    [Theory]
    [MemberData(nameof(ElsaCoreFixtures))]
    public void ValidateAndImport_ElsaCoreFixture_ReportsEachUnsupportedTypeOnceWithoutCascade(string name)
    {
        var elsa = JsonNode.Parse(Fixture(name))!.AsObject();
        var used = elsa["root"]!["activities"]!.AsArray().Select(a => (string)a!["type"]!).ToHashSet();
        var unsupported = used.Where(t => !ElsaImport.ElsaTypes.ContainsKey(t) && !t.StartsWith(ElsaImport.OwnNamespace, StringComparison.Ordinal)).ToList();

        var (_, errors, _) = WorkflowValidation.ValidateAndImport(Fixture(name));

        var typeErrors = errors.Where(e => e.Code == ErrorCodes.UnknownType).ToList();
        Assert.Equal(unsupported.Order(), typeErrors.Select(e => unsupported.Single(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))).Order());
        Assert.DoesNotContain(errors, e => e.Code is ErrorCodes.Unreachable or ErrorCodes.PortUnconnected or ErrorCodes.PortMultiple
            or ErrorCodes.UnknownPort or ErrorCodes.MissingActivity or ErrorCodes.StartCount);
        Assert.DoesNotContain(errors, e => e.Code == ErrorCodes.Required && e.Path?.Contains("outcome", StringComparison.Ordinal) != true);
    }

    [Fact]
    public void ValidateAndImport_ElsaEndWithoutOutcome_AsksForTheOutcomeOnThatEndOnly()
    {
        var (_, errors, _) = WorkflowValidation.ValidateAndImport(Fixture("decision-merge-join-none.json"));

        var error = Assert.Single(errors);
        Assert.Equal(ErrorCodes.Required, error.Code);
        Assert.Equal("d5b9c2affe09a93b", error.ActivityId);
    }

    [Fact]
    public void Convert_FlatAndNestedConnectionShapes_GiveTheSameFlowchart()
    {
        var flat = JsonNode.Parse(Fixture("workflow4.json"))!.AsObject();
        var nested = flat.DeepClone().AsObject();
        var connections = nested["root"]!["connections"]!.AsArray();
        for (var i = 0; i < connections.Count; i++)
        {
            var c = connections[i]!;
            connections[i] = new JsonObject
            {
                ["source"] = new JsonObject { ["activity"] = (string)c["source"]!, ["port"] = (string)c["sourcePort"]! },
                ["target"] = new JsonObject { ["activity"] = (string)c["target"]!, ["port"] = (string)c["targetPort"]! },
            };
        }

        Assert.True(JsonNode.DeepEquals(ElsaImport.Convert(flat).Definition, ElsaImport.Convert(nested).Definition));
        // 10 connections, plus one from the implicit start and one into each of the three implicit forks
        // (WriteLine1, WriteLine2 and WriteLine3 each lead to two activities from their Done port).
        var converted = ElsaImport.Convert(flat).Definition["root"]!;
        Assert.Equal(14, converted["connections"]!.AsArray().Count);
        Assert.Equal(3, converted["activities"]!.AsArray().Count(a => ElsaConnections.ImplicitOf(a) == ElsaConnections.ImplicitFork));
    }

    [Fact]
    public void Convert_OwnExpressionProperty_IsNotTakenForAWrappedInput()
    {
        var doc = JsonNode.Parse(Fixture("approval.elsa.json"))!.AsObject();
        var review = doc["root"]!["activities"]![2]!.AsObject();
        // This engine's own form inside an Approvals activity: assignees by a JavaScript expression, not wrapped.
        review["assignees"] = new JsonObject { ["expression"] = "case.data.reviewer" };

        var converted = ElsaImport.Convert(doc).Definition["root"]!["activities"]![2]!;

        Assert.Equal("case.data.reviewer", (string)converted["assignees"]!["expression"]!);
        Assert.Equal("any", (string)converted["policy"]!["mode"]!);
        Assert.Equal("P2D", (string)converted["sla"]!);
        Assert.Equal("P1D", (string)converted["reminders"]![0]!);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExportThenImport_ExampleWorkflow_GivesTheSameFlowchart(string name)
    {
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoFiles.Root, "workflows", name)))!.AsObject();

        var elsa = ElsaExport.ToElsa(original, 1);
        var (definition, errors, json) = WorkflowValidation.ValidateAndImport(elsa.ToJsonString());

        Assert.Equal("Elsa.Flowchart", (string)elsa["root"]!["type"]!);
        Assert.Empty(errors);
        Assert.NotNull(definition);
        Assert.Equal(Canonical(original), Canonical(JsonNode.Parse(json)!.AsObject()));
    }

    [Theory]
    [MemberData(nameof(ElsaCoreFixtures))]
    [InlineData("approval.elsa.json")]
    public void ImportExportImport_ElsaDocument_GivesTheSameFlowchart(string name)
    {
        var first = ElsaImport.Convert(JsonNode.Parse(Fixture(name))!.AsObject()).Definition;

        var again = ElsaImport.Convert(ElsaExport.ToElsa(first, 1)).Definition;

        Assert.Equal(Canonical(first), Canonical(again));
    }

    [Fact]
    public void ToElsa_ApprovalDocument_KeepsPositionsAndLeavesImplicitForksImplicit()
    {
        var first = ElsaImport.Convert(JsonNode.Parse(Fixture("approval.elsa.json"))!.AsObject()).Definition;

        var elsa = ElsaExport.ToElsa(first, 4);

        var activities = elsa["root"]!["activities"]!.AsArray();
        Assert.Equal(10, activities.Count);
        Assert.Equal(1100, (double)activities.Single(a => (string)a!["id"]! == "b7a6958473625140")!["metadata"]!["designer"]!["position"]!["x"]!);
        Assert.Equal(2, elsa["root"]!["connections"]!.AsArray().Count(c =>
            (string)c!["source"]!["activity"]! == "a1b2c3d4e5f60718" && (string)c["source"]!["port"]! == "Approved"));
        Assert.Equal("Elsa.Delay", (string)activities.Single(a => (string)a!["id"]! == "c0ffee0123456789")!["type"]!);
        Assert.Equal(4, (int)elsa["version"]!);
    }

    /// <summary>The flowchart's meaning: definition fields, activities by id (durations of waits compared by value), connections as a set.</summary>
    private static string Canonical(JsonObject definition)
    {
        var result = new JsonObject();
        foreach (var field in new[] { "key", "name", "description", "calendar", "inputSchema" })
            result[field] = definition[field]?.DeepClone();
        var activities = new JsonObject();
        foreach (var a in definition["root"]!["activities"]!.AsArray().OfType<JsonObject>().OrderBy(a => (string)a["id"]!, StringComparer.Ordinal))
        {
            var copy = a.DeepClone().AsObject();
            if ((string?)copy["type"] == "Wait" && copy["duration"] is JsonValue d)
                copy["duration"] = IsoDuration.Parse((string)d!).ToTimeSpan().ToString();
            (copy["metadata"] as JsonObject)?.Remove("elsa");
            activities[(string)a["id"]!] = copy;
        }
        result["activities"] = activities;
        result["connections"] = new JsonArray(definition["root"]!["connections"]!.AsArray()
            .Select(c => $"{c!["source"]!["activity"]}:{c["source"]!["port"]}->{c["target"]!["activity"]}")
            .Order(StringComparer.Ordinal).Select(s => (JsonNode?)s).ToArray());
        return Sorted(result)!.ToJsonString();
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    [Fact]
    public void ValidateAndImport_WrappedJsonWithDuplicateKeys_ReportedNotThrown()
    {
        var doc = JsonNode.Parse(Fixture("approval.elsa.json"))!.AsObject();
        doc["root"]!["activities"]![1]!["assignees"] = ElsaInputs.Wrap("Object", "Object", "{\"users\": [\"a@example.org\"], \"users\": [\"b@example.org\"]}");

        var (_, errors, _) = WorkflowValidation.ValidateAndImport(doc.ToJsonString());

        Assert.Contains(errors, e => e.Code == ErrorCodes.InvalidValue && e.ActivityId == "a1b2c3d4e5f60718");
    }

    [Fact]
    public void ValidateAndImport_ForkWithTheSameBranchTwice_Refused()
    {
        var doc = JsonNode.Parse(Fixture("approval.elsa.json"))!.AsObject();
        var connections = doc["root"]!["connections"]!.AsArray();
        connections.Add(connections[1]!.DeepClone());

        var (_, errors, _) = WorkflowValidation.ValidateAndImport(doc.ToJsonString());

        Assert.Contains(errors, e => e.Code == ErrorCodes.PortMultiple);
    }
}
