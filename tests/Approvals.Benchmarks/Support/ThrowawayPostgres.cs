using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Approvals.Benchmarks.Support;

/// <summary>
/// A PostgreSQL to benchmark on: the admin connection in <c>APPROVALS_TEST_POSTGRES</c> when set, else a
/// throwaway cluster started the way test.sh starts one (initdb in a temp folder, trust auth, 127.0.0.1
/// and a free port, fsync off), stopped and deleted on dispose. Each benchmark gets its own database in it.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string? _root;
    private readonly string? _bin;
    private readonly string _database;
    private bool _started;

    private ThrowawayPostgres(string adminConnection, string? root, string? bin, bool started)
    {
        AdminConnection = adminConnection;
        _root = root;
        _bin = bin;
        _started = started;
        _database = "approvals_bench_" + Guid.NewGuid().ToString("N")[..12];
    }

    public string AdminConnection { get; }

    /// <summary>Where the server came from, for the report.</summary>
    public string Description { get; private set; } = "";

    /// <summary>The benchmark database (created by <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(AdminConnection) { Database = _database }.ConnectionString;

    public static async Task<ThrowawayPostgres> StartAsync(bool reuseEnvironment, CancellationToken ct)
    {
        if (reuseEnvironment && Environment.GetEnvironmentVariable("APPROVALS_TEST_POSTGRES") is { Length: > 0 } admin)
            return new ThrowawayPostgres(admin, null, null, false) { Description = "APPROVALS_TEST_POSTGRES (" + Host(admin) + ")" };

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => VersionOf(d)).LastOrDefault()
            : null;
        if (bin is null)
            throw new InvalidOperationException("PostgreSQL server binaries were not found (/usr/lib/postgresql/*/bin/initdb): install 'postgresql' or set APPROVALS_TEST_POSTGRES.");

        var root = Directory.CreateTempSubdirectory("approvals-bench-pg.").FullName;
        var pg = new ThrowawayPostgres("", root, bin, false);
        try
        {
            if (IsRoot) await RunAsync("chown", ["postgres", root], ct);
            await RunAsPostgresAsync(Path.Combine(bin, "initdb"), ["-D", Path.Combine(root, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"], ct);
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var port = FreePort(59432 + attempt * 7);
                try
                {
                    await RunAsPostgresAsync(Path.Combine(bin, "pg_ctl"),
                    [
                        "-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "postgres.log"), "-w", "-t", "60",
                        "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                        "start",
                    ], ct);
                }
                catch (InvalidOperationException) when (attempt < 4)
                {
                    continue; // the port was taken between the probe and the start
                }
                var connection = $"Host=127.0.0.1;Port={port};Username=postgres;Password=postgres";
                return new ThrowawayPostgres(connection, root, bin, true)
                {
                    Description = $"throwaway cluster on 127.0.0.1:{port} ({Path.GetFileName(Path.GetDirectoryName(bin))}, fsync=off, synchronous_commit=off)",
                };
            }
            throw new InvalidOperationException("PostgreSQL did not start.");
        }
        catch
        {
            await pg.DisposeAsync();
            throw;
        }
    }

    public async Task CreateDatabaseAsync(CancellationToken ct)
    {
        await using var admin = new NpgsqlConnection(AdminConnection);
        await admin.OpenAsync(ct);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
        await create.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is null)
        {
            // A cluster someone else owns: drop only our database.
            try
            {
                await using var admin = new NpgsqlConnection(AdminConnection);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                Console.Error.WriteLine($"benchmark: could not drop database {_database}: {e.Message}");
            }
            return;
        }
        if (_started || File.Exists(Path.Combine(_root, "data", "postmaster.pid")))
        {
            try
            {
                await RunAsPostgresAsync(Path.Combine(_bin!, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("benchmark: " + e.Message);
            }
            _started = false;
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Task RunAsPostgresAsync(string file, string[] args, CancellationToken ct) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args], ct) : RunAsync(file, args, ct);

    private static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}");
    }

    private static int FreePort(int from)
    {
        for (var port = from; port < from + 500; port++)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken
            }
        }
        throw new InvalidOperationException($"No free TCP port from {from}.");
    }

    private static Version VersionOf(string bin) =>
        Version.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v
        : int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? new Version(major, 0) : new Version(0, 0);

    private static string Host(string connection)
    {
        var b = new NpgsqlConnectionStringBuilder(connection);
        return $"{b.Host}:{b.Port}";
    }
}
