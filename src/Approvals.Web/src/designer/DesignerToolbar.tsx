import { useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Definition } from '../api/types';
import { t } from '../i18n';

interface Props {
  name: string; keyName: string; dirty: boolean; busy: boolean; readOnly: boolean; errorCount: number; checking: boolean;
  latestVersion: number | null; viewVersion: number | null;
  onSave: () => void; onPublish: () => void; onLayout: () => void; onExport: () => void;
  onImport: (def: Definition) => void; onVersion: (v: number | null) => void;
}

export function DesignerToolbar(p: Props) {
  const file = useRef<HTMLInputElement>(null);
  const [importError, setImportError] = useState<string>();
  const versions = p.latestVersion ? Array.from({ length: p.latestVersion }, (_, i) => p.latestVersion! - i) : [];

  return (
    <header className="designer-bar">
      <div className="row grow" style={{ flexWrap: 'nowrap', minInlineSize: 0 }}>
        <Link to="/workflows" className="btn btn-ghost btn-sm" aria-label={t('common.back')}>←</Link>
        <div style={{ minInlineSize: 0 }}>
          <div className="designer-name">{p.name}</div>
          <div className="subtle row" style={{ gap: 6 }}>
            <span className="mono">{p.keyName}</span>
            {p.readOnly ? <span className="badge badge-plain">{t('designer.viewVersion', { n: p.viewVersion ?? 0 })}</span>
              : p.dirty ? <span className="badge badge-warning">{t('designer.unsaved')}</span> : null}
            {!p.readOnly && (p.errorCount > 0
              ? <span className="badge badge-danger" data-testid="designer-errors">{t('designer.invalid', { n: p.errorCount })}</span>
              : !p.checking && <span className="badge badge-success" data-testid="designer-valid">{t('designer.valid')}</span>)}
          </div>
        </div>
      </div>
      <div className="btn-row designer-actions">
        <label className="visually-hidden" htmlFor="version-select">{t('designer.versions')}</label>
        <select id="version-select" className="input btn-sm" style={{ inlineSize: 'auto', minBlockSize: 30, padding: '2px 8px' }}
          value={p.viewVersion ?? ''} onChange={(e) => p.onVersion(e.target.value ? Number(e.target.value) : null)} disabled={!versions.length}>
          <option value="">{t('workflows.draft')}</option>
          {versions.map((v) => <option key={v} value={v}>{t('workflows.version', { n: v })}</option>)}
        </select>
        {!p.readOnly && <button className="btn btn-sm" onClick={p.onLayout}>{t('designer.layout')}</button>}
        {!p.readOnly && <button className="btn btn-sm" onClick={() => file.current?.click()}>{t('designer.import')}</button>}
        <button className="btn btn-sm" onClick={p.onExport}>{t('designer.export')}</button>
        {!p.readOnly && <button className="btn btn-sm" onClick={p.onSave} disabled={p.busy}>{t('designer.save')}</button>}
        {!p.readOnly && <button className="btn btn-sm btn-primary" onClick={p.onPublish} disabled={p.busy}>{t('designer.publish')}</button>}
        {p.readOnly && <button className="btn btn-sm btn-primary" onClick={() => p.onVersion(null)}>{t('designer.backToDraft')}</button>}
        <input ref={file} type="file" accept="application/json,.json" hidden onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          try { p.onImport(JSON.parse(await f.text())); setImportError(undefined); } catch (err) { setImportError(t('designer.jsonError', { message: (err as Error).message })); }
        }} />
      </div>
      {importError && <div className="banner banner-error" role="alert" style={{ inlineSize: '100%' }}>{importError}</div>}
    </header>
  );
}
