import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, call, toProblem, type Problem } from '../api/client';
import type { WorkflowItem } from '../api/types';
import { formatDateTime, t } from '../i18n';
import { Empty, ErrorState, Loading, ProblemBanner } from '../components/states';
import { useAsync } from '../components/useAsync';
import { useToast } from '../components/toast';

const KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function Workflows() {
  const navigate = useNavigate();
  const toast = useToast();
  const list = useAsync(async () => (await call(api.GET('/api/workflows'))) as WorkflowItem[], []);
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const file = useRef<HTMLInputElement>(null);

  const create = (e: FormEvent) => {
    e.preventDefault();
    if (KEY.test(key)) navigate(`/workflows/${key}/design`);
  };

  async function importFile(f: File) {
    setProblem(null);
    try {
      const def = JSON.parse(await f.text()) as { key?: string };
      const k = def.key && KEY.test(def.key) ? def.key : f.name.replace(/\.json$/, '').toLowerCase().replace(/[^a-z0-9-]/g, '-');
      const { error, response } = await api.PUT('/api/workflows/{key}', { params: { path: { key: k } }, body: { ...def, key: k } as never });
      if (!response.ok) throw toProblem(error, response);
      toast(t('designer.saved'));
      navigate(`/workflows/${k}/design`);
    } catch (e) {
      setProblem(toProblem(e));
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('workflows.title')}</h1>
          <p>{t('workflows.subtitle')}</p>
        </div>
        <div className="btn-row">
          <button className="btn" onClick={() => file.current?.click()}>{t('workflows.import')}</button>
          <input ref={file} type="file" accept="application/json,.json" hidden onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void importFile(f); }} />
        </div>
      </div>
      <div className="stack">
        <ProblemBanner problem={problem} />
        <form className="card card-pad row" onSubmit={create} style={{ alignItems: 'flex-end' }}>
          <div className="field grow">
            <label htmlFor="new-key">{t('workflows.newKey')}</label>
            <input id="new-key" className="mono" value={key} onChange={(e) => setKey(e.target.value.toLowerCase())} pattern="[a-z0-9][a-z0-9-]*"
              aria-invalid={key !== '' && !KEY.test(key)} placeholder="leave-request" />
          </div>
          <button className="btn btn-primary" type="submit" disabled={!KEY.test(key)}>{t('workflows.new')}</button>
        </form>
        <section className="card">
          {list.loading ? <Loading /> : list.error ? <ErrorState error={list.error} onRetry={list.reload} /> : !list.data?.length ? (
            <Empty title={t('workflows.empty')} />
          ) : (
            <ul className="list" data-testid="workflow-list">
              {list.data.map((w) => (
                <li key={w.key}>
                  <Link className="list-item" to={`/workflows/${w.key}/design`}>
                    <div className="grow">
                      <div className="list-title">{w.name}</div>
                      <div className="list-meta"><span className="mono">{w.key}</span>{w.publishedAt && <span>{formatDateTime(w.publishedAt)}</span>}</div>
                    </div>
                    <div className="list-end">
                      {w.hasDraft && <span className="badge badge-warning">{t('workflows.draft')}</span>}
                      {w.latestVersion != null && <span className="badge badge-accent">{t('workflows.version', { n: Number(w.latestVersion) })}</span>}
                    </div>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
