import { useCallback, useEffect, useRef, useState } from 'react';
import { asPage, pageQuery } from '../api/pages';

/** A list read page by page through `fetchPage(query)`; `more()` appends the next page. */
export function usePaged<T>(fetchPage: (query: Record<string, string | number>) => Promise<unknown>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const generation = useRef(0);
  // `fetchPage` is a new closure every render; `deps` say when it asks for something new.
  const fetcher = useCallback(fetchPage, deps);

  const reload = useCallback((quiet = false) => {
    const mine = ++generation.current;
    if (!quiet) setLoading(true);
    setError(undefined);
    fetcher(pageQuery(null)).then(
      (body) => { if (mine !== generation.current) return; const p = asPage<T>(body); setItems(p.items); setNext(p.next); setLoading(false); },
      (e) => { if (mine !== generation.current) return; setError(e); setLoading(false); },
    );
  }, [fetcher]);

  const more = useCallback(() => {
    if (!next) return;
    const mine = generation.current;
    setLoadingMore(true);
    fetcher(pageQuery(next)).then(
      (body) => { if (mine !== generation.current) return; const p = asPage<T>(body); setItems((xs) => [...xs, ...p.items]); setNext(p.next); setLoadingMore(false); },
      (e) => { if (mine !== generation.current) return; setError(e); setLoadingMore(false); },
    );
  }, [fetcher, next]);

  useEffect(() => { reload(); }, [reload]);
  return { items, next, error, loading, loadingMore, reload, more };
}
