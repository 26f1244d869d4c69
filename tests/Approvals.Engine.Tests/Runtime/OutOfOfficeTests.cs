using Approvals.Engine.Model;
using Approvals.Engine.Runtime;
using Approvals.Engine.Tests.Support;

namespace Approvals.Engine.Tests.Runtime;

public class OutOfOfficeTests
{
    private const string A = "a@example.org", B = "b@example.org", C = "c@example.org";
    private static readonly DateTimeOffset From = CaseDriver.T0.AddDays(-1), Until = CaseDriver.T0.AddDays(7);

    private static WorkflowDefinition ReviewBy(string users, string mode = "any") =>
        Definitions.SingleReview("\"assignees\": {\"users\": [" + users + "]}, \"policy\": {\"mode\": \"" + mode + "\"}");

    private static DirectorySnapshot Away(params (string Who, string Delegate)[] absences)
    {
        var directory = new DirectorySnapshot();
        foreach (var (who, to) in absences) directory.SetAbsence(who, From, Until, to);
        return directory;
    }

    [Fact]
    public void Start_AssigneeOutOfOffice_TaskGoesToDelegateWithAudit()
    {
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), Away((A, B)));

        Assert.Equal(B, Assert.Single(driver.Open).Assignee);
        var delegated = Assert.Single(driver.AuditOf(AuditActions.TaskDelegated));
        Assert.Equal("out-of-office", (string)delegated.Details!["reason"]!);
        Assert.Equal(A, (string)delegated.Details["from"]!);
        Assert.Contains(driver.Last.Effects, e => e is NotificationRequested n && n.To.Contains(B));
    }

    [Fact]
    public void Start_ChainOfAbsences_EndsWithTheFirstPersonPresent()
    {
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), Away((A, B), (B, C)));

        Assert.Equal(C, Assert.Single(driver.Open).Assignee);
    }

    [Fact]
    public void Start_CircleOfAbsences_TaskStaysWithTheAbsentPersonAndAuditSaysWhy()
    {
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), Away((A, B), (B, A)));

        Assert.Equal(A, Assert.Single(driver.Open).Assignee);
        Assert.Contains("circle", (string)Assert.Single(driver.AuditOf(AuditActions.AbsenceNotCovered)).Details!["why"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DelegateIsTheRequester_TaskStaysWithTheAbsentPerson()
    {
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), Away((A, CaseDriver.Requester)));

        Assert.Equal(A, Assert.Single(driver.Open).Assignee);
        Assert.Contains("requester", (string)Assert.Single(driver.AuditOf(AuditActions.AbsenceNotCovered)).Details!["why"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DelegateAlreadyInTheStage_DoesNotCountTwice()
    {
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\", \"{B}\"", "all"), Away((A, B)));

        Assert.Equal([A, B], driver.Open.Select(t => t.Assignee).Order());
        Assert.Contains("takes part", (string)Assert.Single(driver.AuditOf(AuditActions.AbsenceNotCovered)).Details!["why"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DelegateMayNotDecide_TaskStaysWithTheAbsentPerson()
    {
        var directory = Away((A, B)).SetDeciders([A, C]);

        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), directory);

        Assert.Equal(A, Assert.Single(driver.Open).Assignee);
    }

    [Fact]
    public void Start_AbsenceOverBeforeTheTask_NothingChanges()
    {
        var directory = new DirectorySnapshot().SetAbsence(A, From.AddDays(-10), From, B);

        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), directory);

        Assert.Equal(A, Assert.Single(driver.Open).Assignee);
        Assert.Empty(driver.AuditOf(AuditActions.TaskDelegated));
    }

    [Fact]
    public void CoverAbsence_OpenTaskOfSomeoneNowAway_MovesToTheDelegate()
    {
        var directory = new DirectorySnapshot();
        var driver = CaseDriver.Start(ReviewBy($"\"{A}\"", "all"), directory);
        var task = Assert.Single(driver.Open);
        directory.SetAbsence(A, From, Until, C);

        driver.Apply(new CoverAbsence(task.Id, driver.Now));

        Assert.Equal(C, driver.Task(task.Id).Assignee);
        Assert.Equal("out-of-office", (string)Assert.Single(driver.AuditOf(AuditActions.TaskDelegated)).Details!["reason"]!);
    }
}
