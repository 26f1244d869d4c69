import { useMemo } from 'react';
import { Background, ControlButton, Controls, ReactFlow, ReactFlowProvider, getViewportForBounds, useReactFlow, useStore, type FitViewOptions } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './flow.css';
import { toGraph, type ActivityNode, type ConnectionEdge } from './model';
import { nodeTypes } from './ActivityNodeView';
import type { Definition } from '../api/types';
import { t } from '../i18n';

const FORWARD = new Set(['Done', 'Approved', 'True']);

/** Where a case stands on its workflow: done, active and not-yet-reached stages coloured. A whole workflow
 * fitted into a phone-wide box is too small to read, so the view opens on the active stages and their
 * neighbours on the way forward at a readable zoom; the fit button shows the whole workflow and "current stage" comes back. */
export default function CaseDiagram({ definition, active = [], done = [], heat }: {
  definition: Definition; active?: string[]; done?: string[]; heat?: Record<string, number>;
}) {
  const { nodes, edges } = useMemo(() => {
    const g = toGraph(definition);
    const activeSet = new Set(active);
    const doneSet = new Set(done);
    return {
      nodes: g.nodes.map((n): ActivityNode => ({ ...n, draggable: false, connectable: false,
        data: heat
          ? { ...n.data, heat: heat[n.id] }
          : { ...n.data, status: activeSet.has(n.id) ? 'active' as const : doneSet.has(n.id) ? 'done' as const : 'waiting' as const } })),
      edges: g.edges.map((e): ConnectionEdge => ({ ...e, animated: doneSet.has(e.source) && activeSet.has(e.target) })),
    };
  }, [definition, active, done, heat]);
  const focus = useMemo(() => {
    if (heat || active.length === 0) return undefined;
    const near = new Set(active);
    for (const e of edges) {
      if (active.includes(e.target)) near.add(e.source);
      // Only the way forward: a Rejected end placed at the far edge would widen the view to the whole workflow.
      if (active.includes(e.source) && FORWARD.has(e.sourceHandle ?? 'Done')) near.add(e.target);
    }
    return [...near].map((id) => ({ id }));
  }, [heat, active, edges]);
  const view = useMemo<FitViewOptions>(() => (focus ? { nodes: focus, padding: 0.12, minZoom: 0.55, maxZoom: 1 } : { padding: 0.04 }), [focus]);

  return (
    <div className="stack-sm">
      <div className="diagram" data-testid="case-diagram">
        <ReactFlowProvider>
          <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView fitViewOptions={view} nodesDraggable={false} nodesConnectable={false}
            elementsSelectable={false} proOptions={{ hideAttribution: true }} minZoom={0.05}>
            <Background gap={20} size={1} />
            <Controls showInteractive={false} fitViewOptions={{ padding: 0.04 }}>
              {focus && <FocusButton view={view} />}
            </Controls>
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

/** Back to the current stage. Computed here: the diagram's nodes are fixed props, so React Flow's queued
 * fitView (which waits for a node update) would never run after the first fit. */
function FocusButton({ view }: { view: FitViewOptions }) {
  const flow = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const focus = () => {
    const bounds = flow.getNodesBounds((view.nodes ?? []).map((n) => n.id));
    void flow.setViewport(getViewportForBounds(bounds, width, height, view.minZoom ?? 0.05, view.maxZoom ?? 1, view.padding ?? 0.1));
  };
  return <ControlButton onClick={focus} title={t('case.diagramFocus')} aria-label={t('case.diagramFocus')}>◎</ControlButton>;
}
