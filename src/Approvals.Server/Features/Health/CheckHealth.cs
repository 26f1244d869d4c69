using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Health;

/// <summary><c>GET /healthz</c> (anonymous): 200 <c>{"status":"Healthy"}</c> when the database answers, else 503.</summary>
public static class CheckHealth
{
    public sealed record Answer(string Status);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", async (ApprovalsDb db, ILogger<Answer> log, CancellationToken ct) =>
            {
                try
                {
                    if (await db.Database.CanConnectAsync(ct))
                    {
                        await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                        return Results.Ok(new Answer("Healthy"));
                    }
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    log.LogWarning(e, "Health check: the database did not answer");
                }
                return Results.Problem(Problems.Details(StatusCodes.Status503ServiceUnavailable, "Unhealthy", "The database does not answer."));
            })
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("Health")
            .Produces<Answer>();
}
