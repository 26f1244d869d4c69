namespace Approvals.Engine.Runtime;

public enum RefusalKind
{
    /// <summary>The task or timer is not part of the case.</summary>
    NotFound,
    /// <summary>The actor may not do this (not theirs, or their own case).</summary>
    Forbidden,
    /// <summary>The case or task is no longer in a state that allows it (already decided, case closed).</summary>
    Conflict,
    /// <summary>The request itself is wrong (a field's value).</summary>
    Invalid,
}

/// <summary>
/// An event the engine will not apply. Nothing changed; the server answers 404/403/409/400 with
/// <see cref="Exception.Message"/> and, where one field is at fault, <see cref="Field"/>.
/// </summary>
public sealed class EngineRefusal(RefusalKind kind, string message, string? field = null) : Exception(message)
{
    public RefusalKind Kind { get; } = kind;
    public string? Field { get; } = field;
}
