import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, call, Problem, toProblem } from '../api/client';
import type { Definition, WorkflowItem } from '../api/types';
import { t } from '../i18n';
import { DataForm, dataFieldsOf } from '../components/DataForm';
import { Empty, ErrorState, FieldError, Loading, ProblemBanner } from '../components/states';
import { useAsync } from '../components/useAsync';
import { useToast } from '../components/toast';

export function StartCase() {
  const { workflow } = useParams();
  const navigate = useNavigate();
  const workflows = useAsync(async () => ((await call(api.GET('/api/workflows'))) as WorkflowItem[]).filter((w) => w.latestVersion != null), []);
  const selected = workflow ?? workflows.data?.[0]?.key;
  const definition = useAsync(async () => {
    if (!selected) return undefined;
    const view = await call(api.GET('/api/workflows/{key}', { params: { path: { key: selected } } }));
    return (view.definition ?? undefined) as Definition | undefined;
  }, [selected]);

  if (workflows.loading) return <div className="page"><Loading /></div>;
  if (workflows.error) return <div className="page"><ErrorState error={workflows.error} onRetry={workflows.reload} /></div>;
  const list = workflows.data ?? [];

  return (
    <div className="page" style={{ maxInlineSize: 760 }}>
      <div className="page-head">
        <div>
          <h1>{t('start.title')}</h1>
          <p>{t('start.subtitle')}</p>
        </div>
      </div>
      {list.length === 0 ? <div className="card"><Empty title={t('start.noWorkflows')} /></div> : (
        <div className="card card-pad stack">
          <div className="field">
            <label htmlFor="workflow">{t('start.pick')}</label>
            <select id="workflow" value={selected} onChange={(e) => navigate(`/start/${e.target.value}`)}>
              {list.map((w) => <option key={w.key} value={w.key}>{w.name}</option>)}
            </select>
            {definition.data?.description ? <span className="hint">{String(definition.data.description)}</span> : null}
          </div>
          {definition.loading ? <Loading /> : definition.error ? <ErrorState error={definition.error} onRetry={definition.reload} /> : definition.data && selected && (
            <StartForm key={selected} workflow={selected} definition={definition.data} />
          )}
        </div>
      )}
    </div>
  );
}

function StartForm({ workflow, definition }: { workflow: string; definition: Definition }) {
  const navigate = useNavigate();
  const toast = useToast();
  const [title, setTitle] = useState('');
  const [data, setData] = useState<Record<string, unknown>>({});
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function submit(formData: Record<string, unknown>) {
    setBusy(true);
    setProblem(null);
    try {
      const created = await call(api.POST('/api/cases', { body: { workflow, title: title || null, data: formData } as never }));
      toast(t('start.started'));
      navigate(`/cases/${(created as { id: string }).id}`);
    } catch (e) {
      setProblem(toProblem(e));
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <div className="field">
        <label htmlFor="case-title">{t('start.caseTitle')}</label>
        <input id="case-title" value={title} onChange={(e) => setTitle(e.target.value)} aria-describedby="case-title-hint" aria-invalid={!!problem?.forField('title')} />
        <span className="hint" id="case-title-hint">{t('start.caseTitleHint')}</span>
        <FieldError problem={problem} field="title" />
      </div>
      <ProblemBanner problem={problem} shown={['title', ...dataFieldsOf(problem)]} />
      <DataForm schema={definition.inputSchema} data={data} onChange={setData} onSubmit={submit} problem={problem} disabled={busy}>
        <div className="btn-row" style={{ marginBlockStart: 'var(--space-5)' }}>
          <button className="btn btn-primary" type="submit" disabled={busy}>{busy ? t('start.busy') : t('start.submit')}</button>
        </div>
      </DataForm>
    </div>
  );
}
