/**
 * Answering from the rollups: the relation `rollup` that a query over one rollup reads — one row per
 * (time bucket, dimensions) of the live flow rows that match a filter, with the rollup's additive measures —
 * or null when that rollup cannot answer the filter exactly.
 *
 * A rollup can answer when every field the filter constrains is one of its dimensions (the filter's
 * predicate then holds on its rows as on the raw rows: filterToSql is reused on the same column names).
 * Addresses (`ip`) and source ports are never dimensions of a filter-capable rollup, so they go raw.
 *
 * Time: the rollup's buckets inside the window's whole grains (minutes or hours) are read from its files;
 * where `since` or `until` cuts a bucket, the rows of the cut part are read raw and rolled up on the fly with
 * the same SELECT the writer uses (rollupSelect), so the relation holds exactly the filtered rows' groups
 * for any window. Those edges cost at most one partition's raw rows at each end.
 */
import path from 'node:path';
import type { Filter } from '../model/filter.js';
import { filterToSql } from './filter-sql.js';
import { liveFiles, type Manifest } from './manifest.js';
import { getRollup, rollupSelect, type RollupDefinition } from './rollups.js';
import { LAKE_COLUMNS } from './schema.js';

/** The hive keys' types, fixed rather than auto-detected so every query sees the same schema. */
export const HIVE_TYPES = `hive_types = {'date': DATE, 'hour': INTEGER}`;

/** A read of flow files (a bound list of absolute paths) with the hive keys `date` and `hour`. */
export function readFlowFilesSql(placeholder: string): string {
  return `read_parquet(${placeholder}, hive_partitioning = true, ${HIVE_TYPES})`;
}

export const GRAIN_MS: Readonly<Record<RollupDefinition['grain'], number>> = { minute: 60_000, hour: 3_600_000 };

/** A rollup path as the lake writer names it: no `..`, no glob characters DuckDB would expand. */
const SAFE_ROLLUP_PATH = /^rollups\/[a-z_]+\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+\.parquet$/;

/** Filter fields (list-valued) → the lake column each constrains; `port` and `country` are handled apart. */
const FIELD_COLUMNS = {
  subscription: 'subscription_id',
  resourceGroup: 'resource_group',
  nsg: 'nsg_name',
  rule: 'rule_name',
  protocol: 'protocol',
  direction: 'flow_direction',
  decision: 'flow_decision',
} as const;

export interface RollupRelation {
  /** A SELECT with the rollup's columns: `time` (TIMESTAMP), the dimensions, the measures (BIGINT). */
  sql: string;
  /** Values of its placeholders, numbered from `$(paramOffset + 1)`; file lists are string arrays. */
  params: unknown[];
}

/**
 * The columns a filter constrains, or null when it constrains something no rollup holds (an address, or a
 * port on the source side). Call after filterToSql has validated the filter. Empty lists constrain nothing.
 */
export function constrainedColumns(filter: Filter): string[] | null {
  const set = (field: keyof Filter) => {
    const value = filter[field];
    return Array.isArray(value) && value.length > 0;
  };
  const columns: string[] = [];
  for (const [field, column] of Object.entries(FIELD_COLUMNS)) if (set(field as keyof Filter)) columns.push(column);
  if (set('ip')) return null;
  if (set('port')) {
    if ((filter.portSide ?? 'dst') !== 'dst') return null;
    columns.push('dst_port');
  }
  if (set('country')) columns.push('geo_src', 'geo_dst');
  return columns;
}

/** True when the rollup holds every column the (valid) filter constrains. */
export function rollupServesFilter(rollup: RollupDefinition, filter: Filter): boolean {
  const columns = constrainedColumns(filter);
  return columns !== null && columns.every((c) => rollup.dimensions.includes(c));
}

/**
 * The relation `rollup` for a rollup under a filter, over `manifest`'s live files in `dataDir`; null when the
 * rollup cannot answer the filter exactly (see the module comment) or a file in the window lacks the rollup.
 * Throws what filterToSql throws for an invalid filter.
 */
export function rollupRelation(manifest: Manifest, dataDir: string, name: string, filter: Filter, paramOffset = 0): RollupRelation | null {
  const rollup = getRollup(name);
  filterToSql(filter); // validates, so the checks below see well-formed values
  if (!rollupServesFilter(rollup, filter)) return null;

  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${paramOffset + params.length}`;
  };
  const grain = GRAIN_MS[rollup.grain];
  const { since, until } = filter;
  let inner: { start?: number; end?: number } | null = {
    start: since === undefined ? undefined : Math.ceil(since / grain) * grain,
    end: until === undefined ? undefined : Math.floor(until / grain) * grain,
  };
  const edges: { start?: number; end?: number }[] = [];
  if (inner.start !== undefined && inner.end !== undefined && inner.start >= inner.end) {
    // the window lies within one bucket (or two partial ones): all of it is an edge
    inner = null;
    if ((since as number) < (until as number)) edges.push({ start: since, end: until });
  } else {
    if (since !== undefined && since < (inner.start as number)) edges.push({ start: since, end: inner.start });
    if (until !== undefined && (inner.end as number) < until) edges.push({ start: inner.end, end: until });
  }

  const columns = ['time', ...rollup.dimensions, ...rollup.measures].map((c) => `"${c}"`).join(', ');
  const parts: string[] = [];
  if (inner) {
    const files: string[] = [];
    for (const file of liveFiles(manifest, inner.start, inner.end)) {
      const entry = file.rollups?.[name];
      if (!entry || !SAFE_ROLLUP_PATH.test(entry.path)) return null;
      files.push(path.join(dataDir, entry.path));
    }
    if (files.length > 0) {
      const source = bind(files);
      const dims = filterToSql({ ...filter, since: undefined, until: undefined }, { paramOffset: paramOffset + params.length });
      params.push(...dims.params);
      const clauses = [dims.where];
      if (inner.start !== undefined) clauses.push(`"time" >= epoch_ms(CAST(${bind(inner.start)} AS BIGINT))`);
      if (inner.end !== undefined) clauses.push(`"time" < epoch_ms(CAST(${bind(inner.end)} AS BIGINT))`);
      parts.push(`SELECT ${columns} FROM read_parquet(${source}) WHERE ${clauses.join(' AND ')}`);
    }
  }
  for (const edge of edges) {
    const files = liveFiles(manifest, edge.start, edge.end).map((f) => path.join(dataDir, f.path));
    if (files.length === 0) continue;
    const source = bind(files);
    const rows = filterToSql({ ...filter, since: edge.start, until: edge.end }, { paramOffset: paramOffset + params.length });
    params.push(...rows.params);
    parts.push(`SELECT ${columns} FROM (${rollupSelect(rollup, `(SELECT * FROM ${readFlowFilesSql(source)} WHERE ${rows.where})`)})`);
  }
  return { sql: parts.length > 0 ? parts.join(' UNION ALL ') : emptyRollupSql(rollup), params };
}

/** The relation of a rollup with no rows: its columns with their types. */
function emptyRollupSql(rollup: RollupDefinition): string {
  const typeOf = (column: string) => LAKE_COLUMNS.find((c) => c.name === column)?.type ?? 'VARCHAR';
  const columns = [
    `CAST(NULL AS TIMESTAMP) AS "time"`,
    ...rollup.dimensions.map((d) => `CAST(NULL AS ${typeOf(d)}) AS "${d}"`),
    ...rollup.measures.map((m) => `CAST(NULL AS BIGINT) AS "${m}"`),
  ];
  return `SELECT ${columns.join(', ')} WHERE FALSE`;
}
