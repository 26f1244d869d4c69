using System.Text;
using Approvals.Server.Email.Transports;

namespace Approvals.Server.Tests.Email.Transports;

public sealed class OwnAuthenticationResultsTests
{
    [Theory]
    [InlineData("Authentication-Results: mx.example.org; dmarc=pass\r\n", true)]
    [InlineData("authentication-results:MX.EXAMPLE.ORG;spf=pass\r\n", true)]
    [InlineData("Authentication-Results: (checked by us) mx.example.org 1;\r\n dkim=pass header.d=example.org\r\n", true)]
    [InlineData("Authentication-Results: mx.example.org.evil.net; dmarc=pass\r\n", false)]
    [InlineData("Authentication-Results: other.example.net; dmarc=pass (mx.example.org)\r\n", false)]
    [InlineData("X-Authentication-Results: mx.example.org; dmarc=pass\r\n", false)]
    public void Remove_HeaderField_RemovedOnlyWhenItClaimsOurId(string field, bool removed)
    {
        var message = "From: a@example.org\r\n" + field + "Subject: Re: task\r\n\r\nAuthentication-Results: mx.example.org; in the body\r\n";

        var (result, count) = OwnAuthenticationResults.Remove(Encoding.Latin1.GetBytes(message), "mx.example.org");

        var expected = removed ? message.Replace(field, "", StringComparison.Ordinal) : message;
        Assert.Equal(expected, Encoding.Latin1.GetString(result));
        Assert.Equal(removed ? 1 : 0, count);
    }

    [Fact]
    public void Remove_NoAuthServIdConfigured_MessageUnchanged()
    {
        var raw = "Authentication-Results: mx.example.org; dmarc=pass\r\n\r\nbody"u8.ToArray();

        Assert.Same(raw, OwnAuthenticationResults.Remove(raw, null).Message);
    }
}
