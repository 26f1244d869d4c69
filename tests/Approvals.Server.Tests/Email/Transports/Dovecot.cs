using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>
/// A throwaway Dovecot (Debian's <c>dovecot-imapd</c>, which ./test.sh installs when missing) on a free port, with its
/// own configuration, passwd-file user and maildir in a temp folder: plain IMAP on 127.0.0.1, no TLS. It runs as an
/// ordinary user (as <c>nobody</c> when the tests run as root), so no system service or file is touched.
/// </summary>
public sealed class Dovecot : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dovecot";
    public const string User = "approvals";
    public const string Password = "imap-test-password";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "approvals-dovecot-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? _process;

    public int Port { get; } = TransportApp.FreePort();

    public static bool Installed => File.Exists(Binary);

    private static bool IsRoot => Environment.UserName == "root";

    private string ConfigPath => Path.Combine(_folder, "dovecot.conf");

    public static async Task<Dovecot> StartNewAsync()
    {
        var dovecot = new Dovecot();
        dovecot.WriteConfig();
        await dovecot.StartAsync();
        return dovecot;
    }

    private void WriteConfig()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "mail"));
        var (user, group) = IsRoot ? ("nobody", "nogroup") : (Environment.UserName, Run("id", "-gn").Trim());
        File.WriteAllText(Path.Combine(_folder, "passwd"), $"{User}:{{PLAIN}}{Password}\n");
        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $$"""
            base_dir = {{_folder}}/run
            state_dir = {{_folder}}/state
            log_path = {{_folder}}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            listen = 127.0.0.1
            protocols = imap
            default_internal_user = {{user}}
            default_internal_group = {{group}}
            default_login_user = {{user}}
            first_valid_uid = 1
            mail_location = maildir:{{_folder}}/mail/%u
            service imap-login {
              inet_listener imap {
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
              chroot =
            }
            service anvil {
              chroot =
            }
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{_folder}}/passwd
            }
            userdb {
              driver = static
              args = uid={{user}} gid={{group}} home={{_folder}}/mail/%u
            }

            """));
        if (IsRoot) Run("chown", "-R", "nobody:nogroup", _folder);
    }

    /// <summary>Starts (or starts again, keeping the mailbox) and waits for the IMAP greeting.</summary>
    public async Task StartAsync()
    {
        var start = IsRoot
            ? new ProcessStartInfo("runuser", ["-u", "nobody", "--", Binary, "-F", "-c", ConfigPath])
            : new ProcessStartInfo(Binary, ["-F", "-c", ConfigPath]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        _process = Process.Start(start)!;
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", Port);
                using var reader = new StreamReader(tcp.GetStream());
                if ((await reader.ReadLineAsync())?.StartsWith("* OK", StringComparison.Ordinal) == true) return;
            }
            catch (SocketException) when (DateTime.UtcNow < until && !_process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                var log = File.Exists(Path.Combine(_folder, "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(_folder, "dovecot.log")) : "";
                throw new InvalidOperationException($"Dovecot did not start: {await _process.StandardError.ReadToEndAsync()} {log}");
            }
        }
    }

    /// <summary>Stops the server (all its processes); the mailbox stays for <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
        // The master's children notice it is gone and leave; wait until the port is free again.
        for (var i = 0; i < 100 && IsListening(); i++) await Task.Delay(100);
        // A killed master can outlive runuser as a zombie nobody reaps (a container's first process may not), and
        // Dovecot then refuses to start again: "already running with PID n (read from master.pid)". It is gone in
        // every way that matters (its port is free), so its pid file goes too.
        File.Delete(Path.Combine(_folder, "run", "master.pid"));
    }

    private bool IsListening()
    {
        try
        {
            using var tcp = new TcpClient();
            tcp.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a child still writing its log: the OS cleans the temp folder
        }
    }

    private static string Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}

/// <summary>A fact that needs Dovecot: reported as skipped, never as passed, when it is not installed.</summary>
public sealed class DovecotFactAttribute : FactAttribute
{
    public DovecotFactAttribute()
    {
        if (!Dovecot.Installed)
            Skip = $"Dovecot is not installed ({Dovecot.Binary}); ./test.sh installs Debian's dovecot-imapd when it runs as root.";
    }
}
