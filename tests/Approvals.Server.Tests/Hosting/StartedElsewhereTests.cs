using System.Collections.Concurrent;
using System.Diagnostics;
using Approvals.Testing;

namespace Approvals.Server.Tests.Hosting;

/// <summary>
/// The built server started the way a service manager starts it: <c>dotnet /opt/.../Approvals.Server.dll</c> from a
/// working directory that is not the app's. Its shipped <c>appsettings.json</c> still applies.
/// </summary>
public sealed class StartedElsewhereTests
{
    [Fact]
    public async Task StartedFromAnotherFolder_KeepsItsShippedSettings_NoStatementInTheLog()
    {
        var work = Directory.CreateTempSubdirectory("approvals-elsewhere.").FullName;
        var address = $"http://127.0.0.1:{SmtpRelay.FreePort()}";
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(Repository.ServerBin(null), "Approvals.Server.dll"), "--urls", address }) start.ArgumentList.Add(arg);
        start.Environment.Remove("ASPNETCORE_URLS");
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
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/tasks")).StatusCode);

            // Migrations ran and a request was served: with the shipped settings EF Core logs none of its statements.
            Assert.Contains(output, l => l.Contains("Database ready", StringComparison.Ordinal));
            Assert.DoesNotContain(output, l => l.Contains("Executed DbCommand", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(work, "data", "approvals.db")), "the embedded database lives under the working directory, as the README says");
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
