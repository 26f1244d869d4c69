import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { t } from '../i18n';

// Connecting ports without a mouse. Each out port on the canvas is a button: pressing it picks the port up,
// every activity that can take the connection then shows a "connect here" button, and pressing one of
// those connects (Escape puts the port down again). A connection on the canvas is removed by focusing it,
// pressing Enter to select it and Delete. Each step is announced through a polite live region, so a screen
// reader user hears what is held and what happened.
export interface PortRef { source: string; port: string }

export interface HeldPort extends PortRef { sourceName: string }

export interface KeyboardConnect {
  pending: HeldPort | null;
  pick: (ref: PortRef) => void;
  drop: (target: string) => void;
}

const Context = createContext<KeyboardConnect | null>(null);
export const KeyboardConnectProvider = Context.Provider;

/** Null outside the designer (the case diagram and dashboard draw the same nodes read-only). */
export function useKeyboardConnect() {
  return useContext(Context);
}

/** The state behind the context; `connect` adds the connection, `describe` names an activity for speech. */
export function useKeyboardConnectState(connect: (from: PortRef, target: string) => void, describe: (id: string) => string) {
  const [pending, setPending] = useState<HeldPort | null>(null);
  const [message, setMessage] = useState('');

  const focusPort = (ref: PortRef) => setTimeout(() => {
    document.querySelector<HTMLElement>(`[data-port-key="${CSS.escape(`${ref.source}:${ref.port}`)}"]`)?.focus();
  }, 0);

  const pick = useCallback((ref: PortRef) => {
    setPending({ ...ref, sourceName: describe(ref.source) });
    setMessage(t('designer.connectPicked', { port: portLabel(ref.port), name: describe(ref.source) }));
  }, [describe]);

  const drop = useCallback((target: string) => {
    if (!pending) return;
    connect(pending, target);
    setMessage(t('designer.connectDone', { port: portLabel(pending.port), from: describe(pending.source), to: describe(target) }));
    setPending(null);
    focusPort(pending);
  }, [pending, connect, describe]);

  useEffect(() => {
    if (!pending) return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setPending(null);
      setMessage(t('designer.connectCancelled'));
      focusPort(pending);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [pending]);

  return { value: { pending, pick, drop } satisfies KeyboardConnect, message, announce: setMessage };
}

export function portLabel(port: string) {
  switch (port) {
    case 'Approved': return t('port.Approved');
    case 'Rejected': return t('port.Rejected');
    case 'ChangesRequested': return t('port.ChangesRequested');
    case 'True': return t('port.True');
    case 'False': return t('port.False');
    default: return t('port.Done');
  }
}
