using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Health;

/// <summary><c>GET /healthz</c> (anonymous): 200 <c>{"status":"Healthy"}</c> when the database answers, else 503.</summary>
public static class CheckHealth
{
    [SchemaName("Health")]
    public sealed record Answer(string Status);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", async Task<Results<Ok<Answer>, ProblemHttpResult>> (ApprovalsDb db, ILogger<Answer> log, CancellationToken ct) =>
            {
                try
                {
                    if (await db.Database.CanConnectAsync(ct))
                    {
                        await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                        return TypedResults.Ok(new Answer("Healthy"));
                    }
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    log.LogWarning(e, "Health check: the database did not answer");
                }
                return TypedResults.Problem(Problems.Details(StatusCodes.Status503ServiceUnavailable, "Unhealthy", "The database does not answer."));
            })
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("200 when the server and its database answer, else 503")
            .ProducesErrors(StatusCodes.Status503ServiceUnavailable);
}
