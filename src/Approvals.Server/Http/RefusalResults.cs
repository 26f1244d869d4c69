using Approvals.Engine.Runtime;

namespace Approvals.Server.Http;

/// <summary>A request that breaks several rules at once; nothing was changed.</summary>
public sealed class RequestInvalid(string title, IReadOnlyList<ApiError> errors) : Exception(title)
{
    public IReadOnlyList<ApiError> Errors { get; } = errors;

    public static RequestInvalid Field(string field, string message) => new(message, [new ApiError(field, message)]);
}

/// <summary>
/// A well-formed request the server will not process as sent (422): an <c>Idempotency-Key</c> reused for a
/// different request. Nothing was changed.
/// </summary>
public sealed class RequestUnprocessable(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
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
