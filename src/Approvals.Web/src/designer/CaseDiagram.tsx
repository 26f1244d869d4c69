import { useMemo } from 'react';
import { Background, Controls, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './flow.css';
import { toGraph } from './model';
import { nodeTypes } from './ActivityNodeView';
import type { Definition } from '../api/types';
import { t } from '../i18n';

/** Where a case stands on its workflow: done, active and not-yet-reached stages coloured. */
export default function CaseDiagram({ definition, active = [], done = [], heat }: {
  definition: Definition; active?: string[]; done?: string[]; heat?: Record<string, number>;
}) {
  const { nodes, edges } = useMemo(() => {
    const g = toGraph(definition);
    const activeSet = new Set(active);
    const doneSet = new Set(done);
    return {
      nodes: g.nodes.map((n) => ({ ...n, draggable: false, connectable: false,
        data: heat
          ? { ...n.data, heat: heat[n.id] }
          : { ...n.data, status: activeSet.has(n.id) ? 'active' as const : doneSet.has(n.id) ? 'done' as const : 'waiting' as const } })),
      edges: g.edges.map((e) => ({ ...e, animated: doneSet.has(e.source) && activeSet.has(e.target) })),
    };
  }, [definition, active, done, heat]);
  return (
    <div className="stack-sm">
      <div className="diagram" data-testid="case-diagram">
        <ReactFlowProvider>
          <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView fitViewOptions={{ padding: 0.04 }}
            // Fit again once the nodes are measured: the first fit can run before they have sizes.
            onInit={(flow) => setTimeout(() => void flow.fitView({ padding: 0.04 }), 60)} nodesDraggable={false} nodesConnectable={false}
            elementsSelectable={false} proOptions={{ hideAttribution: true }} minZoom={0.05}>
            <Background gap={20} size={1} />
            <Controls showInteractive={false} />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
      {!heat && <div className="legend">
        <span><i className="l-done" />{t('case.legend.done')}</span>
        <span><i className="l-active" />{t('case.legend.active')}</span>
        <span><i className="l-waiting" />{t('case.legend.waiting')}</span>
      </div>}
    </div>
  );
}
