import { useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api/client';
import type { TaskView } from '../api/types';
import { formatDateTime, formatRelative, t } from '../i18n';
import { Empty, ErrorState, Loading } from '../components/states';
import { usePaged } from '../components/usePaged';
import { useLiveUpdates } from '../components/useLiveUpdates';

type Filter = 'Open' | 'Completed';

function urgency(a: TaskView, b: TaskView) {
  const da = a.dueAt ? Date.parse(a.dueAt) : Infinity;
  const db = b.dueAt ? Date.parse(b.dueAt) : Infinity;
  return da - db || Date.parse(a.createdAt) - Date.parse(b.createdAt);
}

export function Inbox() {
  const [filter, setFilter] = useState<Filter>('Open');
  const list = usePaged<TaskView>(
    (query) => call(api.GET('/api/tasks', { params: { query: { status: filter, ...query } as never } })),
    [filter],
  );
  useLiveUpdates(() => list.reload(true));
  const now = Date.now();
  const tasks = filter === 'Open' ? [...list.items].sort(urgency) : list.items;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('inbox.title')}</h1>
          <p>{t('inbox.subtitle')}</p>
        </div>
        <div className="tabs" role="group" aria-label={t('inbox.title')}>
          {(['Open', 'Completed'] as Filter[]).map((f) => (
            <button key={f} className="tab" aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {f === 'Open' ? t('inbox.filterOpen') : t('inbox.filterDone')}
            </button>
          ))}
        </div>
      </div>
      <section className="card" aria-live="polite" aria-busy={list.loading}>
        {list.loading ? <Loading /> : list.error ? <ErrorState error={list.error} onRetry={() => list.reload()} /> : tasks.length === 0 ? (
          <Empty title={t('inbox.empty')} hint={t('inbox.emptyHint')} icon="✓" />
        ) : (
          <ul className="list" data-testid="inbox-list">
            {tasks.map((task) => {
              const overdue = task.status === 'Open' && !!task.dueAt && Date.parse(task.dueAt) < now;
              return (
                <li key={task.id}>
                  <Link className="list-item" to={`/tasks/${task.id}`} data-testid="inbox-item">
                    <span className={overdue ? 'overdue-bar' : 'due-bar'} aria-hidden />
                    <div className="grow">
                      <div className="list-title">{task.case?.title ?? task.caseId}</div>
                      <div className="list-meta">
                        <span>{task.activityName ?? task.activityId}</span>
                        <span>{task.case?.workflowName ?? task.case?.workflow}</span>
                        <span>{task.assignee ? t('inbox.assigned') : t('inbox.group', { groups: task.candidateGroups.join(', ') || t('inbox.offered') })}</span>
                      </div>
                    </div>
                    <div className="list-end">
                      {overdue && <span className="badge badge-danger">{t('inbox.overdue')}</span>}
                      {task.status !== 'Open' ? (
                        <span className="subtle">{task.decision ? t(`decision.${task.decision}` as never) : task.status} · {formatDateTime(task.decidedAt)}</span>
                      ) : (
                        <span className="subtle" title={formatDateTime(task.dueAt)}>
                          {task.dueAt ? t('inbox.due', { when: formatRelative(task.dueAt, now) }) : t('inbox.noDue')}
                        </span>
                      )}
                    </div>
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {list.next && (
        <div className="row" style={{ justifyContent: 'center', marginBlockStart: 'var(--space-4)' }}>
          <button className="btn" onClick={list.more} disabled={list.loadingMore}>{list.loadingMore ? t('common.loading') : t('common.loadMore')}</button>
        </div>
      )}
    </div>
  );
}
