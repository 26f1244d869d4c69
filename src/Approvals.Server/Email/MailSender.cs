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
public sealed class MailSender(IOptions<EmailOptions> options, IConfiguration configuration, IHostEnvironment env)
{
    public bool UsesSmtp => !string.IsNullOrWhiteSpace(options.Value.Smtp.Host);

    public static string MessageIdOf(Guid outboxId, string recipient)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{outboxId:N}|{recipient.ToLowerInvariant()}"));
        return $"{Convert.ToHexString(hash, 0, 16).ToLowerInvariant()}@approvals";
    }

    public MimeMessage Compose(Guid outboxId, string recipient, string? displayName, RenderedMail mail, string? replyTo, string? inReplyTo)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.Value.From));
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
            var reused = _client is not null;
            try
            {
                _client ??= await sender.ConnectAsync(ct);
                await _client.SendAsync(message, ct);
            }
            catch (Exception ex) when (reused && ex is not SmtpCommandException && !ct.IsCancellationRequested)
            {
                // The relay may have closed a connection this session kept: once more on a new one. A command the
                // relay refused (SmtpCommandException) would only be refused again.
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
            try
            {
                if (client.IsConnected) await client.DisconnectAsync(true, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // closing a connection that failed: nothing to save
            }
            finally
            {
                client.Dispose();
            }
        }

        public async ValueTask DisposeAsync() => await DropAsync();
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
