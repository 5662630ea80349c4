import type { components } from './api/schema';

type Row = components['schemas']['TokenUsageRow'];

export interface Day {
  day: string;
  prompt: number;
  completion: number;
  requests: number;
}

// perDay sums usage rows (per day, model, user and assistant) into one entry
// per day, oldest first, with days without use filled in as zero.
export function perDay(rows: Row[], start: string, end: string): Day[] {
  const sums = new Map<string, Day>();
  for (const r of rows) {
    const day = (r.day ?? '').slice(0, 10);
    if (!day) continue;
    const d = sums.get(day) ?? { day, prompt: 0, completion: 0, requests: 0 };
    d.prompt += r.prompt_tokens ?? 0;
    d.completion += r.completion_tokens ?? 0;
    d.requests += r.requests ?? 0;
    sums.set(day, d);
  }
  const out: Day[] = [];
  const last = new Date(`${end}T00:00:00Z`);
  for (let d = new Date(`${start}T00:00:00Z`); d < last && out.length < 400; d.setUTCDate(d.getUTCDate() + 1)) {
    const key = d.toISOString().slice(0, 10);
    out.push(sums.get(key) ?? { day: key, prompt: 0, completion: 0, requests: 0 });
  }
  return out;
}

export interface Share {
  id: string;
  prompt: number;
  completion: number;
  requests: number;
}

// perKey sums usage rows by who or what used the tokens (user, assistant
// or model), largest total first; rows without that key count as "".
export function perKey(rows: Row[], key: 'user_id' | 'assistant_id' | 'model_id' | 'workflow_id'): Share[] {
  const sums = new Map<string, Share>();
  for (const r of rows) {
    const id = r[key] ?? '';
    const s = sums.get(id) ?? { id, prompt: 0, completion: 0, requests: 0 };
    s.prompt += r.prompt_tokens ?? 0;
    s.completion += r.completion_tokens ?? 0;
    s.requests += r.requests ?? 0;
    sums.set(id, s);
  }
  return [...sums.values()].sort((a, b) => b.prompt + b.completion - (a.prompt + a.completion) || a.id.localeCompare(b.id));
}
