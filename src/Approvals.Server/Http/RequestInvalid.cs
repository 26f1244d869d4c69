namespace Approvals.Server.Http;

/// <summary>A request that breaks several rules at once; nothing was changed. Answered as a 400 problem.</summary>
public sealed class RequestInvalid(string title, IReadOnlyList<ApiError> errors) : Exception(title)
{
    public IReadOnlyList<ApiError> Errors { get; } = errors;

    public static RequestInvalid Field(string field, string message, string? code = null) => new(message, [new ApiError(field, message, code)]);

    /// <summary>
    /// An optional enum filter from the query string (any letter case, names only): its canonical name,
    /// null when absent, or a refusal naming <paramref name="field"/> and the allowed values.
    /// </summary>
    public static string? EnumFilter<T>(string? value, string field, string what) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && !int.TryParse(value, out _)) return parsed.ToString();
        throw Field(field, $"'{value}' is not {what}: {string.Join(", ", Enum.GetNames<T>())}.");
    }
}

/// <summary>
/// A well-formed request the server will not process as sent (422): an <c>Idempotency-Key</c> reused for a
/// different request. Nothing was changed.
/// </summary>
public sealed class RequestUnprocessable(string field, string message, string code = "idempotency-key-reused") : Exception(message)
{
    public string Field { get; } = field;
    public string Code { get; } = code;
}

/// <summary>A request the current state of things does not allow, naming each reason (409); nothing was changed.</summary>
public sealed class RequestConflict(string title, IReadOnlyList<ApiError> errors) : Exception(title)
{
    public IReadOnlyList<ApiError> Errors { get; } = errors;
}
