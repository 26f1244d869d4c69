using System.Text.Json.Nodes;
using Approvals.Engine.Json;
using Approvals.Engine.Validation;

namespace Approvals.Engine.Tests.Validation;

public class DefinitionValidatorTests
{
    /// <summary>Reads the flow (which must be free of field faults, so each test sees graph faults only) and validates it.</summary>
    private static IReadOnlyList<ValidationError> Validate(Flow flow)
    {
        var json = flow.Build();
        var (definition, readErrors) = DefinitionReader.Read(json);
        Assert.Empty(readErrors);
        return DefinitionValidator.Validate(definition!, json);
    }

    private static ValidationError Only(IReadOnlyList<ValidationError> errors, string code) =>
        Assert.Single(errors, e => e.Code == code);

    [Fact]
    public void Validate_SimpleFlow_ReturnsNoErrors() => Assert.Empty(Validate(Flow.Simple()));

    [Fact]
    public void Validate_FlowchartWithForkJoinDecisionWaitNotifyAndLoopThroughReview_ReturnsNoErrors()
    {
        var flow = Flow.Create()
            .Start("start").Add("checks", "Fork").Review("criminal").Review("references")
            .Add("gathered", "Join", new JsonObject { ["mode"] = "all" })
            .Decision("risky", "case.data.riskScore >= 70").Wait("cool-off", "P2D")
            .Review("board", new JsonObject
            {
                ["assignees"] = new JsonObject { ["users"] = new JsonArray("a@example.org", "b@example.org") },
                ["policy"] = new JsonObject { ["mode"] = "quorum", ["approvals"] = 2 },
            })
            .Notify("tell-requester").End("approved", "Approved").End("refused", "Rejected")
            .Connect("start", "Done", "checks")
            .Connect("checks", "Done", "criminal")
            .Connect("checks", "Done", "references")
            .Connect("criminal", "Approved", "gathered")
            .Connect("criminal", "Rejected", "refused")
            .Connect("references", "Approved", "gathered")
            .Connect("references", "Rejected", "refused")
            .Connect("gathered", "Done", "risky")
            .Connect("risky", "True", "cool-off")
            .Connect("risky", "False", "approved")
            .Connect("cool-off", "Done", "board")
            .Connect("board", "Approved", "approved")
            .Connect("board", "Rejected", "refused")
            // Back to the parallel checks: a loop, but one that waits for reviewers on every turn.
            .Connect("board", "ChangesRequested", "tell-requester")
            .Connect("tell-requester", "Done", "checks");

        Assert.Empty(Validate(flow));
    }

    [Fact]
    public void Validate_DuplicateActivityId_ReportsDuplicateIdAtSecondOccurrence()
    {
        var error = Only(Validate(Flow.Simple().Wait("review")), ErrorCodes.DuplicateId);

        Assert.Equal("review", error.ActivityId);
        Assert.Equal("$.root.activities[4].id", error.Path);
        Assert.Contains("root.activities[1]", error.Message);
    }

