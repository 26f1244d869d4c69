import { createBatcher } from './batch';

// Live updates: the server's event stream (GET /api/events, server-sent events) names the cases and tasks
// that changed for this caller; pages then re-read them through the normal authorised routes. Events are
// handed over in batches, so a burst (an import, a Fork creating many tasks, a busy board) costs a page a
// few re-reads rather than one per event. Where the stream is not there (older server, proxy that buffers),
// the page polls instead.
export interface CaseEvent { caseId?: string; taskId?: string; action?: string }

export interface LiveOptions {
  token: string;
  fetch?: typeof fetch;
  waitMs?: number;
  maxWaitMs?: number;
  pollMs?: number;
}

/** An empty batch means "something may have changed" (a poll or an unreadable event): re-read everything. */
export type BatchHandler = (events: CaseEvent[]) => void;

/** Listens until the returned function is called. */
export function subscribeToCaseEvents(onBatch: BatchHandler, options: LiveOptions): () => void {
  const { token, waitMs = 300, maxWaitMs = 1500, pollMs = 15000 } = options;
  const doFetch = options.fetch ?? fetch;
  let closed = false;
  let poll: ReturnType<typeof setInterval> | undefined;
  const abort = new AbortController();
  const batcher = createBatcher<CaseEvent>(onBatch, waitMs, maxWaitMs);
  const visible = () => typeof document === 'undefined' || document.visibilityState === 'visible';
  const startPolling = () => {
    if (!poll && !closed) poll = setInterval(() => { if (visible()) onBatch([]); }, pollMs);
  };

  (async () => {
    try {
      // EventSource cannot send an Authorization header: read the stream with fetch instead.
      const response = await doFetch('/api/events', { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: abort.signal });
      if (!response.ok || !response.body || !response.headers.get('content-type')?.includes('text/event-stream')) { startPolling(); return; }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parseCaseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) batcher.push(event);
        }
      }
      batcher.flush();
      startPolling();
    } catch {
      if (!abort.signal.aborted) startPolling();
    }
  })();

  return () => { closed = true; abort.abort(); batcher.cancel(); if (poll) clearInterval(poll); };
}

/** One server-sent event's text; `null` for "ready" and "ping", which only keep the stream alive. */
export function parseCaseEvent(chunk: string): CaseEvent | null {
  const lines = chunk.split('\n');
  const type = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
  if (type !== 'case') return null;
  const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
  try { return JSON.parse(data) as CaseEvent; } catch { return {}; }
}
