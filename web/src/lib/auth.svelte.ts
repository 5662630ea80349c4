// Who is signed in. The token pair lives in sessionStorage (per tab, gone when
// the browser closes), so a shared computer does not keep people signed in.
import type { components } from './api/schema';

type Me = components['schemas']['Me'];
type Tokens = components['schemas']['TokenResponse'];

const KEY = 'agora.tokens';

function load(): { access: string; refresh: string } {
  try {
    const raw = globalThis.sessionStorage?.getItem(KEY);
    if (raw) return JSON.parse(raw);
  } catch {
    /* a damaged entry means signed out */
  }
  return { access: '', refresh: '' };
}

const saved = load();
export const auth = $state({ accessToken: saved.access, refreshToken: saved.refresh, me: null as Me | null });

export function storeTokens(t: Tokens): void {
  auth.accessToken = t.access_token ?? '';
  auth.refreshToken = t.refresh_token ?? '';
  sessionStorage.setItem(KEY, JSON.stringify({ access: auth.accessToken, refresh: auth.refreshToken }));
}

export function signOutLocally(): void {
  auth.accessToken = '';
  auth.refreshToken = '';
  auth.me = null;
  sessionStorage.removeItem(KEY);
}

let refreshing: Promise<boolean> | null = null;

// refresh trades the refresh token for a new pair; concurrent callers share
// one request, because refresh tokens rotate and a reuse revokes them all.
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/users/login/refresh/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: auth.refreshToken }),
      });
      if (!res.ok) return false;
      storeTokens(await res.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export function hasPermission(p: string): boolean {
  return auth.me?.permissions?.includes(p) ?? false;
}
