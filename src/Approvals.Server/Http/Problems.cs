using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Http;

/// <summary>
/// One fault: the field, JSON path or activity at fault, a sentence for people, and a stable code; <see cref="Line"/> and
/// <see cref="Column"/> (1-based, only present for faults in a text such as a template) say where in it.
/// </summary>
public sealed record ApiError(string? Field, string Message, string? Code = null, string? ActivityId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Line = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Column = null);

/// <summary>
/// The body of every error answer (RFC 7807 <c>application/problem+json</c>) as the OpenAPI document shows it;
/// the answers themselves are written from <see cref="ProblemDetails"/> by <see cref="ProblemHandling"/>.
/// </summary>
[SchemaName("Problem")]
public sealed record ProblemBody(
    string Title,
    int Status,
    IReadOnlyList<ApiError> Errors,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Instance = null);

/// <summary>
/// Every error answer is RFC 7807 <c>application/problem+json</c> with an <c>errors</c> list holding at least
/// one <see cref="ApiError"/>.
/// </summary>
public static class Problems
{
    public const string ErrorsKey = "errors";
    public const string ContentType = "application/problem+json";

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(Details(StatusCodes.Status404NotFound, "Not found", detail));

    public static ProblemHttpResult Unauthorized(string detail) => TypedResults.Problem(Details(StatusCodes.Status401Unauthorized, "Unauthorized", detail));

    public static ProblemDetails Details(int status, string title, string? detail, IReadOnlyList<ApiError>? errors = null)
    {
        var p = new ProblemDetails { Status = status, Title = title, Detail = detail };
        p.Extensions[ErrorsKey] = errors is { Count: > 0 } ? errors : [new ApiError(null, detail ?? title)];
        return p;
    }

    /// <summary>
    /// Declares the error answers of an endpoint (or of every endpoint of a group) with the real problem shape,
    /// so the OpenAPI document lists them: 400 invalid, 401 signed out, 403 not allowed, 404 missing,
    /// 409 conflicting state, 415 not JSON, 422 reused idempotency key.
    /// </summary>
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemBody), [ContentType]));
        return builder;
    }
}
