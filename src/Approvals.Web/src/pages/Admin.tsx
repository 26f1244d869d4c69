import { useEffect, useRef, useState } from 'react';
import { api, call, Problem, toProblem } from '../api/client';
import type { UserView } from '../api/types';
import { t } from '../i18n';
import { Empty, ErrorState, FieldError, Loading, ProblemBanner } from '../components/states';
import { useAsync } from '../components/useAsync';
import { useToast } from '../components/toast';

type Tab = 'users' | 'groups' | 'calendars';
const ROLES = ['admin', 'designer', 'reviewer', 'requester'];
const csv = (s: string) => s.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);

/** One save with its problem: the errors name the fields they belong to. */
function useSave() {
  const toast = useToast();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (action: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setProblem(null);
    try { await action(); toast(t('admin.saved')); after(); } catch (e) { setProblem(toProblem(e)); } finally { setBusy(false); }
  };
  return { problem, busy, save, reset: () => setProblem(null) };
}

/** On a phone the editor sits below a long list: bring it into view (and focus) when another entry is picked. */
function useReveal<T extends HTMLElement>(selection: unknown) {
  const ref = useRef<T>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    if (selection === null || selection === undefined || !ref.current) return;
    if (window.matchMedia('(max-width: 1000px)').matches) ref.current.scrollIntoView({ block: 'start' });
    ref.current.focus({ preventScroll: true });
  }, [selection]);
  return ref;
}

export function Admin() {
  const [tab, setTab] = useState<Tab>('users');
  return (
    <div className="page">
      <div className="page-head">
        <div><h1>{t('admin.title')}</h1><p>{t('admin.subtitle')}</p></div>
        <div className="tabs" role="group">
          {(['users', 'groups', 'calendars'] as Tab[]).map((x) => (
            <button key={x} className="tab" aria-pressed={tab === x} onClick={() => setTab(x)}>{t(`admin.${x}`)}</button>
          ))}
        </div>
      </div>
      {tab === 'users' ? <Users /> : tab === 'groups' ? <Groups /> : <Calendars />}
    </div>
  );
}

