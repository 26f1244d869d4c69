import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useParams, useSearchParams } from 'react-router';
import {
  addEdge, Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useEdgesState, useNodesState, useReactFlow, type Connection as FlowConnection,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './flow.css';
import './designer.css';
import { api, call, toProblem } from '../api/client';
import type { Activity, Definition } from '../api/types';
import { isKey, t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { ErrorState, Loading } from '../components/states';
import { useToast } from '../components/toast';
import { nodeTypes } from './ActivityNodeView';
import { ActivityInspector, WorkflowInspector } from './Inspector';
import { layout } from './layout';
import { newActivity, positionOf, toDefinition, toGraph, type ActivityNode, type ActivityType, type ConnectionEdge } from './model';
import { DRAG_TYPE, Palette } from './Palette';
import { activityOf, useValidation } from './useValidation';
import { DesignerToolbar } from './DesignerToolbar';
import { PortsEditor } from './PortsEditor';
import { KeyboardConnectProvider, portLabel, useKeyboardConnectState, type PortRef } from './keyboardConnect';

export function blankDefinition(key: string): Definition {
  return {
    key, name: key, inputSchema: { type: 'object', properties: {} },
    root: { type: 'Flowchart', activities: [{ id: 'start', type: 'Start', name: 'Start', metadata: { designer: { position: { x: 0, y: 120 } } } }], connections: [] },
  };
}

interface Loaded { definition: Definition; latestVersion: number | null }

async function loadWorkflow(key: string, version: number | null): Promise<Loaded> {
  if (version) {
    const v = await call(api.GET('/api/workflows/{key}/versions/{version}', { params: { path: { key, version } } }));
    return { definition: v.definition as Definition, latestVersion: Number(v.version) };
  }
  const { data, response } = await api.GET('/api/workflows/{key}', { params: { path: { key } } });
  if (response.status === 404) return { definition: blankDefinition(key), latestVersion: null };
  if (!data) throw toProblem(undefined, response);
  // Designers get the draft beside the latest published version (the document's schema name is shared today).
  const view = data as { draft?: { definition?: unknown } | null; definition?: unknown; version?: number | string | null };
  const def = (view.draft?.definition ?? view.definition) as Definition;
  return { definition: def, latestVersion: view.version == null ? null : Number(view.version) };
}

export function Designer() {
  return <ReactFlowProvider><DesignerCanvas /></ReactFlowProvider>;
}

function DesignerCanvas() {
  const { key = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const viewVersion = search.get('version') ? Number(search.get('version')) : null;
  const toast = useToast();
  const flow = useReactFlow();
  const flowRef = useRef(flow);
  flowRef.current = flow;
  const wrapper = useRef<HTMLDivElement>(null);

  const [base, setBase] = useState<Definition>();
  const [nodes, setNodes, onNodesChange] = useNodesState<ActivityNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<ConnectionEdge>([]);
  const [latestVersion, setLatestVersion] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<unknown>();
  const [savedJson, setSavedJson] = useState('');
  const [busy, setBusy] = useState(false);
  const readOnly = viewVersion !== null;

  const open = useCallback(async (def: Definition, fromServer: boolean) => {
    const g = toGraph(def);
    const unplaced = (def.root?.activities ?? []).some((a) => !positionOf(a));
    const placed = unplaced ? await layout(g.nodes, g.edges) : g.nodes;
    setBase(def);
    setNodes(placed);
    setEdges(g.edges);
    if (fromServer) setSavedJson(JSON.stringify(toDefinition(def, placed, g.edges)));
    setTimeout(() => void flowRef.current.fitView({ padding: 0.15, maxZoom: 1 }), 50);
  }, [setEdges, setNodes]);

  useEffect(() => {
    let live = true;
    setLoadError(undefined);
    setBase(undefined);
    loadWorkflow(key, viewVersion).then((l) => { if (live) { setLatestVersion((v) => (viewVersion ? v : l.latestVersion)); void open(l.definition, true); } }, (e) => live && setLoadError(e));
    return () => { live = false; };
  }, [key, viewVersion, open]);

  const definition = useMemo(() => (base ? toDefinition(base, nodes, edges) : undefined), [base, nodes, edges]);
  const json = useMemo(() => (definition ? JSON.stringify(definition) : undefined), [definition]);
  const validation = useValidation(readOnly ? undefined : json);
  const dirty = !!json && json !== savedJson && !readOnly;

  // Validation errors are shown on the nodes themselves; derived at render so they never feed back into the definition.
  const shownNodes = useMemo(() => {
    if (!definition) return nodes;
    const byActivity = new Map<string, string[]>();
    for (const e of validation.errors) {
      const id = activityOf(e, definition);
      if (id) byActivity.set(id, [...(byActivity.get(id) ?? []), e.message]);
    }
    // Each node is named for screen readers by its type and name ("Review: Legal check").
    return nodes.map((n) => {
      const a = n.data.activity;
      const ariaLabel = `${isKey(`type.${a.type}`) ? t(`type.${a.type}` as MessageKey) : a.type}: ${a.name ?? a.id}`;
      return { ...n, ariaLabel, data: byActivity.has(n.id) ? { ...n.data, errors: byActivity.get(n.id) } : n.data };
    });
  }, [nodes, validation.errors, definition]);

  const selected = nodes.find((n) => n.selected);
  const ids = useMemo(() => new Set(nodes.map((n) => n.id)), [nodes]);

  const addAt = useCallback((type: ActivityType, position: { x: number; y: number }) => {
    const activity = newActivity(type, ids, position);
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), { id: activity.id, type: 'activity', position, data: { activity }, selected: true }]);
  }, [ids, setNodes]);

  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(DRAG_TYPE) as ActivityType;
    if (!type || readOnly) return;
    e.preventDefault();
    addAt(type, flow.screenToFlowPosition({ x: e.clientX - 100, y: e.clientY - 30 }));
  };

  const addCentered = (type: ActivityType) => {
    const r = wrapper.current?.getBoundingClientRect();
    const at = flow.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 600) / 2 - 100, y: (r?.top ?? 0) + (r?.height ?? 400) / 2 - 30 });
    // Below anything already there, so a keyboard-added activity never hides another.
    while (nodes.some((n) => Math.abs(n.position.x - at.x) < 210 && Math.abs(n.position.y - at.y) < 150)) at.y += 160;
    addAt(type, at);
  };

  const onConnect = useCallback((c: FlowConnection) => {
    setEdges((es) => {
      const sourceType = nodes.find((n) => n.id === c.source)?.data.activity.type;
      // One connection per out port, except a Fork's Done where each connection is a branch.
      const kept = sourceType === 'Fork' ? es : es.filter((e) => !(e.source === c.source && e.sourceHandle === c.sourceHandle));
      return addEdge({ ...c, id: `${c.source}:${c.sourceHandle}->${c.target}:${c.targetHandle ?? 'In'}#${Date.now()}` }, kept) as ConnectionEdge[];
    });
  }, [nodes, setEdges]);

  const describe = useCallback((id: string) => String(nodes.find((n) => n.id === id)?.data.activity.name ?? id), [nodes]);
  const connectByKeyboard = useCallback((from: PortRef, target: string) => {
    onConnect({ source: from.source, sourceHandle: from.port, target, targetHandle: 'In' });
  }, [onConnect]);
  const keyboard = useKeyboardConnectState(connectByKeyboard, describe);
  const edgeWords = (e: ConnectionEdge) => ({ port: portLabel(e.sourceHandle ?? 'Done'), from: describe(e.source), to: describe(e.target) });
  // Edges are focusable on the canvas; their names say where they lead, for screen readers.
  const shownEdges = useMemo(() => edges.map((e) => ({ ...e, ariaLabel: t('designer.edgeLabel', edgeWords(e)) })),
    [edges, describe]);
  const onEdgesDelete = (removed: ConnectionEdge[]) => {
    if (removed.length) keyboard.announce(removed.map((e) => t('designer.edgeRemoved', edgeWords(e))).join(' '));
  };

  const updateActivity = (a: Activity) => {
    if (!selected) return;
    setNodes((ns) => ns.map((n) => (n.id === selected.id ? { ...n, data: { ...n.data, activity: a } } : n)));
  };
  const setPortTargets = (port: string, targets: string[]) => {
    if (!selected) return;
    setEdges((es) => {
      const from = (e: ConnectionEdge) => e.source === selected.id && (e.sourceHandle ?? 'Done') === port;
      // Keep the edges (and the connection objects behind them) that still lead where they did.
      const kept = es.filter((e) => !from(e) || targets.includes(e.target));
      const added = targets.filter((target) => !es.some((e) => from(e) && e.target === target))
        .map((target, i) => ({ id: `${selected.id}:${port}->${target}:In#${Date.now()}-${i}`, source: selected.id, sourceHandle: port, target, targetHandle: 'In' }) as ConnectionEdge);
      return [...kept, ...added];
    });
  };
  const deleteSelected = () => {
    if (!selected) return;
    setNodes((ns) => ns.filter((n) => n.id !== selected.id));
    setEdges((es) => es.filter((e) => e.source !== selected.id && e.target !== selected.id));
  };

  async function save(publish: boolean) {
    if (!definition) return;
    setBusy(true);
    try {
      const { error, response } = await api.PUT('/api/workflows/{key}', { params: { path: { key } }, body: definition as never });
      if (!response.ok) {
        const p = toProblem(error, response);
        validation.setErrors(p.errors);
        toast(p.errors.length ? t('designer.invalid', { n: p.errors.length }) : p.message);
        return;
      }
      setSavedJson(JSON.stringify(definition));
      if (!publish) { toast(t('designer.saved')); return; }
      const published = await call(api.POST('/api/workflows/{key}/publish', { params: { path: { key } } }));
      setLatestVersion(Number(published.version));
      toast(t('designer.published', { n: Number(published.version) }));
    } catch (e) {
      toast(toProblem(e).general().join(' '));
    } finally {
      setBusy(false);
    }
  }

  const autoLayout = async () => { setNodes(await layout(nodes, edges)); };

  if (loadError) return <div className="page"><ErrorState error={loadError} /></div>;
  if (!base || !definition) return <Loading />;

  return (
    <div className="designer">
      <DesignerToolbar
        name={String(definition.name ?? key)} keyName={key} dirty={dirty} busy={busy} readOnly={readOnly}
        errorCount={validation.errors.length} checking={validation.checking}
        latestVersion={latestVersion} viewVersion={viewVersion}
        onSave={() => save(false)} onPublish={() => save(true)} onLayout={() => void autoLayout().then(() => setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1 }), 30))}
        onExport={() => download(`${key}.json`, JSON.stringify(definition, null, 2))}
        onImport={(def) => void open({ ...def, key }, false)}
        onVersion={(v) => setSearch(v ? { version: String(v) } : {})}
      />
      <div className="designer-body">
        {!readOnly && <Palette onAdd={addCentered} />}
        <div className="designer-canvas" ref={wrapper} onDrop={onDrop} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} data-testid="canvas">
          <KeyboardConnectProvider value={readOnly ? null : keyboard.value}>
          <ReactFlow nodes={shownNodes} edges={shownEdges} nodeTypes={nodeTypes} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange}
            onConnect={onConnect} onEdgesDelete={onEdgesDelete} ariaLabelConfig={ariaLabels()} deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']} nodesDraggable={!readOnly} nodesConnectable={!readOnly}
            fitView fitViewOptions={{ padding: 0.15, maxZoom: 1 }} proOptions={{ hideAttribution: true }} minZoom={0.2} defaultEdgeOptions={{ type: 'smoothstep' }}>
            <Background gap={20} size={1} />
            <Controls />
            <MiniMap pannable zoomable className="designer-minimap" style={{ width: 160, height: 100 }} />
          </ReactFlow>
          </KeyboardConnectProvider>
          <div className="visually-hidden" role="status" aria-live="polite" data-testid="designer-announcer">{keyboard.message}</div>
        </div>
        <aside className="designer-panel" aria-label={t('designer.properties')}>
          {selected ? (
            <ActivityInspector key={selected.id} activity={selected.data.activity} readOnly={readOnly}
              errors={validation.errors.filter((e) => activityOf(e, definition) === selected.id)} onChange={updateActivity} onDelete={deleteSelected}>
              <PortsEditor node={selected} nodes={nodes} edges={edges} onChange={setPortTargets} readOnly={readOnly} />
            </ActivityInspector>
          ) : (
            <WorkflowInspector definition={base} readOnly={readOnly} errors={validation.errors.filter((e) => !activityOf(e, definition))} onChange={setBase} />
          )}
        </aside>
      </div>
    </div>
  );
}

/** React Flow's own screen-reader texts, from the catalogue. */
const ariaLabels = () => ({
  'node.a11yDescription.default': t('designer.nodeHelp'),
  'node.a11yDescription.keyboardDisabled': t('designer.nodeHelp'),
  'node.a11yDescription.ariaLiveMessage': ({ direction, x, y }: { direction: string; x: number; y: number }) => t('designer.nodeMoved', { direction, x, y }),
  'edge.a11yDescription.default': t('designer.edgeHelp'),
});

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
