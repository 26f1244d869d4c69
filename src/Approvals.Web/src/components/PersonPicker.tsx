import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { api, call } from '../api/client';
import type { Person } from '../api/types';
import { t } from '../i18n';

/**
 * An email field that suggests people from `GET /api/people?q=` as one types (debounced): a combobox with a
 * listbox, reachable by keyboard (arrow keys move, Enter picks, Escape closes). A full email may still be typed.
 */
export function PersonPicker({ id, value, onChange, exclude, invalid }: {
  id: string; value: string; onChange: (email: string) => void; exclude?: string; invalid?: boolean;
}) {
  const listId = useId();
  const [people, setPeople] = useState<Person[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState(false);
  const picked = useRef<string | null>(null);

  useEffect(() => {
    if (picked.current === value) return; // just picked: nothing more to suggest
    let stale = false;
    const timer = window.setTimeout(() => {
      call(api.GET('/api/people', { params: { query: { q: value.trim() || undefined, limit: 10 } } }))
        .then((r) => {
          if (stale) return;
          const found = r.items.filter((p) => p.email !== exclude?.toLowerCase());
          setPeople(found);
          setActive(found.length ? 0 : -1);
          setSearched(true);
        })
        .catch(() => { if (!stale) { setPeople([]); setActive(-1); } });
    }, 250);
    return () => { stale = true; window.clearTimeout(timer); };
  }, [value, exclude]);

  function pick(p: Person) {
    picked.current = p.email;
    onChange(p.email);
    setOpen(false);
    setActive(-1);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) { setOpen(true); return; }
      if (!people.length) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + people.length) % people.length);
    } else if (e.key === 'Enter' && open && active >= 0 && people[active]) {
      e.preventDefault(); // pick, do not submit yet
      pick(people[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
    }
  }

  const shown = open && (people.length > 0 || searched);
  const optionId = (i: number) => `${listId}-option-${i}`;
  return (
    <div className="picker">
      <input id={id} type="email" autoComplete="off" role="combobox" aria-autocomplete="list" aria-expanded={shown}
        aria-controls={listId} aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
        aria-invalid={invalid} required value={value} placeholder={t('picker.placeholder')}
        onChange={(e) => { picked.current = null; onChange(e.target.value); setOpen(true); }}
        onFocus={() => setOpen(true)} onBlur={() => setOpen(false)} onKeyDown={onKeyDown} />
      <ul id={listId} role="listbox" aria-label={t('picker.label')} className="picker-list" hidden={!shown}>
        {people.map((p, i) => (
          <li key={p.email} id={optionId(i)} role="option" aria-selected={i === active}
            className={i === active ? 'picker-option active' : 'picker-option'}
            // mousedown, not click: the input's blur would close the list before a click lands.
            onMouseDown={(e) => { e.preventDefault(); pick(p); }} onMouseEnter={() => setActive(i)}>
            <span className="picker-name">{p.displayName}</span>
            <span className="picker-email">{p.email}</span>
          </li>
        ))}
        {people.length === 0 && <li className="picker-empty" role="presentation">{t('picker.none')}</li>}
      </ul>
    </div>
  );
}
