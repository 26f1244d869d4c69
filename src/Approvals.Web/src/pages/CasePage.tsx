import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { AuditEntry, CaseView, Definition, TaskView } from '../api/types';
import type { Me } from '../api/session';
import { formatDateTime, t } from '../i18n';
import { ErrorState, Loading } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { useAsync } from '../components/useAsync';
import { useLiveUpdates } from '../components/useLiveUpdates';
import { TaskActions } from './TaskActions';
import { CaseHistory } from './CaseHistory';
import { RequesterActions } from './RequesterActions';

const CaseDiagram = lazy(() => import('../designer/CaseDiagram'));

interface Loaded {
  task?: TaskView;
  case: CaseView;
  audit: AuditEntry[];
  definition?: Definition;
}

async function load(taskId: string | undefined, caseId: string | undefined): Promise<Loaded> {
  const task = taskId ? await call(api.GET('/api/tasks/{id}', { params: { path: { id: taskId } } })) : undefined;
  const id = task?.caseId ?? caseId!;
  const [c, audit] = await Promise.all([
    call(api.GET('/api/cases/{id}', { params: { path: { id } } })),
    call(api.GET('/api/cases/{id}/audit', { params: { path: { id } } })),
  ]);
  // The diagram is a nice-to-have: a case still opens when its definition cannot be read.
  const version = await api.GET('/api/workflows/{key}/versions/{version}', {
    params: { path: { key: c.workflow, version: Number(c.workflowVersion) } },
  }).catch(() => undefined);
  return { task, case: c, audit: audit as AuditEntry[], definition: (version?.data?.definition ?? undefined) as Definition | undefined };
}

export function CasePage({ me }: { me: Me }) {
  const { taskId, caseId } = useParams();
  const state = useAsync(() => load(taskId, caseId), [taskId, caseId]);
  const current = state.data;
  useLiveUpdates((events) => {
    const mine = (e: { caseId?: string; taskId?: string }) => !e.caseId || e.caseId === current?.case.id || (!!e.taskId && e.taskId === current?.task?.id);
    if (!current || events.length === 0 || events.some(mine)) state.reload();
  });

  if (!current && state.loading) return <div className="page"><Loading /></div>;
  if (!current) return <div className="page"><ErrorState error={state.error} onRetry={state.reload} /></div>;

  const { task, case: c, audit, definition } = current;
  const done = [...new Set(audit.filter((a) => a.activityId && !c.activeActivities.includes(a.activityId)).map((a) => a.activityId!))];
  if (definition) done.push(...(definition.root?.activities ?? []).filter((a) => a.type === 'Start').map((a) => a.id));
  const names = new Map((definition?.root?.activities ?? []).map((a) => [a.id, a.name ?? a.id]));
  const data = (c.data ?? {}) as Record<string, unknown>;
  const labels = ((definition?.inputSchema as { properties?: Record<string, { title?: string }> } | undefined)?.properties) ?? {};

  return (
    <div className="page">
      <div className="page-head">
        <div className="stack-sm">
          <div className="row subtle">
            <Link to={task ? '/inbox' : '/cases'}>← {task ? t('nav.inbox') : t('nav.myCases')}</Link>
          </div>
          <div className="row">
            <h1 data-testid="case-title">{c.title}</h1>
            <span data-testid="case-status"><StatusBadge status={c.status} /></span>
          </div>
          <p className="muted">{definition?.name ?? c.workflow} · v{String(c.workflowVersion)} · {c.requester} · {formatDateTime(c.createdAt)}</p>
        </div>
      </div>

      <div className="case-grid">
        <div className="stack">
          {task && <TaskActions task={task} me={me} onChanged={state.reload} stageName={names.get(task.activityId)} />}
          <RequesterActions me={me} c={c} schema={definition?.inputSchema} onChanged={state.reload} stageNames={names}
            request={[...audit].reverse().filter((a) => (a.details as { decision?: string } | null)?.decision === 'request-changes').map((a) => ({ actor: a.actor, comment: a.comment }))[0]} />
          {'fault' in c && (c as { fault?: { activityId: string; message: string } }).fault && (
            <div className="banner banner-error">{t('case.fault', { activity: (c as { fault: { activityId: string } }).fault.activityId, message: (c as { fault: { message: string } }).fault.message })}</div>
          )}
          {definition && (
            <section className="card">
              <div className="card-head"><h2>{t('case.diagram')}</h2></div>
              <div className="card-body">
                <Suspense fallback={<Loading />}>
                  <CaseDiagram definition={definition} active={c.activeActivities} done={done} />
                </Suspense>
              </div>
            </section>
          )}
          <section className="card">
            <div className="card-head"><h2>{t('case.history')}</h2></div>
            <div className="card-body"><CaseHistory audit={audit} names={names} /></div>
          </section>
        </div>

        <aside className="stack sticky-side">
          <section className="card">
            <div className="card-head"><h2>{t('case.data')}</h2></div>
            <div className="card-body">
              {Object.keys(data).length === 0 && <p className="subtle">{t('case.noData')}</p>}
              <dl className="dl" data-testid="case-data">
                {Object.entries(data).map(([k, v]) => (
                  <div key={k} style={{ display: 'contents' }}>
                    <dt>{labels[k]?.title ?? k}</dt>
                    <dd>{typeof v === 'object' ? <code>{JSON.stringify(v)}</code> : String(v)}</dd>
                  </div>
                ))}
              </dl>
            </div>
          </section>
          <section className="card">
            <div className="card-head"><h2>{t('case.openTasks')}</h2></div>
            <div className="card-body stack-sm">
              {c.openTasks.length === 0 ? <p className="subtle">{t('case.noTasks')}</p> : c.openTasks.map((ot) => (
                <div key={ot.id}>
                  <div>{ot.activityName ?? names.get(ot.activityId) ?? ot.activityId}</div>
                  <div className="subtle">{ot.assignee ?? [...ot.candidateGroups, ...ot.candidateUsers].join(', ')}{ot.dueAt && <> · {t('task.due')} {formatDateTime(ot.dueAt)}</>}</div>
                </div>
              ))}
            </div>
          </section>
          <section className="card">
            <div className="card-head"><h2>{t('case.timers')}</h2></div>
            <div className="card-body stack-sm">
              {c.timers.length === 0 ? <p className="subtle">{t('case.noTimers')}</p> : c.timers.map((tm) => (
                <div key={tm.id}>
                  <div>{tm.kind} · {names.get(tm.activityId) ?? tm.activityId}</div>
                  <div className="subtle">{formatDateTime(tm.dueAt)}</div>
                </div>
              ))}
            </div>
          </section>
        </aside>
      </div>
    </div>
  );
}
