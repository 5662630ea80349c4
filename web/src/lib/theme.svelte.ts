// Light or dark: the system's preference unless the user chose one, which
// is remembered in localStorage. The choice is data-theme on <html>, which
// app.css's tokens and Tailwind's dark: variant follow.
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'agora.theme';
const media = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

function saved(): ThemeChoice {
  const v = globalThis.localStorage?.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

const state = $state({ choice: saved(), systemDark: media?.matches ?? false });

export function themeChoice(): ThemeChoice {
  return state.choice;
}

// theme is the theme shown now.
export function theme(): 'light' | 'dark' {
  if (state.choice === 'system') return state.systemDark ? 'dark' : 'light';
  return state.choice;
}

export function setTheme(choice: ThemeChoice): void {
  state.choice = choice;
  if (choice === 'system') globalThis.localStorage?.removeItem(KEY);
  else globalThis.localStorage?.setItem(KEY, choice);
  apply();
}

// toggleTheme switches to the other theme and remembers it.
export function toggleTheme(): void {
  setTheme(theme() === 'dark' ? 'light' : 'dark');
}

export function apply(): void {
  document.documentElement.dataset.theme = theme();
}

media?.addEventListener?.('change', (e) => {
  state.systemDark = e.matches;
  apply();
});
