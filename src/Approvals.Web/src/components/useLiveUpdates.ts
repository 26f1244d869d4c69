import { useEffect, useRef } from 'react';
import { session } from '../api/session';
import { subscribeToCaseEvents, type BatchHandler } from './liveEvents';

/** Calls `onBatch` with the case events that arrived together (see liveEvents.ts) while the page is shown. */
export function useLiveUpdates(onBatch: BatchHandler) {
  const handler = useRef(onBatch);
  handler.current = onBatch;

  useEffect(() => {
    const token = session.token();
    if (!token) return undefined;
    return subscribeToCaseEvents((events) => handler.current(events), { token });
  }, []);
}
