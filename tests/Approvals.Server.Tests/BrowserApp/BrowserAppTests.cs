using System.Net;
using Approvals.Server.Tests.Infrastructure;

namespace Approvals.Server.Tests.BrowserApp;

/// <summary>The browser app at / and its client routes, never in the way of a server route.</summary>
public abstract class BrowserAppTests(ApprovalsAppFactory app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/inbox")]
    [InlineData("/cases/6f1c2a55-2f7b-4a53-9d0e-7d1f0c7c2b11")]
    [InlineData("/workflows/personnel-vetting/design")]
    public async Task ClientRoute_Anonymous_ServesTheApp(string path)
    {
        var response = await app.Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/no-such-route")]
    [InlineData("/openapi/no-such-document.json")]
    [InlineData("/scalar/no/such/page")]
    [InlineData("/hangfire/no-such-page")]
    [InlineData("/email/no-such-page")]
    [InlineData("/healthz/more")]
    [InlineData("/nothing-here")]
    public async Task ServerPath_Unknown_NotShadowedByTheApp(string path)
    {
        var response = await app.Anonymous().GetAsync(path);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<div id=\"root\">", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostToClientRoute_NotServed()
    {
        var response = await app.Anonymous().PostAsync("/inbox", null);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class BrowserAppTestsSqlite(SqliteApp app) : BrowserAppTests(app), IClassFixture<SqliteApp>;

public sealed class BrowserAppTestsPostgreSql(PostgreSqlApp app) : BrowserAppTests(app), IClassFixture<PostgreSqlApp>;
