using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Approvals.Testing;

namespace Approvals.Server.Tests.Hosting;

/// <summary>
/// The built server started the way a service manager starts it: <c>dotnet /opt/.../Approvals.Server.dll</c> from a
/// working directory that is not the app's. Its shipped <c>appsettings.json</c> still applies, and a published server
/// still serves the browser app shipped beside it.
/// </summary>
public sealed class StartedElsewhereTests
{
    [Fact]
    public async Task StartedFromAnotherFolder_KeepsItsShippedSettings_NoStatementInTheLog()
    {
        await RunElsewhereAsync(Repository.ServerBin(null), async (http, output, work) =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/tasks")).StatusCode);

            // Migrations ran and a request was served: with the shipped settings EF Core logs none of its statements.
            Assert.Contains(output, l => l.Contains("Database ready", StringComparison.Ordinal));
            Assert.DoesNotContain(output, l => l.Contains("Executed DbCommand", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(work, "data", "approvals.db")), "the embedded database lives under the working directory, as the README says");
        });
    }

    [Fact]
    public async Task PublishedServer_StartedFromAnotherFolder_ServesTheBrowserAppShippedBesideIt()
    {
        // A published server is its dll with the built app in wwwroot/ beside it (dotnet publish copies it there).
        var published = Directory.CreateTempSubdirectory("approvals-published.").FullName;
        try
        {
            CopyFolder(Repository.ServerBin(null), published);
            var wwwroot = Directory.CreateDirectory(Path.Combine(published, "wwwroot")).FullName;
            const string marker = "<title>published app marker</title>";
            await File.WriteAllTextAsync(Path.Combine(wwwroot, "index.html"), $"<!doctype html><html><head>{marker}</head><body></body></html>");
            Directory.CreateDirectory(Path.Combine(wwwroot, "assets"));
            await File.WriteAllTextAsync(Path.Combine(wwwroot, "assets", "app-1234.js"), "console.log('app');");

            await RunElsewhereAsync(published, async (http, output, _) =>
            {
                var page = await http.GetAsync("/inbox");
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains(marker, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                var bundle = await http.GetAsync("/assets/app-1234.js");
                Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
                Assert.Contains("immutable", bundle.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(output, l => l.Contains("WebRootPath was not found", StringComparison.Ordinal));
            });
        }
        finally
        {
            TryDelete(published);
        }
    }

    /// <summary>Starts <c>dotnet {bin}/Approvals.Server.dll</c> in Production from an empty temporary folder and runs <paramref name="body"/> once it is healthy.</summary>
    private static async Task RunElsewhereAsync(string bin, Func<HttpClient, ConcurrentQueue<string>, string, Task> body)
    {
        var work = Directory.CreateTempSubdirectory("approvals-elsewhere.").FullName;
        var address = $"http://127.0.0.1:{SmtpRelay.FreePort()}";
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(bin, "Approvals.Server.dll"), "--urls", address }) start.ArgumentList.Add(arg);
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_WEBROOT");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Examples__Load"] = "false";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        var output = new ConcurrentQueue<string>();
        using var server = new Process { StartInfo = start };
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(5) };
            var healthy = false;
            for (var i = 0; i < 120 && !healthy && !server.HasExited; i++)
            {
                try
                {
                    healthy = (await http.GetAsync("/healthz")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                }
                if (!healthy) await Task.Delay(500);
            }
            Assert.True(healthy, "the server did not become healthy:\n" + string.Join('\n', output.TakeLast(30)));
            await body(http, output, work);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            TryDelete(work);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(from, file);
            // The build's static-assets manifests point into the source tree; a published server has none.
            if (name.Contains("staticwebassets", StringComparison.OrdinalIgnoreCase) || name.Split(Path.DirectorySeparatorChar)[0] == "data") continue;
            File.Copy(file, Path.Combine(to, name));
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
