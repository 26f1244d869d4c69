import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
}

/** Runs `load` when `deps` change; a slower earlier answer never overwrites a newer one. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // `load` is a new closure every render; `deps` say when it asks for something new.
  const run = useCallback(load, deps);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(undefined);
    run().then(
      (d) => { if (mine === generation.current) { setData(d); setLoading(false); } },
      (e) => { if (mine === generation.current) { setError(e); setLoading(false); } },
    );
  }, [run]);

  useEffect(() => { reload(); }, [reload]);
  return { data, error, loading, reload, setData };
}
