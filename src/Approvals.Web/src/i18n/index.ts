import { en, type MessageKey } from './en';

// One translation layer for every user-facing string. Catalogues are flat maps of key → message with
// {name} placeholders; a right-to-left catalogue only needs `dir: 'rtl'` here, the CSS is logical already.
type Catalogue = Record<MessageKey, string>;
const catalogues: Record<string, { messages: Catalogue; dir: 'ltr' | 'rtl' }> = {
  en: { messages: en, dir: 'ltr' },
};

let current = catalogues.en;
export let locale = 'en';

export function setLocale(name: string) {
  current = catalogues[name] ?? catalogues.en;
  locale = catalogues[name] ? name : 'en';
  document.documentElement.lang = locale;
  document.documentElement.dir = current.dir;
}

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  const message: string = current.messages[key] ?? key;
  if (!values) return message;
  return message.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

const relative = () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
const dateTime = () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime().format(new Date(iso)) : t('common.none');
}

/** "in 2 days", "3 hours ago": for due times and activity. */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86400000], ['hour', 3600000], ['minute', 60000]];
  for (const [unit, ms] of units) if (abs >= ms) return relative().format(Math.round(diff / ms), unit);
  return relative().format(Math.round(diff / 1000), 'second');
}

export function isKey(key: string): key is MessageKey {
  return key in en;
}
