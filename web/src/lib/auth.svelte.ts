// Who is signed in. The access token lives only in memory; the refresh
// token is an HttpOnly cookie the server sets on the refresh route, which
// scripts cannot read. A new tab or a reload signs in silently by trading
// the cookie for an access token (restore); signing out ends the session
// on the server, so other tabs are signed out at their next request.
import type { components } from './api/schema';

type Me = components['schemas']['Me'];
type Tokens = components['schemas']['TokenResponse'];

// SESSION_HEADER asks the server for a cookie session, and proves to it
// that a refresh comes from this site's own pages.
export const SESSION_HEADER = { 'X-Agora-Session': 'cookie' } as const;
const REFRESH_URL = '/api/v1/users/login/refresh/';

export const auth = $state({ accessToken: '', me: null as Me | null, restored: false });

export function storeTokens(t: Tokens): void {
  auth.accessToken = t.access_token ?? '';
}

export function signOutLocally(): void {
  auth.accessToken = '';
  auth.me = null;
}

let refreshing: Promise<boolean> | null = null;

// refresh trades the session cookie for a new access token. Tabs share the
// cookie and it rotates, so one tab at a time refreshes (a Web Lock); the
// server also forgives two tabs that present it within seconds.
export function refresh(): Promise<boolean> {
  refreshing ??= withLock(async () => {
    try {
      const res = await fetch(REFRESH_URL, { method: 'POST', headers: SESSION_HEADER, credentials: 'same-origin' });
      if (!res.ok) return false;
      storeTokens(await res.json());
      return true;
    } catch {
      return false;
    }
  }).finally(() => (refreshing = null));
  return refreshing;
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  return locks ? (locks.request('agora-refresh', fn) as Promise<T>) : fn();
}

// restore signs a new tab in from the session cookie, once.
export async function restore(): Promise<void> {
  if (auth.restored) return;
  if (!auth.accessToken) await refresh();
  auth.restored = true;
}

// hasFeature reports whether an optional part of the installation is on.
export function hasFeature(f: string): boolean {
  return auth.me?.features?.includes(f) ?? false;
}

export function hasPermission(p: string): boolean {
  return auth.me?.permissions?.includes(p) ?? false;
}