function Users() {
  const users = useAsync(async () => (await call(api.GET('/api/directory/users'))) as UserView[], []);
  const [editing, setEditing] = useState<UserView | 'new' | null>(null);
  const editor = useReveal<HTMLElement>(editing);
  if (users.loading) return <Loading />;
  if (users.error) return <ErrorState error={users.error} onRetry={users.reload} />;
  return (
    <div className="case-grid">
      <section className="card">
        <div className="card-head"><h2>{t('admin.users')}</h2><button className="btn btn-sm btn-primary" onClick={() => setEditing('new')}>{t('admin.newUser')}</button></div>
        <ul className="list">
          {(users.data ?? []).map((u) => (
            <li key={u.email}>
              <button className="list-item btn-ghost" style={{ inlineSize: '100%', border: 0, background: 'none', font: 'inherit', textAlign: 'start', cursor: 'pointer' }} onClick={() => setEditing(u)}>
                <span className="avatar" aria-hidden>{u.displayName.slice(0, 2)}</span>
                <div className="grow"><div className="list-title">{u.displayName}</div><div className="list-meta"><span>{u.email}</span>{u.groups.length > 0 && <span>{u.groups.join(', ')}</span>}</div></div>
                <div className="list-end">{u.roles.map((r) => <span key={r} className="badge badge-plain">{r}</span>)}</div>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <aside className="card card-pad sticky-side" ref={editor} tabIndex={-1} aria-label={t('admin.editor')}>
        {editing ? <UserForm key={editing === 'new' ? 'new' : editing.email} user={editing === 'new' ? null : editing} onSaved={() => { setEditing(null); users.reload(); }} />
          : <p className="subtle">{t('admin.select')}</p>}
      </aside>
    </div>
  );
}

function UserForm({ user, onSaved }: { user: UserView | null; onSaved: () => void }) {
  const [email, setEmail] = useState(user?.email ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(user?.roles ?? []);
  const [manager, setManager] = useState(user?.manager ?? '');
  const [groups, setGroups] = useState((user?.groups ?? []).join(', '));
  const [disabled, setDisabled] = useState(false);
  const { problem, busy, save } = useSave();
  const submit = () => save(() => call(api.PUT('/api/directory/users/{email}', {
    params: { path: { email } },
    body: { displayName, password: password || null, roles, manager: manager || null, groups: csv(groups), ...(disabled ? { disabled: true } : {}) } as never,
  })), onSaved);
  const field = (id: string, label: string, value: string, set: (v: string) => void, extra?: { type?: string; hint?: string; readOnly?: boolean }) => (
    <div className="field">
      <label htmlFor={`u-${id}`}>{label}</label>
      <input id={`u-${id}`} type={extra?.type ?? 'text'} value={value} readOnly={extra?.readOnly} onChange={(e) => set(e.target.value)} aria-invalid={!!problem?.forField(id)} />
      {extra?.hint && <span className="hint">{extra.hint}</span>}
      <FieldError problem={problem} field={id} />
    </div>
  );
  return (
    <form className="stack" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <h2>{user ? user.displayName : t('admin.newUser')}</h2>
      <ProblemBanner problem={problem} shown={['email', 'displayName', 'password', 'roles', 'manager', 'groups']} />
      {field('email', t('admin.email'), email, setEmail, { type: 'email', readOnly: !!user })}
      {field('displayName', t('admin.displayName'), displayName, setDisplayName)}
      {field('password', t('admin.password'), password, setPassword, { type: 'password', hint: user ? t('admin.passwordHint') : undefined })}
      <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="label">{t('admin.roles')}</legend>
        <div className="row">{ROLES.map((r) => (
          <label key={r} className="row" style={{ gap: 4 }}><input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />{r}</label>
        ))}</div>
        <FieldError problem={problem} field="roles" />
      </fieldset>
      {field('manager', t('admin.manager'), manager, setManager)}
      {field('groups', t('admin.userGroups'), groups, setGroups)}
      {user && <label className="row"><input type="checkbox" checked={disabled} onChange={(e) => setDisabled(e.target.checked)} />{t('admin.disabled')}</label>}
      <div className="btn-row"><button className="btn btn-primary" type="submit" disabled={busy || !email}>{t('common.save')}</button></div>
    </form>
  );
}

function Groups() {
  const groups = useAsync(async () => (await call(api.GET('/api/directory/groups'))) as { name: string; displayName?: string | null; members: string[] }[], []);
  const [name, setName] = useState('');
  const [picked, setPicked] = useState(0);
  const editor = useReveal<HTMLFormElement>(picked || null);
  const [members, setMembers] = useState('');
  const { problem, busy, save } = useSave();
  if (groups.loading) return <Loading />;
  if (groups.error) return <ErrorState error={groups.error} onRetry={groups.reload} />;
  return (
    <div className="case-grid">
      <section className="card">
        <div className="card-head"><h2>{t('admin.groups')}</h2><button className="btn btn-sm btn-primary" onClick={() => { setName(''); setMembers(''); }}>{t('admin.newGroup')}</button></div>
        {(groups.data ?? []).length === 0 ? <Empty title={t('admin.noGroups')} /> : (
          <ul className="list">{(groups.data ?? []).map((g) => (
            <li key={g.name}><button className="list-item" style={{ inlineSize: '100%', border: 0, background: 'none', font: 'inherit', textAlign: 'start', cursor: 'pointer' }}
              onClick={() => { setPicked((x) => x + 1); setName(g.name); setMembers(g.members.join('\n')); }}>
              <div className="grow"><div className="list-title mono">{g.name}</div><div className="list-meta"><span>{g.members.join(', ')}</span></div></div>
              <div className="list-end"><span className="badge badge-plain">{g.members.length}</span></div>
            </button></li>
          ))}</ul>
        )}
      </section>
      <form className="card card-pad stack sticky-side" ref={editor} tabIndex={-1} onSubmit={(e) => { e.preventDefault(); void save(() => call(api.PUT('/api/directory/groups/{name}', { params: { path: { name } }, body: { displayName: null, members: csv(members) } })), groups.reload); }}>
        <ProblemBanner problem={problem} shown={['name', 'members']} />
        <div className="field"><label htmlFor="g-name">{t('admin.groupName')}</label><input id="g-name" className="mono" value={name} onChange={(e) => setName(e.target.value)} /><FieldError problem={problem} field="name" /></div>
        <div className="field"><label htmlFor="g-members">{t('admin.members')}</label><textarea id="g-members" rows={8} value={members} onChange={(e) => setMembers(e.target.value)} /><FieldError problem={problem} field="members" /></div>
        <div className="btn-row"><button className="btn btn-primary" type="submit" disabled={busy || !name}>{t('common.save')}</button></div>
      </form>
    </div>
  );
}

function Calendars() {
  const calendars = useAsync(async () => (await call(api.GET('/api/calendars'))) as Record<string, unknown>[], []);
  const [name, setName] = useState('');
  const [picked, setPicked] = useState(0);
  const editor = useReveal<HTMLFormElement>(picked || null);
  const [json, setJson] = useState('{\n  "timeZone": "UTC",\n  "workingDays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],\n  "workingHours": { "start": "09:00", "end": "17:00" },\n  "holidays": []\n}');
  const [parseError, setParseError] = useState<string>();
  const { problem, busy, save } = useSave();
  if (calendars.loading) return <Loading />;
  if (calendars.error) return <ErrorState error={calendars.error} onRetry={calendars.reload} />;
  const submit = () => {
    let body: unknown;
    try { body = JSON.parse(json); setParseError(undefined); } catch (e) { setParseError((e as Error).message); return; }
    void save(() => call(api.PUT('/api/calendars/{name}', { params: { path: { name } }, body: body as never })), calendars.reload);
  };
  return (
    <div className="case-grid">
      <section className="card">
        <div className="card-head"><h2>{t('admin.calendars')}</h2></div>
        {(calendars.data ?? []).length === 0 ? <Empty title={t('admin.noCalendars')} /> : (
          <ul className="list">{(calendars.data ?? []).map((c) => {
            const { name: n, ...rest } = c as { name: string };
            return (
              <li key={n}><button className="list-item" style={{ inlineSize: '100%', border: 0, background: 'none', font: 'inherit', textAlign: 'start', cursor: 'pointer' }}
                onClick={() => { setPicked((x) => x + 1); setName(n); setJson(JSON.stringify(rest, null, 2)); }}>
                <div className="grow"><div className="list-title mono">{n}</div><div className="list-meta"><span>{String((rest as { timeZone?: string }).timeZone ?? '')}</span></div></div>
              </button></li>
            );
          })}</ul>
        )}
      </section>
      <form className="card card-pad stack sticky-side" ref={editor} tabIndex={-1} onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <ProblemBanner problem={problem} shown={['name']} />
        <div className="field"><label htmlFor="c-name">{t('admin.calendarName')}</label><input id="c-name" className="mono" value={name} onChange={(e) => setName(e.target.value)} /><FieldError problem={problem} field="name" /></div>
        <div className="field"><label htmlFor="c-json">{t('admin.calendarJson')}</label><textarea id="c-json" className="mono" rows={12} value={json} onChange={(e) => setJson(e.target.value)} aria-invalid={!!parseError} />
          {parseError && <span className="field-error">{t('designer.jsonError', { message: parseError })}</span>}</div>
        <div className="btn-row"><button className="btn btn-primary" type="submit" disabled={busy || !name}>{t('common.save')}</button></div>
      </form>
    </div>
  );
}
