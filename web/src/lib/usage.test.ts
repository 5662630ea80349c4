import { describe, expect, it } from 'vitest';
import { perDay } from './usage';

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
