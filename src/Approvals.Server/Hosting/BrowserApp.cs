using Microsoft.Net.Http.Headers;

namespace Approvals.Server.Hosting;

/// <summary>
/// Serves the browser app (src/Approvals.Web, built into wwwroot/ by the server's build) at <c>/</c>: its
/// static files, and index.html for the app's client-side routes. Server routes always win: the fallback
/// answers only GETs of the app's routes, never under the reserved prefixes, so an unknown <c>/api/...</c>, <c>/openapi/...</c>,
/// <c>/scalar/...</c>, <c>/hangfire/...</c>, <c>/healthz</c> or <c>/email/...</c> never becomes the app's page.
/// </summary>
public static class BrowserApp
{
    private static readonly string[] ServerPrefixes = ["/api", "/openapi", "/scalar", "/hangfire", "/healthz", "/email"];

    // The app's own routes (src/Approvals.Web/src/App.tsx). Only these get index.html, so any other unknown
    // path stays an honest 404 problem instead of a page that says nothing is there with a 200.
    private static readonly string[] ClientPrefixes = ["/inbox", "/tasks", "/cases", "/start", "/workflows", "/dashboard", "/admin"];

    public static bool IsServerPath(PathString path) =>
        ServerPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    public static bool IsClientRoute(PathString path) =>
        !path.HasValue || path.Value == "/" || ClientPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    public static void UseBrowserAppFiles(this WebApplication app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx =>
            {
                // Vite names bundles by content hash: they never change, index.html always may.
                ctx.Context.Response.Headers[HeaderNames.CacheControl] =
                    ctx.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });

    public static void MapBrowserApp(this WebApplication app) =>
        app.MapFallback(async (HttpContext http, IWebHostEnvironment env) =>
        {
            if (IsServerPath(http.Request.Path) || !IsClientRoute(http.Request.Path)
                || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var index = env.WebRootFileProvider.GetFileInfo("index.html");
            if (!index.Exists)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                await http.Response.WriteAsync("The browser app is not built (build src/Approvals.Server with Node.js 20 installed).");
                return;
            }
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            await http.Response.SendFileAsync(index);
        }).AllowAnonymous();
}
