// Conversations in the sidebar are grouped by how recent they are.
export type Period = 'today' | 'yesterday' | 'week' | 'month' | 'older';

const DAY = 24 * 60 * 60 * 1000;

// periodOf says which group a time falls in, seen from now (local days).
export function periodOf(when: Date, now: Date): Period {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const t = when.getTime();
  if (t >= midnight) return 'today';
  if (t >= midnight - DAY) return 'yesterday';
  if (t >= midnight - 7 * DAY) return 'week';
  if (t >= midnight - 30 * DAY) return 'month';
  return 'older';
}

// groupByPeriod keeps the items' order and returns the non-empty groups,
// newest first.
export function groupByPeriod<T>(items: T[], when: (item: T) => string | undefined, now = new Date()): { period: Period; items: T[] }[] {
  const order: Period[] = ['today', 'yesterday', 'week', 'month', 'older'];
  const groups = new Map<Period, T[]>();
  for (const item of items) {
    const p = periodOf(new Date(when(item) ?? 0), now);
    groups.set(p, [...(groups.get(p) ?? []), item]);
  }
  return order.filter((p) => groups.has(p)).map((p) => ({ period: p, items: groups.get(p)! }));
}
