using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Approvals.Server.Persistence;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Approvals.Server.Email;

/// <summary>
/// Puts one rendered message on its way: over SMTP when <c>Email__Smtp__Host</c> is set, else as an <c>.eml</c> file
/// (the same bytes) under the mail folder. The Message-ID is derived from the outbox row and the recipient, so a retry
/// of the same message carries the same id and a receiver can recognise a duplicate.
/// </summary>
/// <remarks>
/// SMTP connections outlive the round that opened them by <c>Email__Smtp__KeepIdle</c> (a connection cache, as
/// Postfix's SMTP client keeps one): under load the dispatcher's rounds follow one another closely, and opening, greeting
/// and closing a connection per lane of each round was about 3 % of the server's CPU (issue 9). A kept connection the
/// relay has closed meanwhile fails at its next message, which is then sent once more over a new connection.
/// </remarks>
public sealed class MailSender(IOptions<EmailOptions> options, IConfiguration configuration, IHostEnvironment env) : IAsyncDisposable
{
    /// <summary>Connections kept: idle ones, the most recently used on top, each with when it became idle.</summary>
    private readonly ConcurrentStack<(SmtpClient Client, long IdleSince)> _idle = new();
    private readonly Lock _sweepLock = new();
    private Timer? _sweep;
    private bool _disposed;

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(options.Value.Smtp.Host);

