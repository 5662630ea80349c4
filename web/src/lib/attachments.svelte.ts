// Files attached to a question: each is uploaded through /files/ at once,
// and its row shows whether it is ready or why it was refused.
import { authedFetch, toError, ApiError, errorText } from './api';
import { t } from './i18n/index.svelte';

// MAX_BYTES is the server's limit for a chat attachment (10 MiB).
export const MAX_BYTES = 10 * 1024 * 1024;

export interface Attachment {
  key: number;
  name: string;
  size: number;
  status: 'uploading' | 'ready' | 'error';
  id: string;
  error: string;
}

let keys = 0;

// attach uploads files into list (a $state array) and returns when all
// have an outcome.
export async function attach(list: Attachment[], files: Iterable<File>): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const file of files) {
    list.push({ key: ++keys, name: file.name || t('attach.pasted'), size: file.size, status: 'uploading', id: '', error: '' });
    const row = list[list.length - 1];
    jobs.push(upload(row, file));
  }
  await Promise.all(jobs);
}

async function upload(row: Attachment, file: File): Promise<void> {
  if (file.size > MAX_BYTES) {
    row.status = 'error';
    row.error = t('attach.tooLarge', { max: '10 MB' });
    return;
  }
  const form = new FormData();
  form.append('file', file, row.name);
  try {
    const res = await authedFetch(new Request('/api/v1/files/', { method: 'POST', body: form }));
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw toError(body, res);
    row.id = body.id;
    row.status = 'ready';
  } catch (e) {
    row.status = 'error';
    row.error = uploadError(e);
  }
}

function uploadError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 415) return t('attach.badType');
    if (e.status === 413) return t('attach.tooLarge', { max: '10 MB' });
  }
  return errorText(e);
}

export function fileSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// uploadForApp uploads a file an app's run takes (a recording is kept as
// it is, for the run to transcribe) and returns its id.
export async function uploadForApp(file: File): Promise<string> {
  if (file.size > MAX_BYTES) throw new Error(t('attach.tooLarge', { max: '10 MB' }));
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await authedFetch(new Request('/api/v1/files/?purpose=app', { method: 'POST', body: form }));
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw toError(body, res);
  return body.id as string;
}
