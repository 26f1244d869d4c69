namespace Approvals.Engine.Model;

/// <summary>One node of a flowchart. Each activity type is a small record described by its inputs.</summary>
public abstract record Activity(string Id, string? Name)
{
    public abstract string Type { get; }

    /// <summary>The ports a connection may leave from.</summary>
    public abstract IReadOnlyList<string> OutPorts { get; }

    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Id : Name!;
}

public static class Ports
{
    public const string In = "In";
    public const string Done = "Done";
    public const string Approved = "Approved";
    public const string Rejected = "Rejected";
    public const string ChangesRequested = "ChangesRequested";
    public const string True = "True";
    public const string False = "False";
}

public sealed record StartActivity(string Id, string? Name) : Activity(Id, Name)
{
    public override string Type => "Start";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Done];
}

public sealed record ReviewActivity(
    string Id,
    string? Name,
    Assignees Assignees,
    ReviewPolicy Policy,
    IsoDuration? Sla,
    IReadOnlyList<IsoDuration> Reminders,
    IReadOnlyList<Escalation> Escalations,
    string? Calendar,
    string? Template) : Activity(Id, Name)
{
    public override string Type => "Review";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Approved, Ports.Rejected, Ports.ChangesRequested];
}

public sealed record DecisionActivity(string Id, string? Name, string Condition) : Activity(Id, Name)
{
    public override string Type => "Decision";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.True, Ports.False];
}

public sealed record ForkActivity(string Id, string? Name) : Activity(Id, Name)
{
    public override string Type => "Fork";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Done];
}

public sealed record JoinActivity(string Id, string? Name, JoinMode Mode) : Activity(Id, Name)
{
    public override string Type => "Join";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Done];
}

public sealed record NotifyActivity(string Id, string? Name, Recipients To, string Template, string? Subject) : Activity(Id, Name)
{
    public override string Type => "Notify";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Done];
}

public sealed record WaitActivity(string Id, string? Name, IsoDuration Duration, string? Calendar) : Activity(Id, Name)
{
    public override string Type => "Wait";
    public override IReadOnlyList<string> OutPorts { get; } = [Ports.Done];
}

public sealed record EndActivity(string Id, string? Name, CaseOutcome Outcome) : Activity(Id, Name)
{
    public override string Type => "End";
    public override IReadOnlyList<string> OutPorts { get; } = [];
}

public enum JoinMode { All, Any }

public enum CaseOutcome { Approved, Rejected }

public enum PolicyMode { Any, All, Quorum, Sequential }

public sealed record ReviewPolicy(PolicyMode Mode, int? Approvals)
{
    public static readonly ReviewPolicy Default = new(PolicyMode.Any, null);
}

public sealed record Assignees(IReadOnlyList<string> Users, IReadOnlyList<string> Groups, string? Expression, bool RequesterManager)
{
    public bool IsEmpty => Users.Count == 0 && Groups.Count == 0 && Expression is null && !RequesterManager;
}

/// <summary>Who a notification or an escalation is for.</summary>
public sealed record Recipients(
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Groups,
    bool Requester = false,
    bool RequesterManager = false,
    bool Assignee = false,
    bool AssigneeManager = false,
    string? Expression = null)
{
    public static readonly Recipients None = new([], []);

    public bool IsEmpty => Users.Count == 0 && Groups.Count == 0 && !Requester && !RequesterManager && !Assignee && !AssigneeManager && Expression is null;
}

public enum EscalationAction { Notify, Reassign, AddReviewers, Decide }

public sealed record Escalation(IsoDuration After, EscalationAction Action, Recipients To, CaseOutcome? Outcome, string? Template);
