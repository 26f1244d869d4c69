import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, toProblem } from '../api/client';
import type { TemplateView } from '../api/types';
import { formatDateTime, t } from '../i18n';
import { Empty, ErrorState, Loading, ProblemBanner } from '../components/states';
import { SourceEditor, type SourceError } from '../components/SourceEditor';
import { useAsync } from '../components/useAsync';
import { useToast } from '../components/toast';

// Notification templates for designers and administrators: each part's Scriban source beside its preview,
// rendered by the server from the unsaved source as the manager types (so what is previewed is what the
// mail would be), with sample data the manager may change, parse errors at their line and column.
type Part = 'subject' | 'html' | 'text';
const PARTS: Part[] = ['subject', 'html', 'text'];
interface Source { subject: string; html: string; text: string }
interface Rendered { subject: string; html: string; text: string }
type Errors = Partial<Record<Part | 'data', SourceError[]>>;
const PREVIEW_DELAY_MS = 400;

/** A 400's errors by part: the server names the part as the field, with line and column. */
function errorsByPart(error: unknown): Errors {
  const out: Errors = {};
  for (const e of (error as { errors?: { field?: string | null; message: string; line?: number | null; column?: number | null }[] })?.errors ?? []) {
    const part = (e.field ?? '').toLowerCase() as Part;
    (out[PARTS.includes(part) ? part : 'data'] ??= []).push({ line: e.line, column: e.column, message: e.message });
  }
  return out;
}

export function Templates() {
  const { name } = useParams();
  const list = useAsync(async () => (await call(api.GET('/api/templates'))) as TemplateView[], []);
  return (
    <div className="page" style={{ maxInlineSize: 1400 }}>
      <div className="page-head"><div><h1>{t('templates.title')}</h1><p>{t('templates.subtitle')}</p></div></div>
      {list.loading && !list.data ? <Loading /> : list.error ? <ErrorState error={list.error} onRetry={list.reload} /> : (
        <div className="stack">
          <nav className="tabs" aria-label={t('templates.title')} style={{ inlineSize: 'fit-content', maxInlineSize: '100%', flexWrap: 'wrap' }}>
            {(list.data ?? []).map((x) => (
              <Link key={x.name} className="tab" to={`/templates/${x.name}`} aria-current={x.name === name ? 'page' : undefined}
                data-testid={`template-${x.name}`} style={x.name === name ? { background: 'var(--surface)', color: 'var(--text)' } : undefined}>
                {x.name}{x.saved ? ' •' : ''}
              </Link>
            ))}
          </nav>
          {name
            ? <TemplateEditor key={name} name={name} onSaved={list.reload} />
            : (list.data ?? []).length === 0 ? <Empty title={t('templates.none')} /> : <p className="subtle">{t('templates.pick')}</p>}
        </div>
      )}
    </div>
  );
}

function TemplateEditor({ name, onSaved }: { name: string; onSaved: () => void }) {
  const toast = useToast();
  const navigate = useNavigate();
  const loaded = useAsync(async () => (await call(api.GET('/api/templates/{name}', { params: { path: { name } } }))) as TemplateView, [name]);
  const [source, setSource] = useState<Source>();
  const [part, setPart] = useState<Part>('subject');
  const [data, setData] = useState('{}');
  const [preview, setPreview] = useState<Rendered>();
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => { if (loaded.data) setSource({ subject: loaded.data.subject, html: loaded.data.html, text: loaded.data.text }); }, [loaded.data]);

  const sample = useMemo((): { value?: Record<string, unknown>; error?: string } => {
    try {
      const v = JSON.parse(data || '{}') as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? { value: v as Record<string, unknown> } : { error: t('templates.dataObject') };
    } catch (e) { return { error: (e as Error).message }; }
  }, [data]);

  // The preview follows the source, debounced so that typing is not a request per key.
  useEffect(() => {
    if (!source || !sample.value) return undefined;
    let live = true;
    const timer = setTimeout(async () => {
      const { data: rendered, error, response } = await api.POST('/api/templates/{name}/preview', {
        params: { path: { name } }, body: { ...source, data: sample.value } as never,
      });
      if (!live) return;
      if (response.ok && rendered) { setPreview(rendered as Rendered); setErrors({}); } else setErrors(errorsByPart(error));
    }, PREVIEW_DELAY_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [name, source, sample.value]);

  async function save() {
    if (!source) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const { error, response } = await api.PUT('/api/templates/{name}', { params: { path: { name } }, body: { name, ...source } as never });
      if (!response.ok) { setErrors(errorsByPart(error)); setProblem(toProblem(error, response)); return; }
      toast(t('templates.saved'));
      onSaved();
      loaded.reload();
    } finally { setBusy(false); }
  }

  async function backToDefault() {
    setBusy(true);
    try {
      await call(api.DELETE('/api/templates/{name}', { params: { path: { name } } }));
      toast(t('templates.reset'));
      onSaved();
      loaded.reload();
    } catch (e) { setProblem(toProblem(e)); } finally { setBusy(false); }
  }

  if (loaded.error) return <ErrorState error={loaded.error} onRetry={() => navigate('/templates')} />;
  if (!source || !loaded.data) return <Loading />;
  const label = (p: Part) => t(`templates.part.${p}`);

  return (
    <div className="template-layout">
      <section className="card card-pad stack" aria-label={t('templates.source')}>
        <div className="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap' }}>
          <div className="tabs" role="group" aria-label={t('templates.parts')}>
            {PARTS.map((p) => (
              <button key={p} type="button" className="tab" aria-pressed={part === p} onClick={() => setPart(p)}>
                {label(p)}{errors[p]?.length ? ' ⚠' : ''}
              </button>
            ))}
          </div>
          <span className="subtle">{loaded.data.saved ? t('templates.savedBy', { who: loaded.data.updatedBy ?? '', at: formatDateTime(loaded.data.updatedAt) }) : t('templates.default')}</span>
        </div>
        <SourceEditor key={part} id={`template-${part}`} label={label(part)} value={source[part]} rows={part === 'subject' ? 3 : 16}
          errors={errors[part]} onChange={(v) => setSource({ ...source, [part]: v })} />
        <SourceEditor id="template-data" label={t('templates.data')} value={data} rows={6} onChange={setData}
          errors={sample.error ? [{ message: t('designer.jsonError', { message: sample.error }) }] : errors.data} />
        <p className="hint">{t('templates.dataHint')}</p>
        <ProblemBanner problem={problem} shown={PARTS} />
        <div className="row">
          <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={busy}>{t('templates.save')}</button>
          {loaded.data.saved && <button type="button" className="btn" onClick={() => void backToDefault()} disabled={busy}>{t('templates.backToDefault')}</button>}
        </div>
      </section>
      <section className="card card-pad stack template-preview" aria-label={t('templates.preview')} aria-live="polite">
        <h2>{t('templates.preview')}</h2>
        {Object.keys(errors).length > 0 && preview && <p className="hint" data-testid="preview-stale">{t('templates.previewStale')}</p>}
        {!preview ? <Loading /> : (
          <>
            <div className="field"><span className="label">{label('subject')}</span><div data-testid="preview-subject">{preview.subject}</div></div>
            <div className="field"><span className="label">{label('html')}</span>
              <iframe title={t('templates.htmlPreview')} sandbox="" srcDoc={preview.html} data-testid="preview-html" /></div>
            <div className="field"><span className="label">{label('text')}</span><pre data-testid="preview-text">{preview.text}</pre></div>
          </>
        )}
      </section>
    </div>
  );
}
