using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Approvals.Server.Auth;
using Mediator;

namespace Approvals.Server.Features.Events;

/// <summary>
/// <c>GET /api/events</c>: server-sent events naming the cases (and tasks) that changed and that the caller
/// may see — <c>event: case</c>, <c>data: {"caseId", "taskId", "action", "at"}</c> — after one <c>event: ready</c>,
/// and an <c>event: ping</c> after 15 quiet seconds so proxies keep the connection open. The stream carries ids only: the client re-reads
/// through the authorised routes.
/// </summary>
public static class StreamEvents
{
    public sealed record Query(Actor Actor) : IStreamQuery<CaseEvent>;

    public sealed class Handler(EventFeed feed) : IStreamQueryHandler<Query, CaseEvent>
    {
        public async IAsyncEnumerable<CaseEvent> Handle(Query q, [EnumeratorCancellation] CancellationToken ct)
        {
            var reader = feed.Subscribe(q.Actor, ct);
            while (await reader.WaitToReadAsync(ct))
                while (reader.TryRead(out var e))
                    yield return e;
        }
    }

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static void Map(RouteGroupBuilder events) =>
        events.MapGet("/", (ClaimsPrincipal user, IMediator mediator, HttpContext http) =>
                TypedResults.ServerSentEvents(WithHeartbeat(mediator.CreateStream(new Query(user.Actor()), http.RequestAborted), http.RequestAborted)))
            .WithName("StreamEvents")
            .WithSummary("Live changes to the cases the caller may see (server-sent events).");

    /// <summary>The events, with an empty keep-alive item whenever none came for a while.</summary>
    private static async IAsyncEnumerable<SseItem<CaseEvent?>> WithHeartbeat(IAsyncEnumerable<CaseEvent> events, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var e = events.GetAsyncEnumerator(ct);
        // The first MoveNext subscribes to the feed (up to its first await); then "ready" goes out at once,
        // so the client knows the stream is live and the response headers are not held back.
        var next = e.MoveNextAsync().AsTask();
        yield return new SseItem<CaseEvent?>(null, "ready");
        while (true)
        {
            var winner = await Task.WhenAny(next, Task.Delay(Heartbeat, ct));
            if (winner != next)
            {
                yield return new SseItem<CaseEvent?>(null, "ping");
                continue;
            }
            if (!await next) yield break;
            yield return new SseItem<CaseEvent?>(e.Current, "case");
            next = e.MoveNextAsync().AsTask();
        }
    }
}

public static class EventsApi
{
    public static RouteGroupBuilder MapEventEndpoints(this RouteGroupBuilder api)
    {
        StreamEvents.Map(api.MapGroup("/events").WithTags("Events"));
        return api;
    }
}
