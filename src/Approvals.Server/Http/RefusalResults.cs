using Approvals.Engine.Runtime;

namespace Approvals.Server.Http;

/// <summary>A request that breaks several rules at once; nothing was changed.</summary>
public sealed class RequestInvalid(string title, IReadOnlyList<ApiError> errors) : Exception(title)
{
    public IReadOnlyList<ApiError> Errors { get; } = errors;

    public static RequestInvalid Field(string field, string message) => new(message, [new ApiError(field, message)]);

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

public static class RefusalResults
{
    /// <summary>
    /// Runs an endpoint's work and turns the refusals of the engine and of request validation into
    /// problem details. Anything else is a fault and goes to the global handler.
    /// </summary>
    public static async Task<IResult> Run(Func<Task<IResult>> work)
    {
        try
        {
            return await work();
        }
        catch (EngineRefusal r)
        {
            return From(r);
        }
        catch (RequestInvalid r)
        {
            return Problems.BadRequest(r.Message, r.Errors);
        }
    }

    public static IResult From(EngineRefusal r) => r.Kind switch
    {
        RefusalKind.NotFound => Problems.NotFound(r.Message),
        RefusalKind.Forbidden => Problems.Forbidden(r.Message),
        RefusalKind.Conflict => Problems.Conflict(r.Message),
        _ => Problems.BadRequest(r.Message, [new ApiError(r.Field, r.Message)]),
    };
}
