/**
 * One page of flows in timestamp order, read from a recent window first. Sorting all of a large lake for a
 * page of 100 rows reads every file (≈1.3 s on 10M flows); the newest hour alone answers in ≈40 ms. Every
 * row outside a window [since, end] sorts after every row inside it, so when the window holds the whole page
 * (offset + limit rows) its page is exactly the lake's page; otherwise the window widens, and the last resort
 * is the plain query over the whole filter.
 */
import type { Filter, FlowRow, FlowStore, FlowsOptions } from '../index.js';

const HOUR = 3_600_000;
/** Window lengths tried in turn before the whole range. */
export const WINDOW_SPANS = [HOUR, 6 * HOUR, 24 * HOUR, 7 * 24 * HOUR] as const;

export interface PageRequest {
  filter: Filter;
  limit: number;
  offset: number;
  descending: boolean;
}

/** `range`: bounds of the filter's timestamps, such as the lake's clipped to the filter (null: nothing matches). */
export async function timestampPage(store: FlowStore, q: PageRequest, range: { min: number; max: number } | null): Promise<FlowRow[]> {
  const options: FlowsOptions = { limit: q.limit, offset: q.offset, orderBy: 'timestamp', descending: q.descending };
  if (range === null) return [];
  for (const span of WINDOW_SPANS) {
    if (range.max - range.min < span) break; // the window would be the whole range: query it as is
    const window: Filter = q.descending
      ? { since: Math.max(range.max + 1 - span, q.filter.since ?? -Infinity) }
      : { until: Math.min(range.min + span, q.filter.until ?? Infinity) };
    const rows = await store.flows({ ...q.filter, ...window }, options);
    if (rows.length === q.limit) return rows;
  }
  return store.flows(q.filter, options);
}
