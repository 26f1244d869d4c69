using Approvals.Server.Email;
using Approvals.Server.Email.Transports;

namespace Approvals.Server.Tests.Email.Transports;

/// <summary>
/// <c>Email__ReplyAddress</c> read one way everywhere: the Reply-To task mail carries, the token a reply brings back, the
/// addresses the SMTP listener takes and the start-up check all follow the same parse.
/// </summary>
public sealed class ReplyAddressPatternTests
{
    [Theory]
    [InlineData("approvals+{0}@EXAMPLE.org", true)]
    [InlineData("approvals+@example.org", false)]
    [InlineData("approvals@example.org", false)]
    [InlineData("approvals+{0}@example.org.evil.net", false)]
    [InlineData("approvals+a@b@example.org", false)]
    [InlineData("postmaster@example.org", false)]
    [InlineData("approvals+Ab-9_x@example.org", false)] // not a token of our shape: refused at RCPT
    [InlineData("approvals+{0}x@example.org", false)]
    [InlineData("approvals+{1}@example.org", false)]
    public void Matches_Address_OnlyReplyAddressesWithATokenOfOurShape(string address, bool matches)
    {
        var filled = string.Format(System.Globalization.CultureInfo.InvariantCulture, address, EmailTokens.New(), new string('a', 10_000));

        Assert.Equal(matches, ReplyAddressPattern.TryParse("approvals+{token}@example.org")!.Matches(filled));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("approvals@example.org")]
    [InlineData("approvals@{token}.org")]
    [InlineData("{token}+{token}@example.org")]
    [InlineData("approvals+*@example.org")] // "*" is not a placeholder: task mail would carry it literally
    [InlineData("approvals+{token}@")]
    [InlineData("approvals+{token}@example.org@other.org")]
    [InlineData("approvals+{token} @example.org")]
    public void TryParse_NoSingleTokenInTheLocalPart_NotAPattern(string? pattern) =>
        Assert.Null(ReplyAddressPattern.TryParse(pattern));

    [Fact]
    public void TokenIn_TheAddressTaskMailCarries_GivesTheTokenBackWithItsCase()
    {
        var pattern = ReplyAddressPattern.TryParse("Approvals+{token}@Example.org")!;
        var token = EmailTokens.New();

        var address = pattern.Format(token);

        Assert.Equal("Approvals+" + token + "@Example.org", address);
        Assert.Equal(token, pattern.TokenIn(address));
        Assert.Equal(token, pattern.TokenIn("  approvals+" + token + "@EXAMPLE.ORG "));
    }

    [Theory]
    [InlineData("approvals+short@example.org")]
    [InlineData("approvals+{0}x@example.org")] // one character too many
    [InlineData("approvals+{0}@example.org.evil.net")]
    [InlineData("other+{0}@example.org")]
    [InlineData("approvals+{0}@example.org\nBcc: x@example.org")]
    [InlineData(null)]
    public void TokenIn_NotTheShapeOfOurTokens_Null(string? address)
    {
        var pattern = ReplyAddressPattern.TryParse("approvals+{token}@example.org")!;

        Assert.Null(pattern.TokenIn(address?.Replace("{0}", EmailTokens.New(), StringComparison.Ordinal)));
    }
}
