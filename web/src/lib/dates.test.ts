import { describe, expect, it } from 'vitest';
import { groupByPeriod, periodOf } from './dates';

describe('periodOf', () => {
  const now = new Date(2026, 11, 7, 15, 0);
  it('puts times in local-day periods', () => {
    expect(periodOf(new Date(2026, 11, 7, 0, 1), now)).toBe('today');
    expect(periodOf(new Date(2026, 11, 6, 23, 59), now)).toBe('yesterday');
    expect(periodOf(new Date(2026, 11, 2), now)).toBe('week');
    expect(periodOf(new Date(2026, 10, 20), now)).toBe('month');
    expect(periodOf(new Date(2025, 0, 1), now)).toBe('older');
  });
});

describe('groupByPeriod', () => {
  it('keeps order and leaves out empty groups', () => {
    const now = new Date(2026, 11, 7, 15, 0);
    const items = [
      { id: 'a', at: new Date(2026, 11, 7, 9).toISOString() },
      { id: 'b', at: new Date(2026, 11, 7, 8).toISOString() },
      { id: 'c', at: new Date(2024, 1, 1).toISOString() },
    ];
    const groups = groupByPeriod(items, (i) => i.at, now);
    expect(groups.map((g) => g.period)).toEqual(['today', 'older']);
    expect(groups[0].items.map((i) => i.id)).toEqual(['a', 'b']);
  });
});
