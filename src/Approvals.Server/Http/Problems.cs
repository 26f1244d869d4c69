using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Http;

/// <summary>One fault: the field, JSON path or activity at fault, a sentence for people, and a stable code.</summary>
public sealed record ApiError(string? Field, string Message, string? Code = null, string? ActivityId = null);

/// <summary>
/// Every error answer is RFC 7807 <c>application/problem+json</c> with an <c>errors</c> list holding at least
/// one <see cref="ApiError"/>.
/// </summary>
public static class Problems
{
    public const string ErrorsKey = "errors";

    public static IResult BadRequest(string title, IEnumerable<ApiError> errors)
    {
        var list = errors.ToList();
        if (list.Count == 0) list.Add(new ApiError(null, title));
        return Make(StatusCodes.Status400BadRequest, title, list.Count == 1 ? list[0].Message : $"{list.Count} problems were found.", list);
    }

    public static IResult BadRequest(string field, string message, string? code = null) =>
        BadRequest("The request is not valid.", [new ApiError(field, message, code)]);

    public static IResult NotFound(string detail) => Make(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult Forbidden(string detail) => Make(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static IResult Conflict(string detail) => Make(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult Unauthorized(string detail) => Make(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    private static IResult Make(int status, string title, string detail, IReadOnlyList<ApiError>? errors = null) =>
        TypedResults.Problem(Details(status, title, detail, errors));

    public static ProblemDetails Details(int status, string title, string? detail, IReadOnlyList<ApiError>? errors = null)
    {
        var p = new ProblemDetails { Status = status, Title = title, Detail = detail };
        p.Extensions[ErrorsKey] = errors is { Count: > 0 } ? errors : [new ApiError(null, detail ?? title)];
        return p;
    }
}
