import { OUT_PORTS } from './model';
import type { ActivityNode, ConnectionEdge } from './model';
import { t } from '../i18n';

/** Where each out port of an activity leads, editable without a mouse (the canvas needs dragging for this). */
export function PortsEditor({ node, nodes, edges, onChange, readOnly }: {
  node: ActivityNode; nodes: ActivityNode[]; edges: ConnectionEdge[]; onChange: (port: string, targets: string[]) => void; readOnly?: boolean;
}) {
  const type = node.data.activity.type;
  const ports = OUT_PORTS[type] ?? [];
  if (ports.length === 0) return null;
  const candidates = nodes.filter((n) => n.id !== node.id && n.data.activity.type !== 'Start');
  const targetsOf = (port: string) => edges.filter((e) => e.source === node.id && (e.sourceHandle ?? 'Done') === port).map((e) => e.target);
  const label = (n: ActivityNode) => `${n.data.activity.name ?? n.id} (${n.id})`;

  return (
    <fieldset className="stack-sm" style={{ border: 0, padding: 0, margin: 0 }} disabled={readOnly}>
      <legend className="label">{t('designer.connections')}</legend>
      {ports.map((port) => {
        const id = `port-${node.id}-${port}`;
        const current = targetsOf(port);
        if (type === 'Fork') {
          return (
            <div key={port} className="field">
              <span className="hint">{t('designer.forkBranches')}</span>
              {candidates.map((n) => (
                <label key={n.id} className="row" style={{ gap: 6 }}>
                  <input type="checkbox" checked={current.includes(n.id)}
                    onChange={(e) => onChange(port, e.target.checked ? [...current, n.id] : current.filter((x) => x !== n.id))} />
                  {label(n)}
                </label>
              ))}
            </div>
          );
        }
        return (
          <div key={port} className="field">
            <label htmlFor={id}>{port}</label>
            <select id={id} value={current[0] ?? ''} onChange={(e) => onChange(port, e.target.value ? [e.target.value] : [])}>
              <option value="">{t('designer.notConnected')}</option>
              {candidates.map((n) => <option key={n.id} value={n.id}>{label(n)}</option>)}
            </select>
          </div>
        );
      })}
    </fieldset>
  );
}
