// Automatic layout with ELK's layered algorithm, left to right (mirrored by the caller for RTL later).
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ActivityNode, ConnectionEdge } from './model';

const elk = new ELK();
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 72;

export async function layout(nodes: ActivityNode[], edges: ConnectionEdge[]): Promise<ActivityNode[]> {
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.edgeRouting': 'ORTHOGONAL',
    },
    children: nodes.map((n) => ({ id: n.id, width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT })),
    edges: edges
      .filter((e) => nodes.some((n) => n.id === e.source) && nodes.some((n) => n.id === e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const placed = new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  return nodes.map((n) => ({ ...n, position: placed.get(n.id) ?? n.position }));
}
