/** The order queued requests are considered in (M-8.5): priority, then age. */
import type { Priority } from '@fmls/core';

const RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

export function byPriorityThenAge<T extends { priority: Priority; submittedAt: number; id: string }>(a: T, b: T): number {
  return RANK[a.priority] - RANK[b.priority] || a.submittedAt - b.submittedAt || a.id.localeCompare(b.id);
}
