using System.Text.Json.Nodes;
using Approvals.Engine.Runtime;
using Approvals.Server.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Approvals.Server.Email;

/// <summary>
/// <c>GET|HEAD /email/decide?token=...</c> shows what the link would decide and changes nothing (mail scanners open
/// links); only <c>POST /email/decide</c> from that page decides. Outside <c>/api</c>: the token is the credential,
/// and these are pages for people, so they are left out of the OpenAPI document.
/// </summary>
public static class DecideByLink
{
    public const string Path = "/email/decide";
    public const string Via = "email-link";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods(Path, [HttpMethods.Get, HttpMethods.Head], async (HttpContext http, EmailDecider decider, IOptions<AppOptions> options) =>
            {
                var text = EmailText.English;
                var appUrl = options.Value.Base;
                string? token = http.Request.Query["token"];
                var row = await decider.FindAsync(token, EmailTokens.Link, http.RequestAborted);
                if (row is null) return Page(http, StatusCodes.Status404NotFound, DecisionPages.Refused(text, text.UnknownToken, appUrl));
                if (await decider.RefusalAsync(row, http.RequestAborted) is { } refusal)
                    return Page(http, StatusOf(refusal), DecisionPages.Refused(text, text.Sentence(refusal), appUrl));
                var subject = await decider.SubjectAsync(row, http.RequestAborted);
                return subject is null
                    ? Page(http, StatusCodes.Status409Conflict, DecisionPages.Refused(text, text.TaskClosed, appUrl))
                    : Page(http, StatusCodes.Status200OK, DecisionPages.Confirm(text, subject, token!, appUrl));
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost(Path, async (HttpContext http, EmailDecider decider, IOptions<AppOptions> options) =>
            {
                var text = EmailText.English;
                var appUrl = options.Value.Base;
                if (!http.Request.HasFormContentType)
                    return Page(http, StatusCodes.Status415UnsupportedMediaType, DecisionPages.Refused(text, text.BadForm, appUrl));
                IFormCollection form;
                try
                {
                    // A page's form holds two short fields: anything much larger is not from our page.
                    if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                        size.MaxRequestBodySize = MaxFormBytes;
                    form = await http.Request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { ValueCountLimit = 20, ValueLengthLimit = MaxFormBytes, MultipartBodyLengthLimit = MaxFormBytes },
                        http.RequestAborted);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
                {
                    return Page(http, StatusCodes.Status400BadRequest, DecisionPages.Refused(text, text.BadForm, appUrl));
                }
                string? token = form["token"];
                var comment = string.IsNullOrWhiteSpace(form["comment"]) ? null : form["comment"].ToString().Trim();
                var row = await decider.FindAsync(token, EmailTokens.Link, http.RequestAborted);
                if (row is null || !DecisionNames.TryParse(row.Decision, out var decision))
                    return Page(http, StatusCodes.Status404NotFound, DecisionPages.Refused(text, text.UnknownToken, appUrl));
                var refusal = CommentRefusal(comment) ?? await decider.DecideAsync(row, decision, comment, Via, consume: true, http.RequestAborted);
                if (refusal is null)
                {
                    var title = (await decider.SubjectAsync(row, http.RequestAborted))?.Case.Title ?? "";
                    return Page(http, StatusCodes.Status200OK, DecisionPages.Done(text, row.Decision!, title, appUrl, row.TaskId));
                }
                await decider.NoteAsync(row.CaseId, row.TaskId, EmailDecisionAudit.LinkRefused, row.Person, refusal, Via,
                    new JsonObject { ["decision"] = row.Decision }, http.RequestAborted);
                return Page(http, StatusOf(refusal), DecisionPages.Refused(text, text.Sentence(refusal), appUrl));
            })
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>The largest form the confirmation page can send: a token and a comment of the longest allowed length.</summary>
    private const int MaxFormBytes = 64 * 1024;

    private static string? CommentRefusal(string? comment) =>
        comment is not null && (comment.Length > PlainText.MaxCommentLength || PlainText.HasHiddenCharacters(comment, multiline: true))
            ? EmailRefusals.InvalidComment
            : null;

    internal static int StatusOf(string refusal) => refusal switch
    {
        EmailRefusals.Expired => StatusCodes.Status410Gone,
        EmailRefusals.Used or EmailRefusals.TaskClosed => StatusCodes.Status409Conflict,
        EmailRefusals.NotEntitled => StatusCodes.Status403Forbidden,
        EmailRefusals.InvalidComment => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status404NotFound,
    };

    /// <summary>An HTML page that no cache keeps, no search engine indexes, and whose address (holding the token) no referrer leaks.</summary>
    private static IResult Page(HttpContext http, int status, string html)
    {
        var h = http.Response.Headers;
        h[HeaderNames.CacheControl] = "no-store";
        h[HeaderNames.ContentSecurityPolicy] = DecisionPages.ContentSecurityPolicy;
        h["Referrer-Policy"] = "no-referrer";
        h["X-Robots-Tag"] = "noindex";
        h[HeaderNames.XContentTypeOptions] = "nosniff";
        h[HeaderNames.XFrameOptions] = "DENY";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
