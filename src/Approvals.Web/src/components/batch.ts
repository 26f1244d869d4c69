/**
 * Gathers items that arrive close together and hands them over in one call: the first item starts a short
 * quiet-period timer, each further one restarts it, and `maxWaitMs` caps how long a steady stream can delay
 * the hand-over. A burst of fifty case events thus costs a page one or two re-reads instead of fifty, while a
 * single event is still acted on within `waitMs`.
 */
export interface Batcher<T> {
  push: (item: T) => void;
  /** Hands over whatever is waiting now (nothing happens when nothing waits). */
  flush: () => void;
  /** Drops whatever is waiting and stops the timers: nothing is handed over afterwards. */
  cancel: () => void;
}

export function createBatcher<T>(deliver: (items: T[]) => void, waitMs = 300, maxWaitMs = 1500): Batcher<T> {
  let items: T[] = [];
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let cap: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;

  const clear = () => {
    if (quiet !== undefined) clearTimeout(quiet);
    if (cap !== undefined) clearTimeout(cap);
    quiet = cap = undefined;
  };
  const flush = () => {
    clear();
    if (items.length === 0 || cancelled) return;
    const batch = items;
    items = [];
    deliver(batch);
  };

  return {
    push(item) {
      if (cancelled) return;
      items.push(item);
      if (quiet !== undefined) clearTimeout(quiet);
      quiet = setTimeout(flush, waitMs);
      if (cap === undefined) cap = setTimeout(flush, maxWaitMs);
    },
    flush,
    cancel() { cancelled = true; items = []; clear(); },
  };
}
