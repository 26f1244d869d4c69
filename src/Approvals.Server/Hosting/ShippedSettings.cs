using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Approvals.Server.Hosting;

/// <summary>
/// <c>appsettings.json</c> ships beside the server's dll, and ASP.NET Core reads it from the content root, which is the
/// working directory. A server started from anywhere else (a service manager, a container whose working directory is
/// not the app's, the benchmark) found none and lost its defaults: EF Core then logged every statement it ran, the
/// inbox's 12 KB text included, at Information. When the content root has no such file, the one beside the dll is
/// read in its place, below the environment and the command line as ever. The browser app (<c>wwwroot</c>, beside the
/// dll in a published server) is found the same way.
/// </summary>
internal static class ShippedSettings
{
    public static void AddTo(WebApplicationBuilder builder)
    {
        var root = Path.GetFullPath(builder.Environment.ContentRootPath);
        var shipped = Path.GetFullPath(AppContext.BaseDirectory);
        if (string.Equals(root.TrimEnd(Path.DirectorySeparatorChar), shipped.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)) return;
        var sources = builder.Configuration.Sources;
        foreach (var name in new[] { "appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json" })
        {
            if (File.Exists(Path.Combine(root, name)) || !File.Exists(Path.Combine(shipped, name))) continue;
            var at = sources.ToList().FindIndex(s => s is JsonConfigurationSource json && json.Path == name);
            if (at < 0) continue; // not a source of this host: nothing to stand in for
            sources.Insert(at + 1, new JsonConfigurationSource { Path = name, Optional = true, FileProvider = new PhysicalFileProvider(shipped) });
        }
    }

    /// <summary>
    /// The web root follows the content root, so a published server started from another working directory served no
    /// browser app ("The WebRootPath was not found"). When neither <c>--webroot</c> nor <c>ASPNETCORE_WEBROOT</c> names
    /// one and the content root has no <c>wwwroot</c>, the one shipped beside the dll is served. Must run before the
    /// static files middleware and the app's fallback read the environment's file provider.
    /// </summary>
    public static void UseShippedWebRoot(WebApplication app)
    {
        if (!string.IsNullOrEmpty(app.Configuration[WebHostDefaults.WebRootKey])) return;
        var env = app.Environment;
        if (env.WebRootPath is { Length: > 0 } current && Directory.Exists(current)) return;
        var shipped = Path.Combine(Path.GetFullPath(AppContext.BaseDirectory), "wwwroot");
        if (!Directory.Exists(shipped)) return;
        env.WebRootPath = shipped;
        env.WebRootFileProvider = new PhysicalFileProvider(shipped);
    }
}
