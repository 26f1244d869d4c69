import { useEffect, useRef } from 'react';
import { session } from '../api/session';

// Live updates: the server's event stream (GET /api/events, server-sent events) names the cases and tasks
// that changed for this caller; the page then re-reads them through the normal authorised routes. Where
// the stream is not there (older server, proxy that buffers), the page polls instead.
const POLL_MS = 15000;

export function useLiveUpdates(onChange: (event?: { caseId?: string; taskId?: string }) => void) {
  const handler = useRef(onChange);
  handler.current = onChange;

  useEffect(() => {
    let closed = false;
    let poll: ReturnType<typeof setInterval> | undefined;
    const abort = new AbortController();
    const startPolling = () => {
      if (!poll && !closed) poll = setInterval(() => { if (document.visibilityState === 'visible') handler.current(); }, POLL_MS);
    };

    (async () => {
      const token = session.token();
      if (!token) return;
      try {
        // EventSource cannot send an Authorization header: read the stream with fetch instead.
        const response = await fetch('/api/events', { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: abort.signal });
        if (!response.ok || !response.body || !response.headers.get('content-type')?.includes('text/event-stream')) { startPolling(); return; }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const chunk = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = chunk.split('\n');
            const type = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
            if (type !== 'case') continue; // "ready" and "ping" only keep the stream alive
            const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
            try { handler.current(JSON.parse(data)); } catch { handler.current(); }
          }
        }
        startPolling();
      } catch {
        if (!abort.signal.aborted) startPolling();
      }
    })();

    return () => { closed = true; abort.abort(); if (poll) clearInterval(poll); };
  }, []);
}
