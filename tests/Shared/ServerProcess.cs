using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Approvals.Testing;

/// <summary>
/// One <c>dotnet Approvals.Server.dll</c> on 127.0.0.1 and a free port, on PostgreSQL, with the examples
/// (demo users) loaded; shared by the benchmarks and the multi-process tests (linked into both projects). Its output is counted as it comes (timer firings, lost write races, warnings and
/// errors) and the last lines are kept. Killed, with its children, on dispose.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    /// <summary>A signing key for this throwaway server only.</summary>
    private const string SigningKey = "benchmark-signing-key-for-a-throwaway-server-only-0123456789";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly string _workDir;
    private readonly StreamWriter? _log;
    private readonly ConcurrentQueue<string> _notable = new();
    private int _fired, _races, _warnings, _errors;

    public ServerProcess(string serverBin, string connectionString, IReadOnlyDictionary<string, string>? settings = null,
        string? logFile = null, string name = "server")
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{SmtpRelay.FreePort()}");
        _workDir = System.IO.Directory.CreateTempSubdirectory("approvals-bench-server.").FullName;
        if (logFile is not null) _log = new StreamWriter(logFile) { AutoFlush = false };
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(serverBin, "Approvals.Server.dll"), "--urls", BaseAddress.ToString().TrimEnd('/'), "--contentRoot", serverBin })
            start.ArgumentList.Add(arg);
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__Provider"] = "PostgreSql";
        start.Environment["ConnectionStrings__Approvals"] = connectionString;
        start.Environment["Examples__Load"] = "true";
        start.Environment["Examples__Path"] = Path.Combine(Repository.Root, "workflows");
        start.Environment["Auth__SigningKey"] = SigningKey;
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    /// <summary>Timers fired here, summed from the "Fired N timer(s) of case ..." lines.</summary>
    public int Fired => Volatile.Read(ref _fired);

    /// <summary>"lost a write race" lines (logged at Debug by the case store when Debug is on for it).</summary>
    public int LostRaces => Volatile.Read(ref _races);

    public int Warnings => Volatile.Read(ref _warnings);

    public int Errors => Volatile.Read(ref _errors);

    /// <summary>The first few warning and error lines as the server wrote them, so a count in a report can be read.</summary>
    public IReadOnlyList<string> FirstWarningsAndErrors => [.. _notable];

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id (the dotnet host running Approvals.Server.dll), for RSS and CPU readings.</summary>
    public int ProcessId => _process.Id;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    private void Keep(string? line)
    {
        if (line is null) return;
        // "Fired 20 timer(s) of case ...": one line per job that took effect, with how many timers it fired.
        var at = line.IndexOf("Fired ", StringComparison.Ordinal);
        if (at >= 0 && line.IndexOf(" timer(s) of case", at, StringComparison.Ordinal) is var end and > 0
            && int.TryParse(line.AsSpan(at + 6, end - at - 6), out var count))
            Interlocked.Add(ref _fired, count);
        else if (line.Contains("lost a write race", StringComparison.Ordinal)) Interlocked.Increment(ref _races);
        else if (line.Contains(" warn: ", StringComparison.Ordinal)) Notable(line, ref _warnings);
        else if (line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal)) Notable(line, ref _errors);
        if (_log is not null) lock (_log) _log.WriteLine(line);
        _tail.Enqueue(line);
        while (_tail.Count > 200 && _tail.TryDequeue(out _)) { }
    }

    private void Notable(string line, ref int count)
    {
        Interlocked.Increment(ref count);
        if (_notable.Count < 5) _notable.Enqueue(line);
    }

    public string Tail(int lines = 30) => string.Join('\n', _tail.TakeLast(lines));

    public async Task WaitHealthyAsync(TimeSpan limit, CancellationToken ct = default)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited) throw new InvalidOperationException($"Server {Name} exited ({_process.ExitCode}) before it was healthy:\n{Tail()}");
            try
            {
                if ((await http.GetAsync("/healthz", ct)).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // not listening yet
            }
            if (clock.Elapsed > limit) throw new TimeoutException($"Server {Name} was not healthy within {limit.TotalSeconds} s:\n{Tail()}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>An HTTP client for this server signed in as <paramref name="email"/>.</summary>
    public async Task<HttpClient> SignInAsync(string email, string password, CancellationToken ct)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var response = await client.PostAsJsonAsync("/api/auth/token", new { email, password }, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{email} cannot sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        var token = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["accessToken"]!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        _process.Dispose();
        if (_log is not null) lock (_log) _log.Dispose();
        try { System.IO.Directory.Delete(_workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
