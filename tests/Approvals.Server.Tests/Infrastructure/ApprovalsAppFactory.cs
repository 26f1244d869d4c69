using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Approvals.Server.Tests.Infrastructure;

public enum StorageProvider { Sqlite, PostgreSql }

/// <summary>
/// The real server on a fresh store: SQLite in a new temp folder, or a new PostgreSQL database created from
/// the admin connection string in <c>APPROVALS_TEST_POSTGRES</c> and dropped on dispose. The examples in the
/// repository's <c>workflows/</c> are loaded; time is a <see cref="FakeTimeProvider"/> (<see cref="Clock"/>).
/// </summary>
public class ApprovalsAppFactory : WebApplicationFactory<Program>
{
    public const string PostgresVariable = "APPROVALS_TEST_POSTGRES";
    public const string SigningKey = "test-signing-key-that-is-long-enough-for-hmac-sha256";
    public const string DemoPassword = "demo1234";

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset IssuedAt)> _tokens = new();
    private readonly string? _tempFolder;
    private bool _keepStore;

    public ApprovalsAppFactory(StorageProvider provider) : this(provider, store: null, settings: null)
    {
    }

    /// <param name="store">An existing store to open (a SQLite file path or a PostgreSQL database name); null makes a fresh one.</param>
    /// <param name="settings">Extra configuration, e.g. <c>Bootstrap:AdminEmail</c>.</param>
    public ApprovalsAppFactory(StorageProvider provider, string? store, IReadOnlyDictionary<string, string?>? settings, bool realClock = false)
    {
        RealClock = realClock;
        Provider = provider;
        Settings = settings ?? new Dictionary<string, string?>();
        if (provider == StorageProvider.Sqlite)
        {
            if (store is null)
            {
                _tempFolder = Path.Combine(Path.GetTempPath(), "approvals-tests", Guid.NewGuid().ToString("N"));
                System.IO.Directory.CreateDirectory(_tempFolder);
                store = Path.Combine(_tempFolder, "approvals.db");
            }
            else _tempFolder = Path.GetDirectoryName(store);
            Store = store;
            ConnectionString = $"Data Source={store}";
        }
        else
        {
            if (store is null)
            {
                store = "approvals_test_" + Guid.NewGuid().ToString("N")[..16];
                using var admin = new NpgsqlConnection(AdminConnection());
                admin.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{store}\"", admin);
                create.ExecuteNonQuery();
            }
            Store = store;
            ConnectionString = new NpgsqlConnectionStringBuilder(AdminConnection()) { Database = store }.ConnectionString;
        }
    }

    public StorageProvider Provider { get; }

    /// <summary>True when the server runs on the system clock (timer tests that watch real firing), not <see cref="Clock"/>.</summary>
    public bool RealClock { get; }

    /// <summary>The SQLite file or the PostgreSQL database name.</summary>
    public string Store { get; }

    public string ConnectionString { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Starts at a fixed instant; tests move it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Approvals.sln"))) return dir.FullName;
            throw new InvalidOperationException("The repository root (with Approvals.sln) was not found above " + AppContext.BaseDirectory);
        }
    }

    public static string WorkflowsFolder => Path.Combine(RepositoryRoot, "workflows");

    private static string AdminConnection() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"PostgreSQL tests need {PostgresVariable}, an admin connection string such as " +
                "'Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres' (./test.sh starts a throwaway server and sets it).");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Storage:Provider", Provider.ToString());
        builder.UseSetting("ConnectionStrings:Approvals", ConnectionString);
        builder.UseSetting("Examples:Load", "true");
        builder.UseSetting("Examples:Path", WorkflowsFolder);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        // Timer tests move the fake clock and then sweep: a timer is overdue as soon as it is due.
        builder.UseSetting("Jobs:OverdueAfter", "00:00:00");
        // Outbound mail appends EmailSent lines to histories in the background: off unless a test asks for it
        // (Email:Dispatch=true), so tests that count or tamper with audit rows see only what they did.
        builder.UseSetting("Email:Dispatch", "false");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            if (!RealClock) services.AddSingleton<TimeProvider>(Clock);
        });
    }

    public HttpClient Anonymous() => CreateClient();

    /// <summary>A client signed in as <paramref name="email"/> (tokens are cached per user).</summary>
    public async Task<HttpClient> ClientAsync(string email, string password = DemoPassword)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(email, password));
        return client;
    }

    /// <summary>Starts a personnel-vetting case as the HR officer (a candidate of low risk); the case's id.</summary>
    public async Task<Guid> StartVettingCaseAsync(string title = "Vetting")
    {
        var hr = await ClientAsync("hr.officer@example.org");
        var started = await hr.PostAsJsonAsync("/api/cases", new
        {
            workflow = "personnel-vetting", title, data = new { candidateName = "C", nationalId = "900000011", position = "Guard", riskScore = 10 },
        });
        if (started.StatusCode != System.Net.HttpStatusCode.Created)
            throw new InvalidOperationException($"Starting a vetting case answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        return Guid.Parse((string)(await started.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!);
    }

    public async Task<string> TokenAsync(string email, string password = DemoPassword)
    {
        // Tests move the clock by days: a token older than an hour (on the server's clock) is fetched again.
        var now = RealClock ? DateTimeOffset.UtcNow : Clock.GetUtcNow();
        if (_tokens.TryGetValue(email + "\n" + password, out var cached) && now - cached.IssuedAt < TimeSpan.FromHours(1)) return cached.Token;
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { email, password });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{email} cannot sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var token = (await response.Content.ReadFromJsonAsync<TokenAnswer>())!.AccessToken;
        _tokens[email + "\n" + password] = (token, now);
        return token;
    }

    private sealed record TokenAnswer(string AccessToken, int ExpiresIn);

    /// <summary>Stops this server and starts a new one on the same store (the new one owns and deletes it).</summary>
    public async Task<ApprovalsAppFactory> RestartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        _keepStore = true;
        await DisposeAsync();
        return new ApprovalsAppFactory(Provider, Store, settings ?? Settings, RealClock);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_keepStore) return;
        if (Provider == StorageProvider.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                if (_tempFolder is not null && System.IO.Directory.Exists(_tempFolder)) System.IO.Directory.Delete(_tempFolder, recursive: true);
            }
            catch (IOException)
            {
                // a file still open on some platforms; the temp folder is cleaned by the OS
            }
        }
        else
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(AdminConnection());
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Store}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>Class fixtures: one server per test class.</summary>
public sealed class SqliteApp() : ApprovalsAppFactory(StorageProvider.Sqlite);

public sealed class PostgreSqlApp() : ApprovalsAppFactory(StorageProvider.PostgreSql);
