// The API client, typed from the generated schema (src/lib/api/schema.d.ts),
// so a changed route or field fails `npm run check` instead of the page.
import createClient from 'openapi-fetch';
import type { components, paths } from './api/schema';
import { auth, refresh, signOutLocally } from './auth.svelte';
import { lang, t } from './i18n/index.svelte';

export type Schemas = components['schemas'];

export class ApiError extends Error {
  constructor(
    message: string,
    public status: number,
    public code: string,
  ) {
    super(message);
  }
}

// authedFetch adds the access token and, when it has expired, refreshes it
// once and repeats the request.
export async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const res = await fetch(withToken(input));
  if (res.status !== 401 || !auth.accessToken) return res;
  if (!(await refresh())) {
    signOutLocally();
    return res;
  }
  return fetch(withToken(retry));
}

function withToken(req: Request): Request {
  if (auth.accessToken) req.headers.set('Authorization', `Bearer ${auth.accessToken}`);
  return req;
}

// downloadFile fetches a file route with the signed-in user's token (a
// plain link would carry none) and saves it as name.
export async function downloadFile(url: string, name: string): Promise<void> {
  const res = await authedFetch(new Request(url.split('#')[0]));
  if (!res.ok) throw toError(await res.json().catch(() => ({})), res);
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export const api = createClient<paths>({ baseUrl: '', fetch: authedFetch });

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

// ok returns a call's data or throws an ApiError with the server's message.
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw toError(error, response);
  return data as T;
}

export function toError(body: unknown, response: Response): ApiError {
  const b = (body ?? {}) as { message?: string; code?: string };
  return new ApiError(b.message || `${response.status} ${response.statusText}`, response.status, b.code || 'internal');
}

const errorCodes = ['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'unsupported_media_type', 'rate_limited', 'quota_exceeded', 'unavailable', 'internal'] as const;

// knownErrors are server messages common enough to say more precisely
// than their kind in another language.
const knownErrors: [RegExp, 'error.nameLength' | 'error.fileKind' | 'error.passwordRules' | 'error.nameTaken'][] = [
  [/with this name already exists/, 'error.nameTaken'],
  [/^name must be 1 to 200 characters/, 'error.nameLength'],
  [/is a kind of file (that|which) cannot be/, 'error.fileKind'],
  [/^password /, 'error.passwordRules'],
];

// DETAIL separates the text an error shows from the server's own words,
// which ErrorNote keeps under "Details" (an invisible separator, so text
// that is shown whole still reads).
export const DETAIL = '\u2063';

// errorText is what a failed call shows the user. The server explains in
// English; in another language the page leads with the kind of error in
// that language, and the server's explanation follows after DETAIL.
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (lang() === 'en') return e.message;
    const known = knownErrors.find(([re]) => re.test(e.message));
    const code = (errorCodes as readonly string[]).includes(e.code) ? e.code : 'internal';
    return `${known ? t(known[1]) : t(`error.${code}` as 'error.internal')}${DETAIL}${e.message}`;
  }
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) return t('error.network');
  if (e instanceof Error) return e.message;
  return String(e);
}

// splitError parts an errorText into what is shown and the details.
export function splitError(s: string): { text: string; detail: string } {
  const i = s.indexOf(DETAIL);
  return i < 0 ? { text: s, detail: '' } : { text: s.slice(0, i), detail: s.slice(i + DETAIL.length) };
}
