import { useRef } from 'react';
import { t } from '../i18n';

export interface SourceError { line?: number | null; column?: number | null; message: string }

/** A plain-text source editor with line numbers. Errors are marked in the gutter at their line and listed
 * right below it with line and column, so a parse error is found without counting lines. */
export function SourceEditor({ id, label, value, onChange, errors = [], rows = 14 }: {
  id: string; label: string; value: string; onChange: (v: string) => void; errors?: SourceError[]; rows?: number;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = Math.max(value.split('\n').length, 1);
  const bad = new Set(errors.map((e) => e.line).filter((l): l is number => typeof l === 'number'));
  const errorsId = `${id}-errors`;
  return (
    <div className="field source-field">
      <label htmlFor={id}>{label}</label>
      <div className="source-editor" style={{ blockSize: `calc(${rows} * 1.5em + 16px)` }}>
        <div className="source-gutter" ref={gutter} aria-hidden>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={bad.has(i + 1) ? 'source-line-bad' : undefined}>{i + 1}</div>
          ))}
        </div>
        <textarea id={id} className="source-text" value={value} spellCheck={false} wrap="off"
          aria-invalid={errors.length > 0} aria-describedby={errors.length ? errorsId : undefined}
          onChange={(e) => onChange(e.target.value)} onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop; }} />
      </div>
      {errors.length > 0 && (
        <ul className="source-errors" id={errorsId} role="alert" data-testid={`${id}-errors`}>
          {errors.map((e, i) => (
            <li key={i}>
              {e.line ? <span className="source-at">{t('templates.at', { line: e.line, column: e.column ?? 1 })}</span> : null}
              {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
