import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createBatcher } from './batch';

describe('live update batching', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  test('createBatcher_BurstOfFiftyEvents_DeliversOneBatchWithAllOfThem', () => {
    const batches: number[][] = [];
    const b = createBatcher<number>((xs) => batches.push(xs), 300, 1500);
    for (let i = 0; i < 50; i++) b.push(i);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(300);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(50);
  });

  test('createBatcher_EventsSpreadOverTwoSeconds_DeliversAHandfulNotOnePerEvent', () => {
    const batches: number[][] = [];
    const b = createBatcher<number>((xs) => batches.push(xs), 300, 1500);
    // 50 events, one every 40 ms: never quiet for 300 ms, so only the cap hands them over.
    for (let i = 0; i < 50; i++) { b.push(i); vi.advanceTimersByTime(40); }
    vi.advanceTimersByTime(300);
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.flat()).toEqual([...Array(50).keys()]);
  });

  test('createBatcher_SingleEvent_DeliveredAfterTheQuietPeriod', () => {
    const deliver = vi.fn();
    const b = createBatcher<string>(deliver, 300, 1500);
    b.push('case-1');
    vi.advanceTimersByTime(299);
    expect(deliver).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(deliver).toHaveBeenCalledWith(['case-1']);
  });

  test('createBatcher_CancelledWhileWaiting_DeliversNothing', () => {
    const deliver = vi.fn();
    const b = createBatcher<string>(deliver, 300, 1500);
    b.push('case-1');
    b.cancel();
    b.push('case-2');
    vi.advanceTimersByTime(5000);
    expect(deliver).not.toHaveBeenCalled();
  });
});
