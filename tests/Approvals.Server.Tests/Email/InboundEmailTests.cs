using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Server.Email;
using Approvals.Server.Persistence;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Approvals.Server.Tests.Email.EmailCases;

namespace Approvals.Server.Tests.Email;

/// <summary>
/// Replies handed over by a relay (<c>POST /api/inbound-email</c>): the task's person decides with a keyword; an
/// impostor, a second delivery, a late reply and a failing check of our own receiving host change nothing.
/// </summary>
public abstract class InboundEmailTests(EmailAppFactory app)
{
    /// <summary>What our own receiving host writes for mail that passed its checks (the default of every message here).</summary>
    private static readonly string Passed =
        $"Authentication-Results: {EmailAppFactory.AuthServId}; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org\r\n";

    private static string Mime(string from, string to, string body, string? messageId = null, string? extraHeaders = null) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: Re: Task: Identity and documents\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        + $"Message-ID: <{messageId ?? Guid.NewGuid().ToString("N")}@mail.example.net>\r\n{extraHeaders ?? Passed}"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body;

    private Task<HttpResponseMessage> SendAsync(string mime, string? secret = EmailAppFactory.Secret, string mediaType = "message/rfc822")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/inbound-email") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(mime)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        if (secret is not null) request.Headers.Add("X-Inbound-Secret", secret);
        return app.Anonymous().SendAsync(request);
    }

    private static async Task<string> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["outcome"]!;
    }

    private async Task<(Guid CaseId, Guid TaskId, string ReplyTo)> ReplyAddressAsync()
    {
        var (caseId, taskId) = await IdentityTaskAsync(app);
        return (caseId, taskId, (await IssueAsync(app, taskId)).ReplyTo!);
    }

    [Fact]
    public async Task Post_AssigneeRepliesApproved_CaseMovesWithTheComment()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();
        Assert.Matches(@"^approvals\+[A-Za-z0-9_-]{43}@example\.org$", replyTo);

        var answer = await SendAsync(Mime($"Ines Intake <{Officer}>", $"Approvals <{replyTo}>",
            "Approved — checked the documents\r\n\r\nOn Mon, Nov 30, 2026 Approvals wrote:\r\n> Reject\r\n"));

        Assert.Equal("decided", await OutcomeAsync(answer));
        var task = await TaskAsync(app, taskId);
        Assert.Equal(("approve", Officer, "checked the documents"), (task.Decision, task.DecidedBy, task.Comment));
        var history = await (await app.ClientAsync(Requester)).GetFromJsonAsync<JsonArray>($"/api/cases/{caseId}/audit");
        var decided = history!.Single(a => (string?)a!["action"] == "TaskDecided")!;
        Assert.Equal(("checked the documents", "email-reply"), ((string?)decided["comment"], (string?)decided["details"]!["via"]));
        Assert.Contains(history!, a => (string?)a!["action"] == "StageCompleted");
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Fact]
    public async Task Post_ImpostorFrom_RefusedAndOnlyTheRightfulPersonIsTold()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime("Mallory <mallory@evil.example>", replyTo, "Approve\r\n"));

        Assert.Equal("refused", await OutcomeAsync(answer));
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        var mail = Assert.Single(await RefusalMailAsync(app, caseId));
        Assert.Equal([Officer], JsonSerializer.Deserialize<string[]>(mail.RecipientsJson)!);
        Assert.Equal("reply-refused", mail.Template);
        var details = JsonNode.Parse(mail.DetailsJson!)!;
        Assert.Equal("foreign-sender", (string?)details["reason"]);
        Assert.DoesNotContain("/email/decide", (string?)details["link"] ?? "");
        Assert.Equal("foreign-sender", Reason((await AuditAsync(app, caseId)).Single(a => a.Action == "EmailReplyRefused")));
    }

    [Fact]
    public async Task Post_SameMessageTwice_DecidesOnceAndAnswersNothingMore()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();
        var mime = Mime(Officer, replyTo, "Reject: wrong person\r\n", messageId: "twice-" + Guid.NewGuid().ToString("N"));

        var first = await SendAsync(mime);
        var second = await SendAsync(mime);

        Assert.Equal("decided", await OutcomeAsync(first));
        Assert.Equal("duplicate", await OutcomeAsync(second));
        Assert.Equal("reject", (await TaskAsync(app, taskId)).Decision);
        Assert.Single(await AuditAsync(app, caseId), a => a.Action == "TaskDecided");
        Assert.Empty(await RefusalMailAsync(app, caseId));
    }

    [Fact]
    public async Task Post_ReplyAfterTheTaskWasDecided_ChangesNothingAndExplains()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientAsync("intake.officer2@example.org"))
            .PostAsJsonAsync($"/api/tasks/{taskId}/decision", new { decision = "approve" })).StatusCode);

        var answer = await SendAsync(Mime(Officer, replyTo, "Reject\r\n"));

        Assert.Equal("refused", await OutcomeAsync(answer));
        var task = await TaskAsync(app, taskId);
        Assert.Equal(("approve", "intake.officer2@example.org"), (task.Decision, task.DecidedBy));
        var mail = Assert.Single(await RefusalMailAsync(app, caseId));
        Assert.Equal("task-closed", (string?)JsonNode.Parse(mail.DetailsJson!)!["reason"]);
        Assert.True(await AuditHoldsAsync(app, caseId));
    }

    [Fact]
    public async Task Post_OurHostsAuthenticationResultsFailDmarc_Refused()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();
        var headers = $"Authentication-Results: {EmailAppFactory.AuthServId}; spf=pass smtp.mailfrom=example.org; dkim=none; dmarc=fail header.from=example.org\r\n";

        var answer = await SendAsync(Mime(Officer, replyTo, "Approve\r\n", extraHeaders: headers));

        Assert.Equal("refused", await OutcomeAsync(answer));
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
        var details = JsonNode.Parse(Assert.Single(await RefusalMailAsync(app, caseId)).DetailsJson!)!;
        Assert.Equal("authentication-failed", (string?)details["reason"]);
        Assert.StartsWith("https://approvals.example.org/email/decide?token=", (string?)details["link"]);
    }

    [Fact]
    public async Task Post_AuthenticationResultsOfAnotherHost_ProvesNothingAndIsIgnored()
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();
        var headers = "Authentication-Results: mx.elsewhere.example; spf=fail; dkim=fail; dmarc=fail\r\n"
            + $"Authentication-Results: {EmailAppFactory.AuthServId}; spf=pass smtp.mailfrom=example.org; dkim=pass; dmarc=pass\r\n";

        var answer = await SendAsync(Mime(Officer, replyTo, "ok.\r\n", extraHeaders: headers));

        Assert.Equal("decided", await OutcomeAsync(answer));
        Assert.Equal("approve", (await TaskAsync(app, taskId)).Decision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Authentication-Results: mx.approvals.example.org; spf=fail smtp.mailfrom=evil.example; dkim=pass header.d=evil.example; dmarc=none\r\n")]
    [InlineData("Authentication-Results: mx.elsewhere.example; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass\r\n")]
    public async Task Post_NoPassingResultOfOurOwnHost_RefusedAsUnauthenticated(string headers)
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime(Officer, replyTo, "Approved", extraHeaders: headers));

        Assert.Equal("refused", await OutcomeAsync(answer));
        Assert.Null((await TaskAsync(app, taskId)).Decision);
    }

    [Fact]
    public async Task Post_OutOfOfficeAutoReply_DecidesNothingAndIsNotAnswered()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime(Officer, replyTo, "OK, thanks for your message. I am out of the office until Monday.",
            extraHeaders: Passed + "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n"));

        Assert.Equal("ignored", await OutcomeAsync(answer));
        Assert.Null((await TaskAsync(app, taskId)).Decision);
        var history = (await (await app.ClientAsync(Requester)).GetFromJsonAsync<JsonArray>($"/api/cases/{caseId}/audit"))!;
        Assert.DoesNotContain(history, a => (string?)a!["action"] == "TaskDecided");
    }

    [Theory]
    [InlineData("Auto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n")]
    [InlineData("Auto-Submitted: notification\r\n")]
    [InlineData("Auto-Submitted: auto-generated; owner-email=\"officer@example.org\"\r\n")]
    public async Task Post_AutoSubmittedOtherThanNo_DecidesNothing(string headers)
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime(Officer, replyTo, "Approve", extraHeaders: Passed + headers));

        Assert.Equal("ignored", await OutcomeAsync(answer));
        Assert.Null((await TaskAsync(app, taskId)).Decision);
    }

    [Fact]
    public async Task Post_AutoSubmittedNo_ReadLikeAnyReply()
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime(Officer, replyTo, "Approve", extraHeaders: Passed + "Auto-Submitted: No (written by a person)\r\n"));

        Assert.Equal("decided", await OutcomeAsync(answer));
        Assert.Equal("approve", (await TaskAsync(app, taskId)).Decision);
    }

    [Fact]
    public async Task Post_AmbiguousReply_RefusedAndTheSameAddressStillWorks()
    {
        var (caseId, taskId, replyTo) = await ReplyAddressAsync();

        var unclear = await SendAsync(Mime(Officer, replyTo, "Let me think about it.\r\n\r\n> Approve\r\n"));
        var clear = await SendAsync(Mime(Officer, replyTo, "Approve.\r\n"));

        Assert.Equal("refused", await OutcomeAsync(unclear));
        Assert.Equal("decided", await OutcomeAsync(clear));
        var details = JsonNode.Parse(Assert.Single(await RefusalMailAsync(app, caseId)).DetailsJson!)!;
        Assert.Equal(("ambiguous", $"https://approvals.example.org/tasks/{taskId}"), ((string?)details["reason"], (string?)details["link"]));
        Assert.Equal("approve", (await TaskAsync(app, taskId)).Decision);
    }

    [Fact]
    public async Task Post_UnknownReplyToken_OnlyAKnownUserIsAnswered()
    {
        var forged = EmailAppFactory.ReplyPattern.Replace("{token}", new string('A', 43), StringComparison.Ordinal);

        var fromUser = await SendAsync(Mime(Officer, forged, "Approve\r\n"));
        var fromStranger = await SendAsync(Mime("stranger@elsewhere.example", forged, "Approve\r\n"));

        Assert.Equal("ignored", await OutcomeAsync(fromUser));
        Assert.Equal("ignored", await OutcomeAsync(fromStranger));
        var answers = await RefusalMailAsync(app, null);
        Assert.Contains(answers, o => o.RecipientsJson.Contains(Officer, StringComparison.Ordinal));
        Assert.DoesNotContain(answers, o => o.RecipientsJson.Contains("stranger@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_UnknownReplyTokenFromAnUnverifiedAddress_NotAnswered()
    {
        // Without a pass from our own receiving host, the From could be anyone's: answering would let a stranger make
        // the server mail a named user (and use up that user's hourly answers).
        var forged = EmailAppFactory.ReplyPattern.Replace("{token}", new string('C', 43), StringComparison.Ordinal);
        var messageId = Guid.NewGuid().ToString("N");

        var response = await SendAsync(Mime(Officer, forged, "Approve\r\n", messageId, extraHeaders: ""));

        Assert.Equal("ignored", await OutcomeAsync(response));
        Assert.DoesNotContain(await RefusalMailAsync(app, null), o => o.DetailsJson!.Contains(messageId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_FloodOfForgedReplies_EachRecordedButOnlyTheHourlyNumberAnswered()
    {
        const string Flooded = "records.officer@example.org"; // a known user no other test here writes as
        var forged = EmailAppFactory.ReplyPattern.Replace("{token}", new string('B', 43), StringComparison.Ordinal);

        for (var i = 0; i < 23; i++)
            Assert.Equal("ignored", await OutcomeAsync(await SendAsync(Mime(Flooded, forged, "Approve\r\n"))));

        var answers = (await RefusalMailAsync(app, null)).Count(o => o.RecipientsJson.Contains(Flooded, StringComparison.Ordinal));
        Assert.Equal(new InboundMailOptions().MaxRefusalsPerHour, answers);
        await using var scope = app.Services.CreateAsyncScope();
        var recorded = await scope.ServiceProvider.GetRequiredService<ApprovalsDb>().InboundMessages.CountAsync(m => m.From == Flooded);
        Assert.Equal(23, recorded);
    }

    [Fact]
    public async Task Post_WrongOrMissingSecret_Unauthorized()
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();

        var wrong = await SendAsync(Mime(Officer, replyTo, "Approve\r\n"), secret: "not-the-secret");
        var missing = await SendAsync(Mime(Officer, replyTo, "Approve\r\n"), secret: null);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
    }

    [Fact]
    public async Task Post_MalformedMail_AcceptedAsIgnoredWithoutAnError()
    {
        var answer = await SendAsync("\0\0 this is not mail at all", mediaType: "application/octet-stream");

        Assert.Contains(await OutcomeAsync(answer), new[] { "ignored", "refused" });
    }

    [Fact]
    public async Task Post_LargerThanMaxBytes_PayloadTooLarge()
    {
        var (_, taskId, replyTo) = await ReplyAddressAsync();

        var answer = await SendAsync(Mime(Officer, replyTo, "Approve\r\n" + new string('x', 10 * 1024 * 1024)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.Equal("Open", (await TaskAsync(app, taskId)).Status);
    }

    [Fact]
    public async Task OpenApi_InboundRoute_DeclaresBodyTypesAndAnswers()
    {
        var doc = (await app.Anonymous().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

        var operation = doc["paths"]!["/api/inbound-email"]!["post"]!;
        var types = operation["requestBody"]!["content"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["message/rfc822", "text/plain", "application/octet-stream"], types);
        Assert.Empty(operation["security"]!.AsArray());
        foreach (var status in new[] { "202", "400", "401", "404", "413" }) Assert.NotNull(operation["responses"]![status]);
        Assert.Null(doc["paths"]!["/email/decide"]);
    }
}

public sealed class InboundEmailTestsSqlite(EmailSqliteApp app) : InboundEmailTests(app), IClassFixture<EmailSqliteApp>;

public sealed class InboundEmailTestsPostgreSql(EmailPostgreSqlApp app) : InboundEmailTests(app), IClassFixture<EmailPostgreSqlApp>;

/// <summary>Without <c>Email__Inbound__Secret</c> the relay route is off.</summary>
public sealed class InboundEmailOffTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task Post_NoSecretConfigured_NotFound()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/inbound-email") { Content = new StringContent("From: a@b\r\n\r\nApprove", Encoding.UTF8, "message/rfc822") };
        request.Headers.Add("X-Inbound-Secret", "anything-at-all-0123456789");

        var response = await app.Anonymous().SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
