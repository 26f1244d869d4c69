import { useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api/client';
import { can, session } from '../api/session';
import type { CaseSummary } from '../api/types';
import { formatRelative, t } from '../i18n';
import { Empty, ErrorState, Loading } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { usePaged } from '../components/usePaged';
import { useLiveUpdates } from '../components/useLiveUpdates';

const FILTERS = ['', 'InProgress', 'ChangesRequested', 'Approved,Rejected,Withdrawn'] as const;

export function MyCases() {
  const [status, setStatus] = useState<string>('');
  const list = usePaged<CaseSummary>(
    (query) => call(api.GET('/api/cases', { params: { query: { ...(status ? { status } : {}), ...query } as never } })),
    [status],
  );
  useLiveUpdates(() => list.reload(true));
  const me = session.me();
  const label = (f: string) => (f === '' ? t('myCases.all') : f.includes(',') ? `${t('status.Approved')} / ${t('status.Rejected')}` : t(`status.${f}` as never));

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('myCases.title')}</h1>
          <p>{t('myCases.subtitle')}</p>
        </div>
        {can.request(me) && <Link className="btn btn-primary" to="/start">{t('nav.start')}</Link>}
      </div>
      <div className="tabs" role="group" style={{ marginBlockEnd: 'var(--space-4)', inlineSize: 'fit-content', maxInlineSize: '100%', overflowX: 'auto' }}>
        {FILTERS.map((f) => <button key={f} className="tab" aria-pressed={status === f} onClick={() => setStatus(f)}>{label(f)}</button>)}
      </div>
      <section className="card" aria-busy={list.loading}>
        {list.loading ? <Loading /> : list.error ? <ErrorState error={list.error} onRetry={() => list.reload()} /> : list.items.length === 0 ? (
          <Empty title={t('myCases.empty')} hint={t('myCases.emptyHint')}>
            {can.request(me) && <Link className="btn" to="/start">{t('nav.start')}</Link>}
          </Empty>
        ) : (
          <ul className="list" data-testid="case-list">
            {list.items.map((c) => (
              <li key={c.id}>
                <Link className="list-item" to={`/cases/${c.id}`} data-testid="case-item">
                  <div className="grow">
                    <div className="list-title">{c.title}</div>
                    <div className="list-meta"><span>{c.workflowName ?? c.workflow} v{String(c.workflowVersion)}</span><span>{c.requester}</span>
                      {'createdAt' in c && <><span>{formatRelative(String((c as { createdAt: string }).createdAt))}</span></>}</div>
                  </div>
                  <div className="list-end"><StatusBadge status={c.status} /></div>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      {list.next && (
        <div className="row" style={{ justifyContent: 'center', marginBlockStart: 'var(--space-4)' }}>
          <button className="btn" onClick={list.more} disabled={list.loadingMore}>{t('common.loadMore')}</button>
        </div>
      )}
    </div>
  );
}
