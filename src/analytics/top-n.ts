/**
 * The shared "top N groups plus one `other` row" query over `flows`. Group keys and measures are SQL
 * expressions chosen by the analytics code (never user text); the limit is bound as `$1`.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';

export const MAX_TOP_LIMIT = 10_000;

/** The measures every grouped row carries. */
export const GROUP_MEASURES = `count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
  count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied`;

export interface TopNQuery {
  /** Output column name → SQL expression over `flows`. */
  keys: Record<string, string>;
  /** The measure column (of GROUP_MEASURES) to rank by, descending; ties by the keys ascending, nulls last. */
  orderBy: 'flows' | 'bytes' | 'packets' | 'denied';
  limit: number;
  /** An extra predicate on `flows` (trusted SQL). */
  where?: string;
}

export interface MeasuredRow {
  flows: number;
  bytes: number;
  packets: number;
  denied: number;
}

/** Rows of the top `limit` groups in rank order, then (when groups remain) one row with `is_other` true and null keys. */
export async function topNWithOther<K extends Record<string, unknown>>(
  store: FlowStore,
  filter: Filter,
  query: TopNQuery,
): Promise<(K & MeasuredRow & { is_other: boolean })[]> {
  checkLimit(query.limit);
  const names = Object.keys(query.keys);
  const keyList = names.map((name) => `${query.keys[name]} AS "${name}"`).join(', ');
  const tieBreak = names.map((name) => `"${name}" ASC NULLS LAST`).join(', ');
  const sql = `
    WITH g AS (SELECT ${keyList}, ${GROUP_MEASURES} FROM flows WHERE ${query.where ?? 'TRUE'} GROUP BY ALL),
    r AS (SELECT *, row_number() OVER (ORDER BY "${query.orderBy}" DESC, ${tieBreak}) AS rn FROM g)
    SELECT * EXCLUDE (rn), false AS is_other, rn FROM r WHERE rn <= $1
    UNION ALL BY NAME
    SELECT sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, sum(denied) AS denied, true AS is_other, $1 + 1 AS rn
      FROM r WHERE rn > $1 HAVING count(*) > 0
    ORDER BY rn`;
  const rows = await store.query<K & MeasuredRow & { is_other: boolean; rn?: number }>(sql, [query.limit], filter);
  for (const row of rows) delete row.rn;
  return rows;
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_LIMIT) {
    throw new NetworkflowError('bad-option', `limit ${String(limit)} is not an integer from 1 to ${MAX_TOP_LIMIT}`, 'ask for fewer rows');
  }
}
