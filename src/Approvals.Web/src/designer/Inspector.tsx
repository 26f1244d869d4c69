import { useEffect, useState, type ReactNode } from 'react';
import { api, call, type FieldError } from '../api/client';
import { MultiPicker, type Suggestion } from '../components/MultiPicker';
import type { Activity, Definition } from '../api/types';
import { t } from '../i18n';
import { propertyOf } from './useValidation';

type Obj = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');
const toList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

const findPeople = (q: string): Promise<Suggestion[]> =>
  call(api.GET('/api/people', { params: { query: { q: q || undefined, limit: 10 } } }))
    .then((r) => r.items.map((p) => ({ value: p.email, label: p.displayName, detail: p.email })));
const findGroups = (q: string): Promise<Suggestion[]> =>
  call(api.GET('/api/groups', { params: { query: { q: q || undefined, limit: 10 } } }))
    .then((r) => r.items.map((g) => ({ value: g.name, label: g.displayName || g.name,
      detail: t('picker.members', { name: g.name, count: g.members }) })));

/** Sets `key` on a copy, removing it when the value is empty (so untouched definitions stay unchanged). */
function set<T extends Obj>(o: T, key: string, value: unknown): T {
  const copy: Obj = { ...o };
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete copy[key];
  else copy[key] = value;
  return copy as T;
}

