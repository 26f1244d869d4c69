using Approvals.Server.Tests.Infrastructure;
using MimeKit;

namespace Approvals.Server.Tests.Email.MailSamples;

/// <summary>The reply samples stay usable: each is a well-formed reply to the task email and is described in the README.</summary>
public sealed class MailSamplesTests
{
    private static readonly string Folder = Path.Combine(ApprovalsAppFactory.RepositoryRoot, "tests", "Approvals.Server.Tests", "Email", "MailSamples");

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.eml").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_Loaded_IsAReplyWithABodyAndDescribed(string file)
    {
        var message = MimeMessage.Load(Path.Combine(Folder, file));

        Assert.Single(message.From.Mailboxes);
        Assert.StartsWith("approvals+", Assert.Single(message.To.Mailboxes).Address, StringComparison.Ordinal);
        Assert.Equal("task-3f2a9c41.0@approvals.example.org", message.InReplyTo);
        Assert.False(string.IsNullOrWhiteSpace(message.TextBody ?? message.HtmlBody));
        Assert.Contains($"`{file}`", File.ReadAllText(Path.Combine(Folder, "README.md")), StringComparison.Ordinal);
    }
}
