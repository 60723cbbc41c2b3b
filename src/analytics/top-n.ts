/**
 * The shared "top N groups plus one `other` row" query, over a rollup when one holds the keys and serves the
 * filter, else over `flows`. Group keys and measures are SQL expressions chosen by the analytics code (never
 * user text); the limit is bound as `$1`.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';

export const MAX_TOP_LIMIT = 10_000;

/** The measures every grouped row carries, over `flows`. */
export const GROUP_MEASURES = `count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
  count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied`;

/** The same measures re-aggregated from a rollup's rows (whose `flows`, `bytes`, `packets` are sums already). */
export const ROLLUP_GROUP_MEASURES = `coalesce(sum("flows"), 0) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
  coalesce(sum("flows") FILTER (WHERE "flow_decision" = 'Deny'), 0) AS denied`;

export interface TopNQuery {
  /** Output column name → SQL expression over `flows` (and over the rollup's columns, when `rollups` is set). */
  keys: Record<string, string>;
  /** The measure column (of GROUP_MEASURES) to rank by, descending; ties by the keys ascending, nulls last. */
  orderBy: 'flows' | 'bytes' | 'packets' | 'denied';
  limit: number;
  /** An extra predicate (trusted SQL) on columns that `flows` and the rollup share. */
  where?: string;
  /**
   * Rollups (rollups.ts) whose dimensions include every column the keys and `where` use and `flow_decision`:
   * the first that serves the filter answers; the raw rows answer when none does.
   */
  rollups?: readonly string[];
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
  const sql = (relation: string, measures: string) => `
    WITH g AS (SELECT ${keyList}, ${measures} FROM ${relation} WHERE ${query.where ?? 'TRUE'} GROUP BY ALL),
    r AS (SELECT *, row_number() OVER (ORDER BY "${query.orderBy}" DESC, ${tieBreak}) AS rn FROM g)
    SELECT * EXCLUDE (rn), false AS is_other, rn FROM r WHERE rn <= $1
    UNION ALL BY NAME
    SELECT sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, sum(denied) AS denied, true AS is_other, $1 + 1 AS rn
      FROM r WHERE rn > $1 HAVING count(*) > 0
    ORDER BY rn`;
  type Row = K & MeasuredRow & { is_other: boolean; rn?: number };
  const rows =
    (query.rollups === undefined ? null : await store.queryRollup<Row>(query.rollups, sql('rollup', ROLLUP_GROUP_MEASURES), [query.limit], filter)) ??
    (await store.query<Row>(sql('flows', GROUP_MEASURES), [query.limit], filter));
  for (const row of rows) delete row.rn;
  return rows;
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_LIMIT) {
    throw new NetworkflowError('bad-option', `limit ${String(limit)} is not an integer from 1 to ${MAX_TOP_LIMIT}`, 'ask for fewer rows');
  }
}