/** A syntax check of a JavaScript expression: parsed by the browser, never run. */
function syntaxError(expression: string): string | undefined {
  try {
    // `case` is a reserved word in the browser's JavaScript but the engine's name for the case: rename it for the check.
    const renamed = expression.replace(/\bcase\b(?=\s*[.[])/g, '__case');
    new Function('__case', 'stages', `"use strict"; return (${renamed}\n);`);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function Text({ id, label, value, onChange, errors, mono, area }: {
  id: string; label: string; value: string; onChange: (v: string) => void; errors?: string[]; mono?: boolean; area?: boolean;
}) {
  const invalid = !!errors?.length;
  const props = { id, value, 'aria-invalid': invalid, className: mono ? 'mono' : undefined, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {area ? <textarea {...props} rows={4} /> : <input {...props} />}
      {errors?.map((m, i) => <span key={i} className="field-error">{m}</span>)}
    </div>
  );
}

/** A JSON-valued property edited as text; applied only when it parses. */
function JsonField({ id, label, value, onChange, errors }: { id: string; label: string; value: unknown; onChange: (v: unknown) => void; errors?: string[] }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [parseError, setParseError] = useState<string>();
  useEffect(() => { setText(value === undefined ? '' : JSON.stringify(value, null, 2)); setParseError(undefined); }, [id]);
  return (
    <Text id={id} label={label} value={text} mono area errors={[...(parseError ? [t('designer.jsonError', { message: parseError })] : []), ...(errors ?? [])]}
      onChange={(s) => {
        setText(s);
        if (!s.trim()) { setParseError(undefined); onChange(undefined); return; }
        try { onChange(JSON.parse(s)); setParseError(undefined); } catch (e) { setParseError((e as Error).message); }
      }} />
  );
}

export function ActivityInspector({ activity, errors, onChange, onDelete, readOnly, children }: {
  activity: Activity; errors: FieldError[]; onChange: (a: Activity) => void; onDelete: () => void; readOnly?: boolean; children?: ReactNode;
}) {
  const a = activity;
  const errs = (prop: string) => errors.filter((e) => propertyOf(e) === prop).map((e) => e.message);
  const general = errors.filter((e) => !propertyOf(e) || !['name', 'condition', 'assignees', 'policy', 'sla', 'reminders', 'escalations', 'calendar', 'outcome', 'mode', 'duration', 'template'].includes(propertyOf(e)!));
  const assignees = (a.assignees ?? {}) as Obj;
  const policy = (a.policy ?? {}) as Obj;
  const id = (p: string) => `insp-${a.id}-${p}`;
  const conditionError = typeof a.condition === 'string' ? syntaxError(a.condition) : undefined;

  return (
    <fieldset className="inspector stack" disabled={readOnly}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h3>{t(`type.${a.type}` as never)} <span className="subtle mono">{a.id}</span></h3>
        {a.type !== 'Start' && <button type="button" className="btn btn-sm btn-danger" onClick={onDelete}>{t('designer.delete')}</button>}
      </div>
      {general.length > 0 && <div className="banner banner-error"><ul>{general.map((e, i) => <li key={i}>{e.message}</li>)}</ul></div>}
      <Text id={id('name')} label={t('designer.name')} value={String(a.name ?? '')} onChange={(v) => onChange(set(a, 'name', v))} errors={errs('name')} />
      <Text id={id('description')} label={t('designer.description')} value={String(a.description ?? '')} onChange={(v) => onChange(set(a, 'description', v))} area />

      {a.type === 'Review' && (
        <>
          <MultiPicker id={id('users')} label={t('designer.users')} values={strings(assignees.users)} search={findPeople}
            placeholder={t('picker.placeholder')} invalid={errs('assignees').length > 0}
            onChange={(v) => onChange({ ...a, assignees: set(assignees, 'users', v) })} />
          {errs('assignees').map((m, i) => <span key={i} className="field-error">{m}</span>)}
          <MultiPicker id={id('groups')} label={t('designer.groups')} values={strings(assignees.groups)} search={findGroups}
            placeholder={t('picker.groupPlaceholder')}
            onChange={(v) => onChange({ ...a, assignees: set(assignees, 'groups', v) })} />
          <label className="row"><input type="checkbox" checked={assignees.requesterManager === true}
            onChange={(e) => onChange({ ...a, assignees: set(assignees, 'requesterManager', e.target.checked || undefined) })} /> {t('designer.requesterManager')}</label>
          <Text id={id('expression')} label={t('designer.expression')} value={String(assignees.expression ?? '')} mono
            onChange={(v) => onChange({ ...a, assignees: set(assignees, 'expression', v) })} />
          <div className="field">
            <label htmlFor={id('policy')}>{t('designer.policy')}</label>
            <select id={id('policy')} value={String(policy.mode ?? 'any')} onChange={(e) => {
              const mode = e.target.value;
              const next: Obj = { ...policy, mode };
              if (mode === 'quorum') next.approvals = policy.approvals ?? 2; else delete next.approvals;
              onChange({ ...a, policy: next });
            }}>
              {['any', 'all', 'quorum', 'sequential'].map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
            {errs('policy').map((m, i) => <span key={i} className="field-error">{m}</span>)}
          </div>
          {policy.mode === 'quorum' && (
            <Text id={id('approvals')} label={t('designer.quorum')} value={String(policy.approvals ?? '')}
              onChange={(v) => onChange({ ...a, policy: { ...policy, approvals: Number(v) || v } })} />
          )}
          <Text id={id('sla')} label={t('designer.sla')} value={String(a.sla ?? '')} onChange={(v) => onChange(set(a, 'sla', v))} errors={errs('sla')} mono />
          <Text id={id('reminders')} label={t('designer.reminders')} value={list(a.reminders)} onChange={(v) => onChange(set(a, 'reminders', toList(v)))} errors={errs('reminders')} mono />
          <JsonField id={id('escalations')} label={t('designer.escalations')} value={a.escalations} onChange={(v) => onChange(set(a, 'escalations', v))} errors={errs('escalations')} />
          <Text id={id('calendar')} label={t('designer.calendar')} value={String(a.calendar ?? '')} onChange={(v) => onChange(set(a, 'calendar', v))} errors={errs('calendar')} />
        </>
      )}
      {a.type === 'Decision' && (
        <Text id={id('condition')} label={t('designer.condition')} value={String(a.condition ?? '')} mono area
          onChange={(v) => onChange({ ...a, condition: v })}
          errors={[...(conditionError ? [t('designer.conditionError', { message: conditionError })] : []), ...errs('condition')]} />
      )}
      {a.type === 'End' && (
        <div className="field">
          <label htmlFor={id('outcome')}>{t('designer.outcome')}</label>
          <select id={id('outcome')} value={String(a.outcome ?? 'Approved')} onChange={(e) => onChange({ ...a, outcome: e.target.value })}>
            <option value="Approved">Approved</option><option value="Rejected">Rejected</option>
          </select>
        </div>
      )}
      {a.type === 'Join' && (
        <div className="field">
          <label htmlFor={id('mode')}>{t('designer.joinMode')}</label>
          <select id={id('mode')} value={String(a.mode ?? 'all')} onChange={(e) => onChange({ ...a, mode: e.target.value })}>
            <option value="all">all</option><option value="any">any</option>
          </select>
        </div>
      )}
      {a.type === 'Wait' && <Text id={id('duration')} label={t('designer.duration')} value={String(a.duration ?? '')} onChange={(v) => onChange(set(a, 'duration', v))} errors={errs('duration')} mono />}
      {a.type === 'Notify' && <Text id={id('template')} label={t('designer.template')} value={String(a.template ?? '')} onChange={(v) => onChange(set(a, 'template', v))} errors={errs('template')} />}
      {children}
    </fieldset>
  );
}

export function WorkflowInspector({ definition, errors, onChange, readOnly }: {
  definition: Definition; errors: FieldError[]; onChange: (d: Definition) => void; readOnly?: boolean;
}) {
  const d = definition;
  const errs = (prop: string) => errors.filter((e) => new RegExp(`^\\$?\\.?${prop}`).test(e.field ?? '')).map((e) => e.message);
  return (
    <fieldset className="inspector stack" disabled={readOnly}>
      <h3>{t('designer.workflow')} <span className="subtle mono">{d.key}</span></h3>
      <Text id="wf-name" label={t('designer.name')} value={String(d.name ?? '')} onChange={(v) => onChange({ ...d, name: v })} errors={errs('name')} />
      <Text id="wf-description" label={t('designer.description')} value={String(d.description ?? '')} onChange={(v) => onChange(set(d, 'description', v))} area />
      <Text id="wf-calendar" label={t('designer.calendar')} value={String(d.calendar ?? '')} onChange={(v) => onChange(set(d, 'calendar', v))} errors={errs('calendar')} />
      <JsonField id="wf-input-schema" label={t('designer.inputSchema')} value={d.inputSchema} onChange={(v) => onChange(set(d, 'inputSchema', v))} errors={errs('inputSchema')} />
      <p className="subtle">{t('designer.selectHint')}</p>
    </fieldset>
  );
}
