import { useState } from 'react';
import { api, call, Problem, toProblem } from '../api/client';
import type { Me } from '../api/session';
import type { CaseView } from '../api/types';
import { t } from '../i18n';
import { DataForm, dataFieldsOf } from '../components/DataForm';
import { ProblemBanner } from '../components/states';
import { useToast } from '../components/toast';

/** What the requester may do with their own case: resubmit after changes were requested, withdraw. */
export function RequesterActions({ me, c, schema, onChanged, stageNames, request }: {
  me: Me; c: CaseView; schema?: Record<string, unknown>; onChanged: () => void;
  stageNames: Map<string, string>; request?: { actor: string; comment?: string | null };
}) {
  const toast = useToast();
  const mine = c.requester === me.email || me.roles.includes('admin');
  const [data, setData] = useState<Record<string, unknown>>((c.data ?? {}) as Record<string, unknown>);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (!mine || (c.status !== 'InProgress' && c.status !== 'ChangesRequested')) return null;

  async function act(action: () => Promise<unknown>, done: string) {
    setBusy(true);
    setProblem(null);
    try { await action(); toast(done); onChanged(); } catch (e) { setProblem(toProblem(e)); } finally { setBusy(false); }
  }
  const withdraw = () => {
    if (!window.confirm(t('case.withdrawConfirm'))) return;
    void act(() => call(api.POST('/api/cases/{id}/withdraw', { params: { path: { id: c.id } } } as never)), t('status.Withdrawn'));
  };
  const resubmit = (d: Record<string, unknown>) =>
    act(() => call(api.POST('/api/cases/{id}/resubmit', { params: { path: { id: c.id } }, body: { data: d, comment: null } } as never)), t('status.InProgress'));

  return (
    <section className="card">
      {c.status === 'ChangesRequested' && (
        <>
          <div className="card-head">
            <div>
              <h2>{t('case.resubmitTitle')}</h2>
              <div className="subtle">{t('case.resubmitHint')} {c.changesRequestedBy.length > 0 && t('case.changesBy', { who: c.changesRequestedBy.map((a) => stageNames.get(a) ?? a).join(', ') })}</div>
            </div>
          </div>
          <div className="card-body stack">
            {request?.comment && (
              <blockquote className="banner banner-warning" style={{ margin: 0 }} data-testid="changes-reason">
                “{request.comment}” <span className="subtle">— {request.actor}</span>
              </blockquote>
            )}
            <ProblemBanner problem={problem} shown={dataFieldsOf(problem)} />
            <DataForm schema={schema} data={data} onChange={setData} onSubmit={resubmit} problem={problem} disabled={busy} idPrefix="resubmit">
              <div className="btn-row" style={{ marginBlockStart: 'var(--space-4)' }}>
                <button className="btn btn-primary" type="submit" disabled={busy}>{t('case.resubmit')}</button>
              </div>
            </DataForm>
          </div>
        </>
      )}
      <div className="card-body row" style={{ justifyContent: 'space-between', borderBlockStart: c.status === 'ChangesRequested' ? '1px solid var(--border)' : undefined }}>
        {c.status !== 'ChangesRequested' && <ProblemBanner problem={problem} />}
        <span className="subtle">{c.requester === me.email ? t('case.yours') : t('case.startedBy', { who: c.requester })}</span>
        <button className="btn btn-danger btn-sm" onClick={withdraw} disabled={busy}>{t('case.withdraw')}</button>
      </div>
    </section>
  );
}
