using System.Text.Json;
using System.Text.RegularExpressions;
using Approvals.Engine.Runtime;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Http;

/// <summary>Turns every failure the endpoints do not answer themselves into a problem with an <c>errors</c> list.</summary>
public static partial class ProblemHandling
{
    public static IServiceCollection AddApprovalsProblems(this IServiceCollection services)
    {
        // Binding failures (malformed JSON, missing body, a route value of the wrong type) throw, so the
        // handler below can say which field was at fault instead of answering an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var p = ctx.ProblemDetails;
            p.Title ??= ReasonPhrase(p.Status ?? ctx.HttpContext.Response.StatusCode);
            if (p.Detail is null && (p.Status ?? ctx.HttpContext.Response.StatusCode) is var status)
                p.Detail = status switch
                {
                    StatusCodes.Status401Unauthorized => "Sign in first: send Authorization: Bearer <accessToken> from POST /api/auth/token.",
                    StatusCodes.Status403Forbidden => "Your roles do not allow this.",
                    StatusCodes.Status404NotFound => $"There is nothing at {ctx.HttpContext.Request.Method} {ctx.HttpContext.Request.Path}.",
                    StatusCodes.Status405MethodNotAllowed => $"{ctx.HttpContext.Request.Method} is not allowed on {ctx.HttpContext.Request.Path}.",
                    _ => null,
                };
            p.Extensions.Remove("traceId");
            p.Extensions.Remove("exception");
            if (!p.Extensions.ContainsKey(Problems.ErrorsKey))
                p.Extensions[Problems.ErrorsKey] = new[] { new ApiError(null, p.Detail ?? p.Title ?? "Error") };
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } s ? s : "Error";

    /// <summary>Bad requests become 400 problems naming the field; anything else a bare 500 without internals.</summary>
    internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> log) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            ProblemDetails details;
            if (exception is EngineRefusal refusal)
            {
                details = DetailsOf(refusal);
            }
            else if (exception is RequestInvalid invalid)
            {
                details = Problems.Details(StatusCodes.Status400BadRequest, invalid.Message,
                    invalid.Errors.Count == 1 ? invalid.Errors[0].Message : $"{invalid.Errors.Count} problems were found.", invalid.Errors);
            }
            else if (exception is RequestUnprocessable unprocessable)
            {
                details = Problems.Details(StatusCodes.Status422UnprocessableEntity, "Unprocessable request", unprocessable.Message,
                    [new ApiError(unprocessable.Field, unprocessable.Message, unprocessable.Code)]);
            }
            else if (exception is RequestConflict conflict)
            {
                details = Problems.Details(StatusCodes.Status409Conflict, conflict.Message,
                    conflict.Errors.Count == 1 ? conflict.Errors[0].Message : $"{conflict.Errors.Count} problems were found.", conflict.Errors);
            }
            else if (exception is BadHttpRequestException bad)
            {
                var (field, message) = Describe(bad);
                var title = bad.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Unsupported media type" : "The request is not valid.";
                details = Problems.Details(bad.StatusCode, title, message,
                    [new ApiError(field, message, bad.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "unsupported-media-type" : "bad-request")]);
                log.LogInformation("Bad request on {Method} {Path}: {Field}", http.Request.Method, http.Request.Path, field);
            }
            else if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            {
                return true; // the client has gone; nobody reads the answer
            }
            else
            {
                log.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
                details = Problems.Details(StatusCodes.Status500InternalServerError, "Internal error",
                    "The server failed to answer this request. Nothing was changed unless a later read shows otherwise.");
            }
            http.Response.StatusCode = details.Status!.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = null });
        }

        /// <summary>The one mapping of a domain refusal to its problem: 404, 403, 409 or 400 naming the field.</summary>
        internal static ProblemDetails DetailsOf(EngineRefusal r) => r.Kind switch
        {
            RefusalKind.NotFound => Problems.Details(StatusCodes.Status404NotFound, "Not found", r.Message),
            RefusalKind.Forbidden => Problems.Details(StatusCodes.Status403Forbidden, "Forbidden", r.Message),
            RefusalKind.Conflict => Problems.Details(StatusCodes.Status409Conflict, "Conflict", r.Message),
            _ => Problems.Details(StatusCodes.Status400BadRequest, "The request is not valid.", r.Message, [new ApiError(r.Field, r.Message)]),
        };

        private static (string? Field, string Message) Describe(BadHttpRequestException bad)
        {
            if (bad.InnerException is DuplicateKeyException duplicate)
            {
                var at = (string.IsNullOrEmpty(duplicate.Path) ? "$" : duplicate.Path) + duplicate.Inner;
                return (at, $"The body is not valid for this request at {at}: {Clean(duplicate.Message)}");
            }
            if (bad.InnerException is JsonException json)
            {
                var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
                return (path, $"The body is not valid JSON for this request at {path}: {Clean(json.Message)}");
            }
            var m = ParameterPattern().Match(bad.Message);
            var name = m.Success ? m.Groups["name"].Value : null;
            if (bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && bad.Message.StartsWith("Required", StringComparison.Ordinal))
                return ("body", "A JSON body is required.");
            if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
                return ("Content-Type", bad.Message.StartsWith("The body's media type", StringComparison.Ordinal) ? bad.Message : "Send the body as application/json.");
            if (bad.Message.Contains("Content-Type", StringComparison.OrdinalIgnoreCase))
                return ("Content-Type", "Send the body as application/json.");
            if (BindPattern().Match(bad.Message) is { Success: true } bind)
                return (bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not a valid value for {bind.Groups["name"].Value}.");
            return (name, bad.Message);
        }

        // System.Text.Json messages end with internal details (line numbers, .NET type names); keep the sentence.
        private static string Clean(string message)
        {
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            return cut > 0 ? message[..cut] : message;
        }

        [GeneratedRegex("^Failed to bind parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\" from \"(?<value>[^\"]*)\"")]
        private static partial Regex BindPattern();

        [GeneratedRegex("parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\"")]
        private static partial Regex ParameterPattern();
    }
}
