import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { t } from '../i18n';

/** One suggestion: the value written into the definition, the name shown and a detail line. */
export type Suggestion = { value: string; label: string; detail?: string };

/**
 * A multi-value field: the values chosen so far as removable chips, then a combobox that suggests more as one
 * types (debounced), like PersonPicker. Keyboard: arrow keys move, Enter picks the highlighted suggestion (or adds
 * what was typed when nothing is highlighted), Escape closes, Backspace in an empty field removes the last chip.
 * Typed text is also added on comma and on leaving the field, so a full email or group name may still be typed.
 */
export function MultiPicker({ id, label, values, onChange, search, placeholder, invalid }: {
  id: string; label: string; values: string[]; onChange: (values: string[]) => void;
  search: (q: string) => Promise<Suggestion[]>; placeholder?: string; invalid?: boolean;
}) {
  const listId = useId();
  const [text, setText] = useState('');
  const [suggested, setFound] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState(false);
  // Filtered as shown too, so a value just chosen never lingers until the next search answers.
  const found = suggested.filter((s) => !values.includes(s.value));
  const searchRef = useRef(search);
  searchRef.current = search;
  const valuesRef = useRef(values);
  valuesRef.current = values;

  useEffect(() => {
    if (!open) return;
    let stale = false;
    const timer = window.setTimeout(() => {
      searchRef.current(text.trim())
        .then((r) => {
          if (stale) return;
          setFound(r);
          setActive(text.trim() && r.some((s) => !valuesRef.current.includes(s.value)) ? 0 : -1);
          setSearched(true);
        })
        .catch(() => { if (!stale) { setFound([]); setActive(-1); } });
    }, 250);
    return () => { stale = true; window.clearTimeout(timer); };
  }, [text, open]);

  function add(value: string) {
    const v = value.trim();
    if (v && !values.includes(v)) onChange([...values, v]);
    setText('');
    setActive(-1);
  }

  function remove(value: string) { onChange(values.filter((v) => v !== value)); }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) { setOpen(true); return; }
      if (!found.length) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i < 0 && step < 0 ? found.length - 1 : (i + step + found.length) % found.length));
    } else if (e.key === 'Enter') {
      if (open && active >= 0 && found[active]) { e.preventDefault(); add(found[active].value); setOpen(false); }
      else if (text.trim()) { e.preventDefault(); add(text); }
    } else if (e.key === ',' && text.trim()) {
      e.preventDefault();
      add(text);
    } else if (e.key === 'Backspace' && text === '' && values.length) {
      e.preventDefault();
      remove(values[values.length - 1]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
    }
  }

  const shown = open && (found.length > 0 || searched);
  const optionId = (i: number) => `${listId}-option-${i}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="picker multi-picker">
        {values.length > 0 && (
          <ul className="chips" aria-label={t('picker.chosen', { label })}>
            {values.map((v) => (
              <li key={v} className="chip">
                <span className="chip-text">{v}</span>
                <button type="button" className="chip-remove" aria-label={t('picker.remove', { value: v })}
                  tabIndex={-1} onClick={() => remove(v)}>×</button>
              </li>
            ))}
          </ul>
        )}
        <input id={id} type="text" autoComplete="off" role="combobox" aria-autocomplete="list" aria-expanded={shown}
          aria-controls={listId} aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
          aria-invalid={invalid} value={text} placeholder={placeholder}
          onChange={(e) => { setText(e.target.value); setOpen(true); }}
          onFocus={() => setOpen(true)} onBlur={() => { if (text.trim()) add(text); setOpen(false); }} onKeyDown={onKeyDown} />
        <ul id={listId} role="listbox" aria-label={t('picker.suggestions', { label })} className="picker-list" hidden={!shown}>
          {found.map((s, i) => (
            <li key={s.value} id={optionId(i)} role="option" aria-selected={i === active}
              className={i === active ? 'picker-option active' : 'picker-option'}
              // mousedown, not click: the input's blur would close the list before a click lands.
              onMouseDown={(e) => { e.preventDefault(); add(s.value); setOpen(false); }} onMouseEnter={() => setActive(i)}>
              <span className="picker-name">{s.label}</span>
              {s.detail && <span className="picker-email">{s.detail}</span>}
            </li>
          ))}
          {found.length === 0 && <li className="picker-empty" role="presentation">{t('picker.noneTyped')}</li>}
        </ul>
      </div>
    </div>
  );
}
