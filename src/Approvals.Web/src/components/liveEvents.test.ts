import { describe, expect, test } from 'vitest';
import { parseCaseEvent, subscribeToCaseEvents, type CaseEvent } from './liveEvents';

/** A fetch that answers /api/events with `chunks` as a server-sent event stream, then keeps it open. */
function streamOf(chunks: string[], gapMs = 0): typeof fetch {
  return (async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const c of chunks) {
          controller.enqueue(encoder.encode(c));
          if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        }
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
}

const caseEvent = (i: number) => `event: case\ndata: {"caseId":"c${i}","taskId":"t${i}","action":"TaskCreated","at":"2026-01-01T00:00:00Z"}\n\n`;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live updates from GET /api/events', () => {
  test('subscribeToCaseEvents_BurstOfFiftyCaseEvents_AHandfulOfBatchesCarryingAllFifty', async () => {
    const batches: CaseEvent[][] = [];
    const stop = subscribeToCaseEvents((b) => batches.push(b), {
      token: 't', fetch: streamOf(['event: ready\ndata: {}\n\n', ...Array.from({ length: 50 }, (_, i) => caseEvent(i))]), waitMs: 50, maxWaitMs: 200,
    });
    await wait(400);
    stop();
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.flat().map((e) => e.caseId)).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
  });

  test('subscribeToCaseEvents_EventsTrickleInOverHalfASecond_FewerBatchesThanEvents', async () => {
    const batches: CaseEvent[][] = [];
    const stop = subscribeToCaseEvents((b) => batches.push(b), {
      token: 't', fetch: streamOf(Array.from({ length: 50 }, (_, i) => caseEvent(i)), 10), waitMs: 50, maxWaitMs: 200,
    });
    await wait(1200);
    stop();
    expect(batches.flat()).toHaveLength(50);
    expect(batches.length).toBeLessThanOrEqual(6);
  });

  test('subscribeToCaseEvents_StoppedBeforeTheQuietPeriodEnds_NothingDelivered', async () => {
    const batches: CaseEvent[][] = [];
    const stop = subscribeToCaseEvents((b) => batches.push(b), { token: 't', fetch: streamOf([caseEvent(1)]), waitMs: 200 });
    await wait(20);
    stop();
    await wait(300);
    expect(batches).toHaveLength(0);
  });

  test('parseCaseEvent_PingAndReady_Ignored', () => {
    expect(parseCaseEvent('event: ping\ndata: {}')).toBeNull();
    expect(parseCaseEvent('event: ready\ndata: {}')).toBeNull();
    expect(parseCaseEvent('event: case\ndata: {"caseId":"x"}')).toEqual({ caseId: 'x' });
  });
});
