import { lazy, Suspense, useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, call } from '../api/client';
import type { Definition, WorkflowItem } from '../api/types';
import { t } from '../i18n';
import { Empty, ErrorState, Loading } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { useAsync } from '../components/useAsync';

const CaseDiagram = lazy(() => import('../designer/CaseDiagram'));


// One unit for the whole chart, chosen so the slowest stage reads as a sensible number.
const UNITS = [{ key: 'seconds', s: 1 }, { key: 'minutes', s: 60 }, { key: 'hours', s: 3600 }, { key: 'days', s: 86400 }] as const;
function unitFor(maxSeconds: number) {
  return [...UNITS].reverse().find((u) => maxSeconds >= 2 * u.s) ?? UNITS[0];
}
const inUnit = (s: number | string | null | undefined, unit: number) => (s == null ? 0 : Math.round((Number(s) / unit) * 10) / 10);

export function Dashboard() {
  const workflows = useAsync(async () => ((await call(api.GET('/api/workflows'))) as WorkflowItem[]).filter((w) => w.latestVersion != null), []);
  const [picked, setPicked] = useState<string>();
  const key = picked ?? workflows.data?.[0]?.key;
  const report = useAsync(async () => {
    if (!key) return undefined;
    const [r, wf] = await Promise.all([
      call(api.GET('/api/reports/stages', { params: { query: { workflow: key } } })),
      call(api.GET('/api/workflows/{key}', { params: { path: { key } } })),
    ]);
    return { report: r, definition: wf.definition as Definition };
  }, [key]);

  const names = useMemo(() => new Map((report.data?.definition.root?.activities ?? []).map((a) => [a.id, a.name ?? a.id])), [report.data]);
  const decided = (report.data?.report.stages ?? []).filter((s) => Number(s.completed) > 0);
  const unit = unitFor(Math.max(0, ...decided.map((s) => Number(s.p90Seconds ?? 0))));
  const chart = decided.map((s) => ({ stage: names.get(s.activityId) ?? s.activityId, median: inUnit(s.medianSeconds, unit.s), p90: inUnit(s.p90Seconds, unit.s) }));
  const heat = useMemo(() => {
    const stages = report.data?.report.stages ?? [];
    const max = Math.max(0, ...stages.map((s) => Number(s.p90Seconds ?? 0)));
    return Object.fromEntries(stages.filter((s) => s.p90Seconds).map((s) => [s.activityId, max ? Number(s.p90Seconds ?? 0) / max : 0]));
  }, [report.data]);

  if (workflows.loading) return <div className="page"><Loading /></div>;
  if (workflows.error) return <div className="page"><ErrorState error={workflows.error} onRetry={workflows.reload} /></div>;
  const r = report.data?.report;
  const total = r ? Object.values(r.casesByStatus).reduce<number>((a, b) => a + Number(b), 0) : 0;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('dashboard.title')}</h1>
          <p>{t('dashboard.subtitle')}</p>
        </div>
        <div className="field">
          <label htmlFor="dash-workflow" className="visually-hidden">{t('dashboard.workflow')}</label>
          <select id="dash-workflow" value={key ?? ''} onChange={(e) => setPicked(e.target.value)}>
            {(workflows.data ?? []).map((w) => <option key={w.key} value={w.key}>{w.name}</option>)}
          </select>
        </div>
      </div>
      {report.loading ? <Loading /> : report.error ? <ErrorState error={report.error} onRetry={report.reload} /> : !r ? <Empty title={t('start.noWorkflows')} /> : (
        <div className="stack">
          <div className="stats" data-testid="dashboard-stats">
            <div className="card stat"><div className="stat-value">{total}</div><div className="stat-label">{t('dashboard.total')}</div></div>
            {Object.entries(r.casesByStatus).map(([status, n]) => (
              <div className="card stat" key={status}><div className="stat-value">{String(n)}</div><div className="stat-label"><StatusBadge status={status} /></div></div>
            ))}
            <div className={`card stat ${r.overdueTasks ? 'stat-danger' : ''}`}><div className="stat-value">{String(r.overdueTasks)}</div><div className="stat-label">{t('dashboard.overdue')}</div></div>
          </div>
          <section className="card">
            <div className="card-head"><h2>{t('dashboard.stageTimes', { unit: t(`unit.${unit.key}`) })}</h2></div>
            <div className="card-body">
              {chart.length === 0 ? <Empty title={t('dashboard.noData')} /> : (
                <div className="chart">
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={chart} maxBarSize={44} margin={{ top: 8, right: 8, left: 0, bottom: 8 }}>
                      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                      <XAxis dataKey="stage" tick={{ fill: 'var(--text-2)', fontSize: 12 }} interval={0} />
                      <YAxis tick={{ fill: 'var(--text-2)', fontSize: 12 }} />
                      <Tooltip contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', borderRadius: 8 }} />
                      <Legend />
                      <Bar dataKey="median" name={t('dashboard.median')} fill="var(--accent)" radius={[4, 4, 0, 0]} />
                      <Bar dataKey="p90" name={t('dashboard.p90')} fill="var(--warning)" radius={[4, 4, 0, 0]} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              )}
            </div>
          </section>
          {report.data?.definition && (
            <section className="card">
              <div className="card-head"><div><h2>{t('dashboard.heat')}</h2><div className="subtle">{t('dashboard.heatHint')}</div></div></div>
              <div className="card-body">
                <Suspense fallback={<Loading />}><CaseDiagram definition={report.data.definition} heat={heat} /></Suspense>
              </div>
            </section>
          )}
        </div>
      )}
    </div>
  );
}
