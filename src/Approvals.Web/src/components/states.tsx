import type { ReactNode } from 'react';
import { t } from '../i18n';
import { Problem } from '../api/client';

export function Loading({ label }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <div className="spinner" aria-hidden />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Empty({ title, hint, icon, children }: { title: string; hint?: string; icon?: ReactNode; children?: ReactNode }) {
  return (
    <div className="state">
      <div className="state-icon" aria-hidden>{icon ?? '∅'}</div>
      <strong>{title}</strong>
      {hint && <p>{hint}</p>}
      {children}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const problem = error instanceof Problem ? error : null;
  const lines = problem ? problem.general() : [String(error)];
  return (
    <div className="state" role="alert">
      <div className="state-icon" aria-hidden>!</div>
      <strong>{problem?.status === 404 ? t('common.notFound') : t('common.error')}</strong>
      {lines.map((l, i) => <p key={i}>{l}</p>)}
      {onRetry && <button className="btn" onClick={onRetry}>{t('common.retry')}</button>}
    </div>
  );
}

/** A problem's messages that no field on the form shows. */
export function ProblemBanner({ problem, shown = [] }: { problem: unknown; shown?: string[] }) {
  if (!problem) return null;
  const lines = problem instanceof Problem ? problem.general(shown) : [String(problem)];
  if (!lines.length) return null;
  return (
    <div className="banner banner-error" role="alert">
      {lines.length === 1 ? lines[0] : <ul>{lines.map((l, i) => <li key={i}>{l}</li>)}</ul>}
    </div>
  );
}

export function FieldError({ problem, field, id }: { problem: unknown; field: string; id?: string }) {
  const message = problem instanceof Problem ? problem.forField(field) : undefined;
  return message ? <span className="field-error" id={id} role="alert">{message}</span> : null;
}