    public static string MessageIdOf(Guid outboxId, string recipient)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{outboxId:N}|{recipient.ToLowerInvariant()}"));
        return $"{Convert.ToHexString(hash, 0, 16).ToLowerInvariant()}@approvals";
    }

    public MimeMessage Compose(Guid outboxId, string recipient, string? displayName, RenderedMail mail, string? replyTo, string? inReplyTo)
    {
        var message = new MimeMessage();
        message.From.Add(From());
        message.To.Add(new MailboxAddress(displayName, recipient));
        if (replyTo is { Length: > 0 }) message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        message.Subject = mail.Subject;
        message.MessageId = MessageIdOf(outboxId, recipient);
        if (inReplyTo is { Length: > 0 })
        {
            message.InReplyTo = inReplyTo;
            message.References.Add(inReplyTo);
        }
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { HtmlBody = mail.Html, TextBody = mail.Text }.ToMessageBody();
        return message;
    }

    private MailboxAddress? _from;

    /// <summary>
    /// <c>Email__From</c>, parsed once (not for every message; the options do not change while the server runs); each
    /// message gets its own copy, as MimeKit's address lists keep a handler on what they hold.
    /// </summary>
    private MailboxAddress From()
    {
        var from = _from ??= MailboxAddress.Parse(options.Value.From); // a race parses it twice, harmlessly
        return new MailboxAddress(from.Name, from.Address);
    }

    /// <summary>
    /// A run of messages over one SMTP connection, opened at the first message and closed when the session is
    /// disposed: a dispatcher round does not pay a connection, TLS handshake and login per message.
    /// </summary>
    public Session OpenSession() => new(this);

    public sealed class Session(MailSender sender) : IAsyncDisposable
    {
        private SmtpClient? _client;

        public async Task SendAsync(MimeMessage message, CancellationToken ct)
        {
            if (!sender.UsesSmtp)
            {
                await sender.WriteFileAsync(message, ct);
                return;
            }
            _client ??= sender.TakeIdle();
            var reused = _client is not null;
            try
            {
                _client ??= await sender.ConnectAsync(ct);
                await _client.SendAsync(message, ct);
            }
            catch (Exception) when (reused && !ct.IsCancellationRequested)
            {
                // The relay may have closed a connection kept since an earlier message or round, silently or with an
                // answer to the next command (a relay's idle timeout: "Timeout while waiting for input"): once more on
                // a new one. A command refused on a new connection as well fails the message as before.
                await DropAsync();
                try
                {
                    _client = await sender.ConnectAsync(ct);
                    await _client.SendAsync(message, ct);
                }
                catch
                {
                    await DropAsync();
                    throw;
                }
            }
            catch
            {
                await DropAsync();
                throw;
            }
        }

        private async Task DropAsync()
        {
            if (_client is not { } client) return;
            _client = null;
            await CloseAsync(client);
        }

        /// <summary>Keeps the session's connection for a later round when it is still open, else closes it.</summary>
        public async ValueTask DisposeAsync()
        {
            if (_client is { IsConnected: true } client && sender.Keep(client)) _client = null;
            else await DropAsync();
        }
    }

    /// <summary>The most recently used kept connection that is still open and not past <c>Email__Smtp__KeepIdle</c>; older ones are closed.</summary>
    private SmtpClient? TakeIdle()
    {
        while (_idle.TryPop(out var idle))
        {
            if (Fresh(idle)) return idle.Client;
            _ = CloseAsync(idle.Client);
        }
        return null;
    }

    /// <summary>Whether a kept connection is still open and idle for less than <c>Email__Smtp__KeepIdle</c>.</summary>
    private bool Fresh((SmtpClient Client, long IdleSince) idle) =>
        idle.Client.IsConnected && Environment.TickCount64 - idle.IdleSince < options.Value.Smtp.KeepIdle.TotalMilliseconds;

    /// <summary>Keeps <paramref name="client"/> for the next round, unless keeping is off, the cache is full or the sender is stopping.</summary>
    private bool Keep(SmtpClient client)
    {
        var o = options.Value;
        if (o.Smtp.KeepIdle <= TimeSpan.Zero || _idle.Count >= o.DispatchConcurrency) return false;
        lock (_sweepLock)
        {
            if (_disposed) return false;
            _idle.Push((client, Environment.TickCount64));
            // Connections nobody takes again are closed soon after they pass the limit, not left open on the relay.
            _sweep ??= new Timer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _sweep.Change(o.Smtp.KeepIdle + TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);
        }
        return true;
    }

    /// <summary>Closes the kept connections past the limit; those still fresh are put back as they were.</summary>
    private void Sweep()
    {
        var fresh = new List<(SmtpClient Client, long IdleSince)>();
        while (_idle.TryPop(out var idle))
        {
            if (Fresh(idle)) fresh.Add(idle);
            else _ = CloseAsync(idle.Client);
        }
        if (fresh.Count == 0) return;
        fresh.Reverse();
        lock (_sweepLock)
        {
            if (_disposed)
            {
                foreach (var idle in fresh) _ = CloseAsync(idle.Client);
                return;
            }
            _idle.PushRange(fresh.ToArray());
            _sweep?.Change(TimeSpan.FromMilliseconds(Math.Max(100, options.Value.Smtp.KeepIdle.TotalMilliseconds / 2)), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Says QUIT and closes, waiting at most two seconds for a relay that does not answer.</summary>
    private static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (client.IsConnected) await client.DisconnectAsync(true, patience.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // a connection that failed, or that the relay closed first: nothing to save
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Closes the kept connections (QUIT) when the server stops.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_sweepLock)
        {
            _disposed = true;
            _sweep?.Dispose();
        }
        var closing = new List<Task>();
        while (_idle.TryPop(out var idle)) closing.Add(CloseAsync(idle.Client));
        await Task.WhenAll(closing);
    }

    private async Task WriteFileAsync(MimeMessage message, CancellationToken ct)
    {
        var folder = MailFolder();
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{(message.MessageId ?? "message").Split('@')[0]}.eml");
        // Written under a temporary name and then renamed: whoever picks the folder up (a person, a relay, a
        // test) only ever sees whole messages.
        var partial = file + ".partial";
        await message.WriteToAsync(partial, ct);
        File.Move(partial, file, overwrite: true);
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken ct)
    {
        var o = options.Value;
        var client = new SmtpClient { Timeout = (int)o.Smtp.Timeout.TotalMilliseconds };
        try
        {
            var security = o.Smtp.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await client.ConnectAsync(o.Smtp.Host!, o.Smtp.Port, security, ct);
            if (o.Smtp.User is { Length: > 0 } user) await client.AuthenticateAsync(user, o.Smtp.Password ?? "", ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary><c>Email__MailDirectory</c>, else <c>mail/</c> beside the SQLite database, else <c>./data/mail</c>.</summary>
    public string MailFolder()
    {
        if (options.Value.MailDirectory is { Length: > 0 } configured) return Path.GetFullPath(configured, env.ContentRootPath);
        var connection = configuration.GetConnectionString("Approvals");
        if (connection is not { Length: > 0 } || connection.Contains("Data Source", StringComparison.OrdinalIgnoreCase))
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection ?? StorageSetup.DefaultSqliteConnection).DataSource;
            if (file is { Length: > 0 } && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } dir)
                return Path.Combine(dir, "mail");
        }
        return Path.GetFullPath(Path.Combine("data", "mail"));
    }
}
