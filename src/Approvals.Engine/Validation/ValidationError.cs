namespace Approvals.Engine.Validation;

/// <summary>One fault of a definition: a stable <paramref name="Code"/>, a sentence for people, and where it is.</summary>
public sealed record ValidationError(string Code, string Message, string? Path = null, string? ActivityId = null);

public static class ErrorCodes
{
    public const string Required = "required";
    public const string InvalidValue = "invalid-value";
    public const string UnknownType = "unknown-type";
    public const string DuplicateId = "duplicate-id";
    public const string MissingActivity = "missing-activity";
    public const string UnknownPort = "unknown-port";
    public const string PortUnconnected = "port-unconnected";
    public const string PortMultiple = "port-multiple";
    public const string Unreachable = "unreachable";
    public const string CannotEnd = "cannot-end";
    public const string BadDuration = "bad-duration";
    public const string BadScript = "bad-script";
    public const string QuorumTooLarge = "quorum-too-large";
    public const string StartCount = "start-count";
    public const string NoEnd = "no-end";
    public const string NoAssignees = "no-assignees";
    public const string UnknownGroup = "unknown-group";
}
