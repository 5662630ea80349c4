// Swedish and English. Every visible string goes through t(); the unit test
// checks both dictionaries have every key, non-empty, with the same {names}.
// Each dictionary is a chunk of its own, loaded before the app starts (the
// chosen language) or when the user switches, so a page carries only one.
import type en from './en';

export type Lang = 'en' | 'sv';
export type Key = keyof typeof en;
const loaders: Record<Lang, () => Promise<{ default: Record<Key, string> }>> = {
  en: () => import('./en'),
  sv: () => import('./sv'),
};
const dictionaries: Partial<Record<Lang, Record<Key, string>>> = {};

// loadLanguage fetches a language's dictionary once.
export async function loadLanguage(l: Lang): Promise<void> {
  dictionaries[l] ??= (await loaders[l]()).default;
}

// hasKey reports whether the shown language has a text for key.
export function hasKey(key: string): key is Key {
  return key in (dictionaries[current.lang] ?? {});
}
export const languages: { code: Lang; name: string }[] = [
  { code: 'sv', name: 'Svenska' },
  { code: 'en', name: 'English' },
];

const STORAGE_KEY = 'agora.lang';

function initial(): Lang {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'sv') return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

const current = $state({ lang: initial() });

export function lang(): Lang {
  return current.lang;
}

export async function setLang(l: Lang): Promise<void> {
  await loadLanguage(l);
  current.lang = l;
  globalThis.localStorage?.setItem(STORAGE_KEY, l);
  if (globalThis.document) document.documentElement.lang = l;
}

// translate looks key up in one language and fills in {name} placeholders.
export function translate(l: Lang, key: Key, vars?: Record<string, string | number>): string {
  const text = dictionaries[l]?.[key] ?? dictionaries.en?.[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  return translate(current.lang, key, vars);
}

// tOr names a value through a key built from it (`prefix.value`), or
// shows the value itself when the dictionary has no such key.
export function tOr(prefix: string, value: string | undefined): string {
  const key = `${prefix}.${value ?? ''}`;
  return hasKey(key) ? t(key) : (value ?? '');
}

function locale(): string {
  return current.lang === 'sv' ? 'sv-SE' : 'en-GB';
}

function fmt(value: string | undefined | null, opts: Intl.DateTimeFormatOptions): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

export function fmtDateTime(value: string | undefined | null): string {
  return fmt(value, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtDate(value: string | undefined | null): string {
  return fmt(value, { dateStyle: 'medium' });
}

export function fmtNumber(n: number | undefined | null): string {
  return new Intl.NumberFormat(locale()).format(n ?? 0);
}
