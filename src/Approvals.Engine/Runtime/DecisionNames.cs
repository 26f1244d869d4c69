namespace Approvals.Engine.Runtime;

/// <summary>The wire names of decisions: <c>approve</c>, <c>reject</c>, <c>request-changes</c>.</summary>
public static class DecisionNames
{
    public static string Of(Decision d) => d switch
    {
        Decision.Approve => "approve",
        Decision.Reject => "reject",
        _ => "request-changes",
    };

    public static bool TryParse(string? text, out Decision decision)
    {
        decision = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "approve": case "approved": decision = Decision.Approve; return true;
            case "reject": case "rejected": decision = Decision.Reject; return true;
            case "request-changes": case "requestchanges": case "changes": decision = Decision.RequestChanges; return true;
            default: return false;
        }
    }
}
