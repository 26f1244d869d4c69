using System.Security.Cryptography;
using System.Text;
using Approvals.Server.Http;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Email;

/// <summary>
/// <c>POST /api/inbound-email</c>: a relay service (or a mail server's pipe) hands over one raw reply. Anonymous in
/// the bearer sense: the shared secret in <c>X-Inbound-Secret</c> is the credential, compared in constant time.
/// Without a configured secret the route does not exist (404).
/// </summary>
public static class ReceiveInboundEmail
{
    public const string SecretHeader = "X-Inbound-Secret";
    public static readonly string[] MediaTypes = ["message/rfc822", "text/plain", "application/octet-stream"];

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/inbound-email", async Task<Results<Accepted<InboundResult>, ProblemHttpResult>> (HttpContext http, InboundMail mail,
                IOptions<InboundMailOptions> options) =>
            {
                if (options.Value.Secret is not { Length: > 0 } secret) return Problems.NotFound($"There is nothing at POST {http.Request.Path}.");
                if (!SameSecret(http.Request.Headers[SecretHeader].ToString(), secret))
                    return Problems.Unauthorized($"Send the configured shared secret in {SecretHeader}.");
                if (http.Request.ContentLength > options.Value.MaxBytes) return TooLarge(options.Value.MaxBytes);
                var raw = await InboundMail.ReadCappedAsync(http.Request.Body, options.Value.MaxBytes, http.RequestAborted);
                if (raw is null) return TooLarge(options.Value.MaxBytes);
                if (raw.Length == 0)
                    return TypedResults.Problem(Problems.Details(StatusCodes.Status400BadRequest, "The request is not valid.", "The body must be one raw MIME message."));
                return TypedResults.Accepted((string?)null, await mail.AcceptAsync(raw, InboundSource.Relay, http.RequestAborted));
            })
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithTags("Email")
            .WithName("ReceiveInboundEmail")
            .WithSummary("Hand over one raw reply to a task email (X-Inbound-Secret); 404 while Email__Inbound__Secret is unset")
            .Accepts<string>(MediaTypes[0], MediaTypes[1..])
            .DocumentsHeader(SecretHeader, "The shared secret of Email__Inbound__Secret.", 1_000)
            .Produces<InboundResult>(StatusCodes.Status202Accepted)
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound,
                StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    private static ProblemHttpResult TooLarge(long max) =>
        TypedResults.Problem(Problems.Details(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"A message may be at most {max} bytes."));

    /// <summary>Constant time whatever the lengths: both sides are hashed first.</summary>
    private static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
