import { Handle, Position, type NodeProps } from '@xyflow/react';
import { hasInPort, OUT_PORTS, type ActivityNode } from './model';
import { t, isKey } from '../i18n';
import { portLabel, useKeyboardConnect } from './keyboardConnect';

const ICONS: Record<string, string> = { Start: '▶', Review: '✓', Decision: '◆', Fork: '⑂', Join: '⊕', Notify: '✉', Wait: '⏱', End: '■' };

function summary(a: ActivityNode['data']['activity']): string | undefined {
  const as = a.assignees as { users?: string[]; groups?: string[]; requesterManager?: boolean; expression?: string } | undefined;
  if (a.type === 'Review' && as) {
    const who = [...(as.groups ?? []), ...(as.users ?? []).map((u) => u.split('@')[0])];
    if (as.requesterManager) who.push('manager');
    if (as.expression) who.push('ƒ');
    const mode = (a.policy as { mode?: string; approvals?: number } | undefined);
    return `${who.join(', ') || '—'}${mode?.mode ? ` · ${mode.mode}${mode.mode === 'quorum' ? ` ${mode.approvals ?? ''}` : ''}` : ''}`;
  }
  if (a.type === 'Decision') return String(a.condition ?? '');
  if (a.type === 'End') return String(a.outcome ?? '');
  if (a.type === 'Wait') return String(a.duration ?? '');
  if (a.type === 'Join') return String(a.mode ?? 'all');
  return undefined;
}

/** One activity on the canvas: its ports are React Flow handles named after the definition's ports. In the
 * designer each out port is also a button that picks the port up for a keyboard connection (keyboardConnect.tsx). */
export function ActivityNodeView({ id, data, selected }: NodeProps<ActivityNode>) {
  const a = data.activity;
  const outs = OUT_PORTS[a.type] ?? [];
  const typeKey = `type.${a.type}`;
  const keyboard = useKeyboardConnect();
  const pending = keyboard?.pending;
  const name = String(a.name ?? a.id);
  const canTake = !!pending && pending.source !== id && hasInPort(a.type);
  const cls = ['af-node', `af-${a.type.toLowerCase()}`, data.status ? `af-${data.status}` : '', data.errors?.length ? 'af-invalid' : '', selected ? 'af-selected' : '', canTake ? 'af-can-take' : ''].join(' ');
  const heat = data.heat;
  return (
    <div className={cls} data-testid={`node-${a.id}`} title={data.errors?.join('\n')}
      style={heat !== undefined ? { boxShadow: `0 0 0 3px color-mix(in srgb, var(--danger) ${Math.round(heat * 100)}%, transparent)` } : undefined}>
      {hasInPort(a.type) && <Handle type="target" position={Position.Left} id="In" className="af-handle" />}
      <div className="af-head">
        <span className="af-icon" aria-hidden>{ICONS[a.type] ?? '•'}</span>
        <span className="af-type">{isKey(typeKey) ? t(typeKey) : a.type}</span>
        {data.errors?.length ? <span className="af-err" aria-label={data.errors.join('; ')}>{data.errors.length}</span> : null}
      </div>
      <div className="af-name">{name}</div>
      {summary(a) && <div className="af-sub">{summary(a)}</div>}
      {canTake && (
        <button type="button" className="af-connect-here nokey nodrag" onClick={() => keyboard.drop(id)}
          aria-label={t('designer.connectHereLabel', { port: portLabel(pending.port), from: pending.sourceName, name })}>
          {t('designer.connectHere')}
        </button>
      )}
      {outs.length > 0 && (
        <div className="af-ports">
          {outs.map((p) => (
            <div className={`af-port${pending?.source === id && pending.port === p ? ' af-port-held' : ''}`} key={p}>
              {keyboard ? (
                <button type="button" className="af-port-key nokey nodrag" data-port-key={`${id}:${p}`} aria-pressed={pending?.source === id && pending.port === p}
                  aria-label={t('designer.connectPort', { port: portLabel(p), name })} onClick={() => keyboard.pick({ source: id, port: p })}>
                  {portLabel(p)}
                </button>
              ) : <span>{portLabel(p)}</span>}
              <Handle type="source" position={Position.Right} id={p} className={`af-handle af-port-${p}`} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export const nodeTypes = { activity: ActivityNodeView };
