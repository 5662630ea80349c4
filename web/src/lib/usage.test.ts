import { describe, expect, it } from 'vitest';
import { perDay, perKey } from './usage';

describe('perDay', () => {
  it('sums rows per day and fills days without use', () => {
    const rows = [
      { day: '2026-11-02T00:00:00Z', prompt_tokens: 10, completion_tokens: 5, requests: 1, model_id: 'a' },
      { day: '2026-11-02', prompt_tokens: 20, completion_tokens: 1, requests: 2, model_id: 'b' },
      { day: '2026-11-04', prompt_tokens: 7, completion_tokens: 3, requests: 1 },
    ];
    expect(perDay(rows, '2026-11-01', '2026-11-05')).toEqual([
      { day: '2026-11-01', prompt: 0, completion: 0, requests: 0 },
      { day: '2026-11-02', prompt: 30, completion: 6, requests: 3 },
      { day: '2026-11-03', prompt: 0, completion: 0, requests: 0 },
      { day: '2026-11-04', prompt: 7, completion: 3, requests: 1 },
    ]);
  });
});

describe('perKey', () => {
  it('sums rows per user, largest first, and keeps the totals', () => {
    const rows = [
      { day: '2026-11-02', prompt_tokens: 10, completion_tokens: 5, requests: 1, user_id: 'u1', model_id: 'm' },
      { day: '2026-11-03', prompt_tokens: 20, completion_tokens: 1, requests: 2, user_id: 'u2', model_id: 'm' },
      { day: '2026-11-04', prompt_tokens: 7, completion_tokens: 3, requests: 1, user_id: 'u1' },
    ];
    const users = perKey(rows, 'user_id');
    expect(users).toEqual([
      { id: 'u1', prompt: 17, completion: 8, requests: 2 },
      { id: 'u2', prompt: 20, completion: 1, requests: 2 },
    ]);
    expect(perKey(rows, 'model_id').map((s) => s.id)).toEqual(['m', '']);
    const sum = users.reduce((n, s) => n + s.prompt + s.completion, 0);
    expect(sum).toBe(46);
  });
});