    [Fact]
    public void Validate_NoStart_ReportsStartCountOnly()
    {
        var flow = Flow.Create().Review("review").End("approved").End("rejected", "Rejected")
            .Connect("review", "Approved", "approved").Connect("review", "Rejected", "rejected");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.StartCount, error.Code);
        Assert.Equal("$.root.activities", error.Path);
    }

    [Fact]
    public void Validate_TwoStarts_ReportsStartCountOnTheSecond()
    {
        var flow = Flow.Simple().Start("again").Connect("again", "Done", "review");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.StartCount, error.Code);
        Assert.Equal("again", error.ActivityId);
        Assert.Contains("'start', 'again'", error.Message);
    }

    [Fact]
    public void Validate_ConnectionFromMissingActivity_ReportsMissingActivity()
    {
        var error = Assert.Single(Validate(Flow.Simple().Connect("ghost", "Done", "review")));

        Assert.Equal(ErrorCodes.MissingActivity, error.Code);
        Assert.Equal("$.root.connections[3].source.activity", error.Path);
        Assert.Contains("'ghost'", error.Message);
    }

    [Fact]
    public void Validate_ConnectionToMissingActivity_ReportsMissingActivityButNotUnconnectedPort()
    {
        var flow = Flow.Create().Start().Review("review").End("rejected", "Rejected")
            .Connect("start", "Done", "review")
            .Connect("review", "Approved", "aproved")
            .Connect("review", "Rejected", "rejected");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.MissingActivity, error.Code);
        Assert.Equal("$.root.connections[1].target.activity", error.Path);
        Assert.Equal("review", error.ActivityId);
    }

    [Fact]
    public void Validate_UnknownSourcePort_ReportsUnknownPortNamingTheRealPorts()
    {
        var flow = Flow.Simple().Notify("tell").Connect("review", "ChangesRequested", "tell").Connect("tell", "Finished", "rejected");

        var errors = Validate(flow);

        var error = Only(errors, ErrorCodes.UnknownPort);
        Assert.Equal("tell", error.ActivityId);
        Assert.Equal("$.root.connections[4].source.port", error.Path);
        Assert.Contains("Done", error.Message);
        Assert.Contains(errors, e => e.Code == ErrorCodes.PortUnconnected && e.ActivityId == "tell");
    }

    [Fact]
    public void Validate_TargetPortOtherThanIn_ReportsUnknownPort()
    {
        var flow = Flow.Create().Start().Review("review").End("approved").End("rejected", "Rejected")
            .Connect("start", "Done", "review", targetPort: "Input")
            .Connect("review", "Approved", "approved")
            .Connect("review", "Rejected", "rejected");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.UnknownPort, error.Code);
        Assert.Equal("$.root.connections[0].target.port", error.Path);
        Assert.Equal("review", error.ActivityId);
    }

    [Fact]
    public void Validate_EndWithOutgoingConnection_ReportsUnknownPort()
    {
        var error = Assert.Single(Validate(Flow.Simple().Connect("approved", "Done", "review")));

        Assert.Equal(ErrorCodes.UnknownPort, error.Code);
        Assert.Equal("approved", error.ActivityId);
        Assert.Contains("no out ports", error.Message);
    }

    [Fact]
    public void Validate_SecondConnectionOnDecisionPort_ReportsPortMultiple()
    {
        var flow = Flow.Create().Start().Decision("big").End("approved").End("rejected", "Rejected")
            .Connect("start", "Done", "big")
            .Connect("big", "True", "approved")
            .Connect("big", "True", "rejected")
            .Connect("big", "False", "rejected");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.PortMultiple, error.Code);
        Assert.Equal("$.root.connections[2].source.port", error.Path);
        Assert.Equal("big", error.ActivityId);
    }

    [Fact]
    public void Validate_ActivityWithoutIncomingConnection_ReportsUnreachable()
    {
        var flow = Flow.Simple().Notify("orphan").Connect("orphan", "Done", "approved");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.Unreachable, error.Code);
        Assert.Equal("orphan", error.ActivityId);
        Assert.Equal("$.root.activities[4]", error.Path);
        Assert.Contains("no connection leads to it", error.Message);
    }

    [Fact]
    public void Validate_IslandThatOnlyReachesItself_ReportsEachActivityUnreachable()
    {
        var flow = Flow.Simple().Review("a").Review("b")
            .Connect("a", "Approved", "b").Connect("a", "Rejected", "rejected")
            .Connect("b", "Approved", "approved").Connect("b", "Rejected", "a");

        var errors = Validate(flow);

        Assert.All(errors, e => Assert.Equal(ErrorCodes.Unreachable, e.Code));
        Assert.Equal(["a", "b"], errors.Select(e => e.ActivityId));
        Assert.Contains("no path from Start", errors[0].Message);
    }

    [Theory]
    [InlineData("Approved")]
    [InlineData("Rejected")]
    public void Validate_ReviewDecisionPortUnconnected_ReportsPortUnconnected(string port)
    {
        var flow = Flow.Create().Start().Review("review").End("end")
            .Connect("start", "Done", "review")
            .Connect("review", port == "Approved" ? "Rejected" : "Approved", "end");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.PortUnconnected, error.Code);
        Assert.Equal("review", error.ActivityId);
        Assert.Contains(port, error.Message);
    }

    [Fact]
    public void Validate_ReviewChangesRequestedUnconnected_ReturnsNoErrors()
    {
        // Request-changes then sends the case back to the requester and restarts the stage on resubmit.
        Assert.Empty(Validate(Flow.Simple()));
    }

    [Theory]
    [InlineData("True")]
    [InlineData("False")]
    public void Validate_DecisionPortUnconnected_ReportsPortUnconnected(string port)
    {
        var flow = Flow.Create().Start().Decision("big").End("end")
            .Connect("start", "Done", "big")
            .Connect("big", port == "True" ? "False" : "True", "end");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.PortUnconnected, error.Code);
        Assert.Equal("big", error.ActivityId);
        Assert.Contains(port, error.Message);
    }

    [Theory]
    [InlineData("Fork")]
    [InlineData("Join")]
    [InlineData("Notify")]
    [InlineData("Wait")]
    public void Validate_DonePortUnconnected_ReportsPortUnconnectedAndNothingDownstream(string type)
    {
        var flow = Flow.Create().Start().End("end").Connect("start", "Done", "step");
        flow = type switch
        {
            "Notify" => flow.Notify("step"),
            "Wait" => flow.Wait("step"),
            _ => flow.Add("step", type),
        };

        var errors = Validate(flow);

        var error = Only(errors, ErrorCodes.PortUnconnected);
        Assert.Equal("step", error.ActivityId);
        Assert.Contains("Done", error.Message);
        Assert.DoesNotContain(errors, e => e.Code == ErrorCodes.CannotEnd);
    }

    [Fact]
    public void Validate_StartDoneUnconnected_ReportsPortUnconnected()
    {
        var errors = Validate(Flow.Create().Start().End("end"));

        Assert.Equal("start", Only(errors, ErrorCodes.PortUnconnected).ActivityId);
        Assert.Equal("end", Only(errors, ErrorCodes.Unreachable).ActivityId);
    }

    [Fact]
    public void Validate_ReviewsThatOnlySendEachOtherBack_ReportCannotEndOnceWhereCasesEnter()
    {
        var flow = Flow.Simple().Wait("pause").Review("appeal")
            .Connect("review", "ChangesRequested", "pause")
            .Connect("pause", "Done", "appeal")
            .Connect("appeal", "Approved", "pause")
            .Connect("appeal", "Rejected", "appeal");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.CannotEnd, error.Code);
        Assert.Equal("pause", error.ActivityId);
        Assert.Equal("$.root.activities[4]", error.Path);
        Assert.Contains("'pause', 'appeal'", error.Message);
    }

    [Fact]
    public void Validate_LoopOfNonBlockingActivities_ReportsCannotEnd()
    {
        // The condition sees the same case each time round, so a loop with nobody to wait for never stops.
        var flow = Flow.Create().Start().Decision("again").Notify("nag").End("end")
            .Connect("start", "Done", "again")
            .Connect("again", "True", "nag")
            .Connect("again", "False", "end")
            .Connect("nag", "Done", "again");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.CannotEnd, error.Code);
        Assert.Equal("again", error.ActivityId);
        Assert.Contains("'again', 'nag'", error.Message);
        Assert.Contains("forever", error.Message);
    }

    [Fact]
    public void Validate_SameLoopThroughAWait_ReturnsNoErrors()
    {
        var flow = Flow.Create().Start().Decision("again").Wait("pause").End("end")
            .Connect("start", "Done", "again")
            .Connect("again", "True", "pause")
            .Connect("again", "False", "end")
            .Connect("pause", "Done", "again");

        Assert.Empty(Validate(flow));
    }

    [Fact]
    public void Validate_QuorumLargerThanListedUsers_ReportsQuorumTooLarge()
    {
        var flow = Flow.Create().Start().Review("board", new JsonObject
            {
                ["assignees"] = new JsonObject { ["users"] = new JsonArray("a@example.org", "b@example.org") },
                ["policy"] = new JsonObject { ["mode"] = "quorum", ["approvals"] = 3 },
            })
            .End("approved").End("rejected", "Rejected")
            .Connect("start", "Done", "board").Connect("board", "Approved", "approved").Connect("board", "Rejected", "rejected");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.QuorumTooLarge, error.Code);
        Assert.Equal("board", error.ActivityId);
        Assert.Equal("$.root.activities[1].policy.approvals", error.Path);
    }

    [Fact]
    public void Validate_QuorumWithGroups_IsNotCountedAgainstUsers()
    {
        var flow = Flow.Create().Start().Review("board", new JsonObject
            {
                ["assignees"] = new JsonObject { ["users"] = new JsonArray("a@example.org"), ["groups"] = new JsonArray("board") },
                ["policy"] = new JsonObject { ["mode"] = "quorum", ["approvals"] = 3 },
            })
            .End("approved").End("rejected", "Rejected")
            .Connect("start", "Done", "board").Connect("board", "Approved", "approved").Connect("board", "Rejected", "rejected");

        Assert.Empty(Validate(flow));
    }

    [Fact]
    public void Validate_NoEnd_ReportsNoEndWithoutADeadEndPerActivity()
    {
        var flow = Flow.Create().Start().Review("review")
            .Connect("start", "Done", "review").Connect("review", "Approved", "review").Connect("review", "Rejected", "review");

        var error = Assert.Single(Validate(flow));

        Assert.Equal(ErrorCodes.NoEnd, error.Code);
        Assert.Equal("$.root.activities", error.Path);
    }

    [Fact]
    public void Validate_SeveralFaults_ReportsThemAllAtOnce()
    {
        var flow = Flow.Create().Start("start").Start("start2").Review("review").Review("review")
            .Decision("big").Notify("orphan").End("approved")
            .Connect("start", "Done", "review")
            .Connect("review", "Approved", "big")
            .Connect("big", "True", "approved")
            .Connect("big", "Maybe", "approved")
            .Connect("approved", "Done", "nowhere")
            .Connect("orphan", "Done", "approved");

        var errors = Validate(flow);

        Assert.Contains(errors, e => e.Code == ErrorCodes.DuplicateId && e.ActivityId == "review");
        Assert.Contains(errors, e => e.Code == ErrorCodes.StartCount && e.ActivityId == "start2");
        Assert.Contains(errors, e => e.Code == ErrorCodes.UnknownPort && e.Path == "$.root.connections[3].source.port");
        Assert.Contains(errors, e => e.Code == ErrorCodes.UnknownPort && e.ActivityId == "approved");
        Assert.Contains(errors, e => e.Code == ErrorCodes.MissingActivity && e.Path == "$.root.connections[4].target.activity");
        Assert.Contains(errors, e => e.Code == ErrorCodes.PortUnconnected && e.ActivityId == "review" && e.Message.Contains("Rejected"));
        Assert.Contains(errors, e => e.Code == ErrorCodes.PortUnconnected && e.ActivityId == "big" && e.Message.Contains("False"));
        Assert.Contains(errors, e => e.Code == ErrorCodes.PortUnconnected && e.ActivityId == "start2");
        Assert.Contains(errors, e => e.Code == ErrorCodes.Unreachable && e.ActivityId == "orphan");
        Assert.Equal(9, errors.Count);
    }

    [Fact]
    public void Validate_ConnectionAfterOneTheReaderSkipped_PointsAtItsOwnJsonIndex()
    {
        var json = Flow.Simple().Build();
        var connections = json["root"]!["connections"]!.AsArray();
        connections.Insert(0, new JsonObject { ["source"] = "start" });
        connections.Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = "review", ["port"] = "Later" },
            ["target"] = new JsonObject { ["activity"] = "approved" },
        });
        var (definition, readErrors) = DefinitionReader.Read(json);

        var error = Assert.Single(DefinitionValidator.Validate(definition!, json));

        Assert.NotEmpty(readErrors);
        Assert.Equal("$.root.connections[4].source.port", error.Path);
    }

    [Fact]
    public void Validate_LongChain_IsCheckedWithoutDeepRecursion()
    {
        const int length = 20_000;
        var flow = Flow.Create().Start().End("end").Connect("start", "Done", "n0");
        for (var i = 0; i < length; i++)
            flow.Notify($"n{i}").Connect($"n{i}", "Done", i + 1 < length ? $"n{i + 1}" : "end");
        flow.Connect($"n{length - 1}", "Done", "n0");

        var errors = Validate(flow);

        Assert.Contains(errors, e => e.Code == ErrorCodes.PortMultiple);
        Assert.Contains(errors, e => e.Code == ErrorCodes.CannotEnd && e.ActivityId == "n0");
    }
}
