using System.Text.Json.Nodes;
using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public class SimulationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static WorkflowDefinition Vetting() =>
        RepoFiles.ExampleWorkflows().Single(w => w.Name == "personnel-vetting.json").Definition;

    private static SimulationRequest Request(int riskScore, IReadOnlyList<SimulatedDecision> decisions, IsoDuration? advance = null) =>
        new(new Guid("6f1c2a9e-0000-4000-8000-00000000005a"), "hr.officer@example.org", "Dry run",
            new JsonObject { ["candidateName"] = "C", ["nationalId"] = "1", ["position"] = "Guard", ["riskScore"] = riskScore },
            decisions, T0, advance);

    [Fact]
    public void Run_LowRiskAllApproved_FollowsTheFlowToAppointedWithoutSecurityReview()
    {
        var (directory, _) = RepoFiles.DemoDirectory();
        SimulatedDecision[] decisions =
        [
            new("identity", Decision.Approve), new("criminal", Decision.Approve),
            new("affiliations", Decision.Approve), new("affiliations", Decision.Approve), new("affiliations", Decision.Approve),
            new("references", Decision.Approve), new("board", Decision.Approve), new("board", Decision.Approve),
        ];

        var result = Simulation.Run(Vetting(), Request(10, decisions), directory);

        Assert.Equal(CaseStatus.Approved, result.State.Status);
        Assert.Equal("start", result.Path[0]);
        Assert.Equal("appointed", result.Path[^1]);
        Assert.DoesNotContain("security", result.Path);
        var path = result.Path.ToList();
        Assert.True(path.IndexOf("risk") < path.IndexOf("board"));
        Assert.Contains(result.Audit, a => a.Action == AuditActions.CaseCompleted);
        Assert.Contains(result.Notifications, n => n.Event == "TaskAssigned" && n.ActivityId == "identity");
        // The requester hears of the outcome once, when the case ends; the Notify before the end tells the records office.
        Assert.Single(result.Notifications, n => n.To.Contains("hr.officer@example.org") && n.Template == "case-approved");
        var filed = Assert.Single(result.Notifications, n => n.ActivityId == "tell-appointed");
        Assert.Equal(directory.MembersOf("records-office").Order(), filed.To.Order());
        Assert.DoesNotContain("hr.officer@example.org", filed.To);
    }

    [Fact]
    public void Run_DecisionByNamedPerson_DecidesThatPersonsTask()
    {
        var (directory, _) = RepoFiles.DemoDirectory();
        var board = directory.MembersOf("vetting-board");
        SimulatedDecision[] decisions =
        [
            new("identity", Decision.Approve), new("criminal", Decision.Approve),
            new("affiliations", Decision.Approve), new("affiliations", Decision.Approve), new("affiliations", Decision.Approve),
            new("references", Decision.Approve), new("board", Decision.Reject, board[^1], "Not suitable"),
        ];

        var result = Simulation.Run(Vetting(), Request(10, decisions), directory);

        var vote = Assert.Single(result.State.Tasks, t => t.ActivityId == "board" && t.Decision == Decision.Reject);
        Assert.Equal(board[^1], vote.DecidedBy);
        Assert.Equal("Not suitable", vote.Comment);
    }

    [Fact]
    public void Run_AdvanceWithoutDecisions_FiresReminderAndEscalation()
    {
        var (directory, _) = RepoFiles.DemoDirectory();

        var result = Simulation.Run(Vetting(), Request(10, [], IsoDuration.Parse("P4D")), directory);

        Assert.Contains(result.Audit, a => a.Action == AuditActions.ReminderSent);
        Assert.Contains(result.Audit, a => a.Action == AuditActions.Escalated);
        Assert.Equal(T0.AddDays(4), result.At);
        var open = Assert.Single(result.State.OpenTasks);
        Assert.Contains("intake-supervisors", open.CandidateGroups);
    }

    [Fact]
    public void Run_DecisionOnActivityWithoutOpenTask_RefusedWithItsIndex()
    {
        var (directory, _) = RepoFiles.DemoDirectory();

        var refused = Assert.Throws<SimulationRefused>(() =>
            Simulation.Run(Vetting(), Request(10, [new("identity", Decision.Approve), new("board", Decision.Approve)]), directory));

        Assert.Equal(1, refused.Index);
        Assert.Contains("board", refused.Message, StringComparison.Ordinal);
    }
}
