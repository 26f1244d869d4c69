import { useMemo, useState } from 'react';
import { api, call, Problem, toProblem } from '../api/client';
import type { Me } from '../api/session';
import type { TaskView } from '../api/types';
import { formatDateTime, t } from '../i18n';
import { FieldError, ProblemBanner } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { PersonPicker } from '../components/PersonPicker';
import { useToast } from '../components/toast';

type Decision = 'approve' | 'reject' | 'request-changes';

export function TaskActions({ task, me, onChanged, stageName }: { task: TaskView; me: Me; onChanged: () => void; stageName?: string }) {
  const toast = useToast();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [delegating, setDelegating] = useState(false);
  const [to, setTo] = useState('');
  // One key per intended decision: a retry after a lost answer is recognised by the server, not doubled.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), [task.id]);

  async function run(kind: string, action: () => Promise<unknown>, done: string) {
    setBusy(kind);
    setProblem(null);
    try {
      await action();
      toast(done);
      setComment('');
      setDelegating(false);
      onChanged();
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setBusy(null);
    }
  }

  const decide = (decision: Decision) => run(decision, () => call(api.POST('/api/tasks/{id}/decision', {
    params: { path: { id: task.id }, header: { 'Idempotency-Key': `${idempotencyKey}-${decision}` } as never },
    body: { decision, comment: comment || null } as never,
  })), t('task.decided'));

  const claim = () => run('claim', () => call(api.POST('/api/tasks/{id}/claim', { params: { path: { id: task.id } } })), t('task.claimed'));
  const delegate = () => run('delegate', () => call(api.POST('/api/tasks/{id}/delegate', {
    params: { path: { id: task.id } }, body: { to, comment: comment || null },
  })), t('task.delegated'));

  const open = task.status === 'Open';
  return (
    <section className="card" aria-labelledby="task-head">
      <div className="card-head">
        <div>
          <h2 id="task-head">{open ? t('task.decide') : stageName ?? task.activityId}</h2>
          <div className="subtle">{t('task.stage')}: {stageName ?? task.activityName ?? task.activityId}{task.dueAt && <> · {t('task.due')} {formatDateTime(task.dueAt)}</>}</div>
        </div>
        <StatusBadge status={task.status} />
      </div>
      <div className="card-body stack">
        {!open ? (
          <p className="muted" data-testid="task-closed">
            {t('task.notOpen', { status: t(`status.${task.status}` as never) })}
            {task.decision && <> · {t(`decision.${task.decision}` as never)} · {task.decidedBy} · {formatDateTime(task.decidedAt)}</>}
          </p>
        ) : (
          <>
            {!task.assignee && (
              <div className="banner banner-info row" style={{ justifyContent: 'space-between' }}>
                <span>{t('task.claimHint')}</span>
                <button className="btn btn-sm" onClick={claim} disabled={!!busy}>{t('task.claim')}</button>
              </div>
            )}
            <ProblemBanner problem={problem} shown={['comment', 'to']} />
            <div className="field">
              <label htmlFor="comment">{t('task.comment')}</label>
              <textarea id="comment" value={comment} onChange={(e) => setComment(e.target.value)} aria-describedby="comment-hint"
                aria-invalid={!!problem?.forField('comment')} />
              <span className="hint" id="comment-hint">{t('task.commentHint')}</span>
              <FieldError problem={problem} field="comment" />
            </div>
            <div className="btn-row">
              <button className="btn btn-primary" onClick={() => decide('approve')} disabled={!!busy}>{t('task.approve')}</button>
              <button className="btn btn-danger" onClick={() => decide('reject')} disabled={!!busy}>{t('task.reject')}</button>
              <button className="btn" onClick={() => decide('request-changes')} disabled={!!busy}>{t('task.requestChanges')}</button>
              <button className="btn btn-ghost" onClick={() => setDelegating((d) => !d)} aria-expanded={delegating} disabled={!!busy}>{t('task.delegate')}…</button>
            </div>
            {delegating && (
              <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={(e) => { e.preventDefault(); void delegate(); }}>
                <div className="field grow">
                  <label htmlFor="delegate-to">{t('task.delegateTo')}</label>
                  <PersonPicker id="delegate-to" value={to} onChange={setTo} exclude={me.email} invalid={!!problem?.forField('to')} />
                  <FieldError problem={problem} field="to" />
                </div>
                <button className="btn" type="submit" disabled={!to || !!busy}>{t('task.delegateSubmit')}</button>
              </form>
            )}
          </>
        )}
      </div>
    </section>
  );
}
