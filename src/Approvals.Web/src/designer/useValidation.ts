import { useEffect, useRef, useState } from 'react';
import { api, type FieldError } from '../api/client';
import type { Definition } from '../api/types';

/** Validates the definition on the server as the user edits (debounced); only the latest answer counts. */
export function useValidation(definitionJson: string | undefined, delayMs = 500) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [checking, setChecking] = useState(false);
  const generation = useRef(0);

  useEffect(() => {
    if (!definitionJson) return;
    const mine = ++generation.current;
    const timer = setTimeout(async () => {
      setChecking(true);
      try {
        const { data } = await api.POST('/api/workflows/validate', { body: JSON.parse(definitionJson) as never });
        if (mine === generation.current && data) setErrors(((data as { errors?: FieldError[] }).errors ?? []));
      } catch {
        // Offline or server error: keep the last answer; saving reports faults anyway.
      } finally {
        if (mine === generation.current) setChecking(false);
      }
    }, delayMs);
    return () => clearTimeout(timer);
  }, [definitionJson, delayMs]);

  return { errors, checking, setErrors };
}

/** The activity a validation error belongs to: its activityId, or the index in `$.root.activities[n]`. */
export function activityOf(error: FieldError, definition: Definition): string | undefined {
  if (error.activityId) return error.activityId;
  const m = /root\.activities\[(\d+)\]/.exec(error.field ?? '');
  return m ? definition.root?.activities?.[Number(m[1])]?.id : undefined;
}

/** Errors about one property of an activity, for the side panel (`...activities[3].condition` → condition). */
export function propertyOf(error: FieldError): string | undefined {
  const m = /activities\[\d+\]\.([A-Za-z]+)/.exec(error.field ?? '');
  return m?.[1];
}
