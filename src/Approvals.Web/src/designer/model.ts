// The designer's model <-> the stored definition. The canvas holds React Flow nodes and edges; each keeps
// the activity or connection object it came from, so saving writes back every property the designer does
// not understand (and the original key order) untouched. Only metadata.designer.position is the canvas's.
import type { Edge, Node } from '@xyflow/react';
import type { Activity, Connection, Definition } from '../api/types';

export const ACTIVITY_TYPES = ['Start', 'Review', 'Decision', 'Fork', 'Join', 'Notify', 'Wait', 'End'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const OUT_PORTS: Record<string, string[]> = {
  Start: ['Done'],
  Review: ['Approved', 'Rejected', 'ChangesRequested'],
  Decision: ['True', 'False'],
  Fork: ['Done'],
  Join: ['Done'],
  Notify: ['Done'],
  Wait: ['Done'],
  End: [],
};
export const hasInPort = (type: string) => type !== 'Start';

export type ActivityNodeData = { activity: Activity; errors?: string[]; status?: 'done' | 'active' | 'waiting'; heat?: number };
export type ActivityNode = Node<ActivityNodeData, 'activity'>;
export type ConnectionEdge = Edge<{ connection: Connection }>;

export interface Position { x: number; y: number }

export function positionOf(a: Activity): Position | undefined {
  const p = (a.metadata as { designer?: { position?: Position } } | undefined)?.designer?.position;
  return p && typeof p.x === 'number' && typeof p.y === 'number' ? { x: p.x, y: p.y } : undefined;
}

function withPosition(a: Activity, p: Position): Activity {
  const metadata = { ...(a.metadata ?? {}) } as Record<string, unknown>;
  const designer = { ...((metadata.designer as Record<string, unknown>) ?? {}) };
  designer.position = { x: Math.round(p.x), y: Math.round(p.y) };
  metadata.designer = designer;
  return { ...a, metadata };
}

export function edgeId(c: Connection, index: number) {
  return `${c.source.activity}:${c.source.port}->${c.target.activity}:${c.target.port ?? 'In'}#${index}`;
}

/** Nodes and edges for a definition; activities without a stored position are placed on a simple grid
 * (callers run the ELK layout when none has a position). */
export function toGraph(def: Definition): { nodes: ActivityNode[]; edges: ConnectionEdge[] } {
  const activities = def.root?.activities ?? [];
  const connections = def.root?.connections ?? [];
  const nodes: ActivityNode[] = activities.map((a, i) => ({
    id: a.id,
    type: 'activity',
    position: positionOf(a) ?? { x: (i % 6) * 240, y: Math.floor(i / 6) * 160 },
    data: { activity: a },
  }));
  const edges: ConnectionEdge[] = connections.map((c, i) => ({
    id: edgeId(c, i),
    source: c.source.activity,
    sourceHandle: c.source.port,
    target: c.target.activity,
    targetHandle: c.target.port ?? 'In',
    data: { connection: c },
  }));
  return { nodes, edges };
}

/** The definition the canvas shows: `base` with its activities and connections replaced from the graph. */
export function toDefinition(base: Definition, nodes: ActivityNode[], edges: ConnectionEdge[]): Definition {
  const activities = nodes.map((n) => {
    const a = n.data.activity;
    const id = n.id;
    const moved = positionOf(a);
    const same = moved && Math.round(moved.x) === Math.round(n.position.x) && Math.round(moved.y) === Math.round(n.position.y);
    const withId = a.id === id ? a : { ...a, id };
    return same ? withId : withPosition(withId, n.position);
  });
  const connections = edges.map((e) => {
    const original = e.data?.connection;
    const sourcePort = e.sourceHandle ?? 'Done';
    const targetPort = e.targetHandle ?? 'In';
    if (original && original.source.activity === e.source && original.source.port === sourcePort
      && original.target.activity === e.target && (original.target.port ?? 'In') === targetPort) return original;
    return {
      ...(original ?? {}),
      source: { activity: e.source, port: sourcePort },
      target: { activity: e.target, port: targetPort },
    } as Connection;
  });
  const root = { ...(base.root ?? { type: 'Flowchart' }), activities, connections };
  return { ...base, root };
}

/** A definition with every designer position removed (and metadata objects left empty by that): what
 * "unchanged apart from positions" compares. */
export function withoutPositions(def: Definition): Definition {
  const copy = structuredClone(def);
  for (const a of copy.root?.activities ?? []) {
    const md = a.metadata as Record<string, unknown> | undefined;
    const designer = md?.designer as Record<string, unknown> | undefined;
    if (designer) {
      delete designer.position;
      if (Object.keys(designer).length === 0) delete md!.designer;
    }
    if (md && Object.keys(md).length === 0) delete a.metadata;
  }
  return copy;
}

/** A fresh activity of a type with the smallest settings that make sense. */
export function newActivity(type: ActivityType, existing: Set<string>, at: Position): Activity {
  const base = type.toLowerCase();
  let n = 1;
  while (existing.has(`${base}${n}`)) n++;
  const id = `${base}${n}`;
  const a: Activity = { id, type, name: `${type} ${n}` };
  if (type === 'Review') Object.assign(a, { assignees: { users: [] }, policy: { mode: 'any' } });
  if (type === 'Decision') a.condition = 'true';
  if (type === 'Join') a.mode = 'all';
  if (type === 'End') a.outcome = 'Approved';
  if (type === 'Wait') a.duration = 'P1D';
  return withPosition(a, at);
}
