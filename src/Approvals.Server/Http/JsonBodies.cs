using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Matching;

namespace Approvals.Server.Http;

/// <summary>
/// What a request body may be. A request that carries no body needs no Content-Type (a bodiless POST such as
/// withdraw or claim just works); a body must be JSON unless the endpoint declares other media types, and
/// anything else is a 415 problem. This runs after authentication and authorization, so an anonymous call
/// is told 401 before its body is looked at.
/// </summary>
public static class JsonBodies
{
    /// <summary>
    /// Routing's content-type policy would drop an endpoint whose body type does not match and let the
    /// request fall through to the <c>/api</c> fallback, answering 404 for a route that exists. Without it the
    /// endpoint is found and <see cref="UseJsonBodies"/> answers 415.
    /// </summary>
    public static IServiceCollection WithoutContentTypeRouting(this IServiceCollection services)
    {
        var policies = services.Where(d => d.ServiceType == typeof(MatcherPolicy) && d.ImplementationType?.Name == "AcceptsMatcherPolicy").ToList();
        foreach (var p in policies) services.Remove(p);
        return services;
    }

    public static IApplicationBuilder UseJsonBodies(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var request = http.Request;
        var hasBody = http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? (request.ContentLength > 0);
        if (hasBody && request.Path.StartsWithSegments("/api") && !Accepted(http))
            throw new BadHttpRequestException(
                $"The body's media type '{request.ContentType ?? "(none)"}' is not accepted here; send application/json.",
                StatusCodes.Status415UnsupportedMediaType);
        await next(http);
    });

    private static bool Accepted(HttpContext http)
    {
        var declared = http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes;
        if (declared is { Count: > 0 } && !declared.Any(IsJson))
            return declared.Any(t => MediaTypeIs(http.Request.ContentType, t));
        return http.Request.HasJsonContentType();
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static bool MediaTypeIs(string? contentType, string mediaType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals(mediaType, StringComparison.OrdinalIgnoreCase);
}
