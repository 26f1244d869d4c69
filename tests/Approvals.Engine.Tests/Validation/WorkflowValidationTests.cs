using System.Text.Json.Nodes;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Tests.Validation;

public class WorkflowValidationTests
{
    [Fact]
    public void Validate_ValidDefinition_ReturnsDefinitionAndNoErrors()
    {
        var (definition, errors) = WorkflowValidation.Validate(Flow.Simple().Json);

        Assert.NotNull(definition);
        Assert.Equal("test-flow", definition.Key);
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_KeyOverride_WinsOverTheDocumentKey()
    {
        var (definition, errors) = WorkflowValidation.Validate(Flow.Simple().Json, "from-url");

        Assert.Equal("from-url", definition!.Key);
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_NotJson_ReturnsNoDefinitionAndOneError()
    {
        var (definition, errors) = WorkflowValidation.Validate("{ \"key\": ");

        Assert.Null(definition);
        Assert.Equal(ErrorCodes.InvalidValue, Assert.Single(errors).Code);
    }

    [Theory]
    [InlineData("P1Y")]
    [InlineData("soon")]
    public void Validate_BadDuration_ReportsBadDuration(string duration)
    {
        var json = Flow.Create().Start().Wait("pause", duration).End("end")
            .Connect("start", "Done", "pause").Connect("pause", "Done", "end").Json;

        var (_, errors) = WorkflowValidation.Validate(json);

        var error = Assert.Single(errors);
        Assert.Equal(ErrorCodes.BadDuration, error.Code);
        Assert.Equal("pause", error.ActivityId);
        Assert.Equal("$.root.activities[1].duration", error.Path);
        Assert.Contains(duration, error.Message);
    }

    [Fact]
    public void Validate_DecisionConditionThatDoesNotParse_ReportsBadScript()
    {
        var json = Flow.Create().Start().Decision("big", "case.data.amount >").End("yes").End("no", "Rejected")
            .Connect("start", "Done", "big").Connect("big", "True", "yes").Connect("big", "False", "no").Json;

        var (_, errors) = WorkflowValidation.Validate(json);

        var error = Assert.Single(errors);
        Assert.Equal(ErrorCodes.BadScript, error.Code);
        Assert.Equal("big", error.ActivityId);
        Assert.Equal("$.root.activities[1].condition", error.Path);
    }

    [Fact]
    public void Validate_UnknownType_IsReportedOnceWithoutPortFaultsAroundIt()
    {
        var json = Flow.Create().Start().Add("sign", "Signature").End("end")
            .Connect("start", "Done", "sign").Connect("sign", "Signed", "end").Json;

        var (_, errors) = WorkflowValidation.Validate(json);

        var error = Assert.Single(errors);
        Assert.Equal(ErrorCodes.UnknownType, error.Code);
        Assert.Equal("sign", error.ActivityId);
    }

    [Fact]
    public void Validate_QuorumWithoutApprovals_ReportsRequired()
    {
        var json = Flow.Create().Start().Review("board", new JsonObject { ["policy"] = new JsonObject { ["mode"] = "quorum" } })
            .End("yes").End("no", "Rejected")
            .Connect("start", "Done", "board").Connect("board", "Approved", "yes").Connect("board", "Rejected", "no").Json;

        var (_, errors) = WorkflowValidation.Validate(json);

        var error = Assert.Single(errors);
        Assert.Equal(ErrorCodes.Required, error.Code);
        Assert.Equal("$.root.activities[1].policy.approvals", error.Path);
        Assert.Equal("board", error.ActivityId);
    }

    [Fact]
    public void Validate_FieldAndGraphFaults_AreReportedTogether()
    {
        var json = Flow.Simple().Wait("idle", "P1M").Connect("idle", "Done", "approved").Json;

        var (definition, errors) = WorkflowValidation.Validate(json);

        Assert.NotNull(definition);
        Assert.Contains(errors, e => e.Code == ErrorCodes.BadDuration && e.ActivityId == "idle");
        Assert.Contains(errors, e => e.Code == ErrorCodes.Unreachable && e.ActivityId == "idle");
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Validate_JsonNodeAndString_GiveTheSameErrors()
    {
        var flow = Flow.Simple().Notify("orphan").Connect("review", "Later", "orphan");

        var fromText = WorkflowValidation.Validate(flow.Json).Errors;
        var fromNode = WorkflowValidation.Validate(flow.Build()).Errors;

        Assert.NotEmpty(fromText);
        Assert.Equal(fromText, fromNode);
    }

    [Fact]
    public void Validate_NotAnObject_ReturnsNoDefinition()
    {
        var (definition, errors) = WorkflowValidation.Validate("[]");

        Assert.Null(definition);
        Assert.Equal("$", Assert.Single(errors).Path);
    }
}
