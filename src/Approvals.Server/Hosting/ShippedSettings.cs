using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Approvals.Server.Hosting;

/// <summary>
/// <c>appsettings.json</c> ships beside the server's dll, and ASP.NET Core reads it from the content root, which is the
/// working directory. A server started from anywhere else (a service manager, a container whose working directory is
/// not the app's, the benchmark) found none and lost its defaults: EF Core then logged every statement it ran, the
/// inbox's 12 KB text included, at Information. When the content root has no such file, the one beside the dll is
/// read in its place, below the environment and the command line as ever.
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
}
