using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>A transport that is half configured stops start-up with a message naming the setting (checked before any store is used).</summary>
public sealed class TransportSettingsTests
{
    [Theory]
    [InlineData("Email:Inbound:SmtpPort", "2525", "Email:ReplyAddress")]
    [InlineData("Email:Inbound:Imap:Host", "imap.example.org", "Email:Inbound:Imap:User")]
    [InlineData("Email:Inbound:MaxBytes", "12", "MaxBytes")]
    [InlineData("Email:ReplyAddress", "approvals+*@example.org", "Email:ReplyAddress")]
    public async Task Start_TransportHalfConfigured_StopsNamingTheSetting(string key, string value, string named)
    {
        await using var app = new TransportApp(StorageProvider.Sqlite, new Dictionary<string, string?> { [key] = value }, new RecordingInboundMail());

        var error = Record.Exception(() => app.Started());

        Assert.NotNull(error);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }
}
