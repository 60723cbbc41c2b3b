/**
 * FlowStore: typed, parameterized queries over a data directory's Parquet lake through embedded DuckDB.
 *
 * Only the files the manifest lists are read (never a directory glob), pruned to the filter's time window
 * with each file's minTime/maxTime. Queries see a relation named `flows`: the lake's columns plus the hive
 * keys `date` (DATE) and `hour` (INTEGER), already restricted by the filter.
 */
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBDateValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
} from '@duckdb/node-api';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import { openDuckDB, type DuckDB, type DuckDBOptions } from './duckdb.js';
import { filesForFilter, filterToSql, quoteColumn } from './filter-sql.js';
import { readManifest, type Manifest } from './manifest.js';
import { readFlowFilesSql, rollupRelation } from './rollup-query.js';
import { LAKE_COLUMNS, LAKE_DIRS, MANIFEST_FILE, type LakeColumnType } from './schema.js';

/** One row of `flows` as JS values: timestamps as epoch ms, BIGINTs as numbers, `date` as `YYYY-MM-DD`. */
export interface FlowRow {
  timestamp: number;
  end_time: number | null;
  subscription_id: string | null;
  resource_group: string | null;
  nsg_name: string | null;
  rule_name: string | null;
  src_ip: string | null;
  src_port: number | null;
  dst_ip: string | null;
  dst_port: number | null;
  protocol: string | null;
  flow_direction: string | null;
  flow_decision: string | null;
  flow_state: string | null;
  packets: number | null;
  bytes: number | null;
  packets_sent: number | null;
  bytes_sent: number | null;
  packets_received: number | null;
  bytes_received: number | null;
  region: string | null;
  geo_src: string | null;
  geo_dst: string | null;
  provider: string | null;
  source_format: string | null;
  attributes: string | null;
  source_object: string | null;
  source_line: number | null;
  src_ipv4: number | null;
  dst_ipv4: number | null;
  object_id: number | null;
  date: string;
  hour: number;
}

export type FlowColumn = keyof FlowRow;

/** Columns `flows()` may sort by. */
export const ORDERABLE_COLUMNS: readonly FlowColumn[] = [...LAKE_COLUMNS.map((c) => c.name as FlowColumn), 'date', 'hour'];

/** Columns `distinct()` may list: the filter dimensions and other low-cardinality fields. */
export const DISTINCT_COLUMNS = [
  'subscription_id',
  'resource_group',
  'nsg_name',
  'rule_name',
  'protocol',
  'flow_direction',
  'flow_decision',
  'flow_state',
  'region',
  'geo_src',
  'geo_dst',
  'provider',
  'source_format',
  'src_ip',
  'dst_ip',
  'src_port',
  'dst_port',
] as const satisfies readonly FlowColumn[];

export type DistinctColumn = (typeof DISTINCT_COLUMNS)[number];

export interface FlowsOptions {
  /** Rows per page, 1–10000 (default 100). */
  limit?: number;
  /** Rows to skip (default 0). */
  offset?: number;
  /** One of ORDERABLE_COLUMNS (default `timestamp`). */
  orderBy?: FlowColumn;
  descending?: boolean;
}

export interface DistinctValue {
  value: string | number;
  /** Flows with this value under the filter. */
  flows: number;
}

export interface FlowTotals {
  flows: number;
  bytes: number;
  packets: number;
  /** Flows whose decision is `Deny`. */
  denied: number;
}

/** Which relation answered a query: the raw rows (`flows`) or a rollup (`rollup`, with its name). */
export interface QueryEvent {
  source: 'raw' | 'rollup';
  rollup?: string;
}

export interface FlowStoreOptions {
  duckdb?: DuckDBOptions;
  /**
   * Let queryRollup answer from the rollups where they are exact (default true); false makes it return null
   * always, so callers take their raw path (tests compare the two; a lake without rollups needs nothing).
   */
  rollups?: boolean;
  /** Called once per query run, with the relation that answered it (benchmarks report the share of each). */
  onQuery?: (event: QueryEvent) => void;
}

export const MAX_PAGE_ROWS = 10_000;

const SELECT_COLUMNS = [...LAKE_COLUMNS.map((c) => c.name), 'date', 'hour'].map(quoteColumn).join(', ');
/** The relation of a lake with no (matching) files: the same columns, no rows. */
const EMPTY_FLOWS = `(SELECT ${[
  ...LAKE_COLUMNS.map((c) => `CAST(NULL AS ${c.type satisfies LakeColumnType}) AS ${quoteColumn(c.name)}`),
  `CAST(NULL AS DATE) AS "date"`,
  `CAST(NULL AS INTEGER) AS "hour"`,
].join(', ')} WHERE FALSE)`;
/** Rows tie on most sort keys; these make the order, and so pagination, deterministic. */
const TIE_BREAKERS = ['timestamp', 'object_id', 'source_line', 'src_ip', 'dst_ip', 'src_port', 'dst_port'];
/** A lake-relative flows file as the ingest names it: no `..`, no glob characters DuckDB would expand. */
const SAFE_FILE_PATH = /^flows\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+\.parquet$/;

export class FlowStore {
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly db: DuckDB,
    private current: Manifest,
    private stamp: string,
    private readonly options: FlowStoreOptions,
  ) {}

  /** Opens a data directory (an absent manifest is an empty lake) with its own in-memory DuckDB. */
  static async open(dataDir: string, options: FlowStoreOptions = {}): Promise<FlowStore> {
    const dir = path.resolve(dataDir);
    let info;
    try {
      info = await stat(dir);
    } catch {
      info = undefined;
    }
    if (!info?.isDirectory()) {
      throw new NetworkflowError('bad-option', `data dir ${dir} does not exist or is not a folder`, `run networkflow ingest --data-dir ${dataDir} first, or pass the folder it wrote`);
    }
    if (/[*?[\]{}]/.test(dir)) {
      throw new NetworkflowError('bad-option', `data dir ${dir} contains one of * ? [ ] { }, which DuckDB reads as a file pattern`, 'move the data dir to a path without those characters');
    }
    const stamp = await manifestStamp(dir);
    const manifest = checkManifest(dir, await readManifest(dir));
    const db = await openDuckDB(options.duckdb);
    // Lake files are never rewritten in place (a change writes new names), so their Parquet footers can be
    // cached across queries: a dashboard's queries then skip re-reading the footers of every file.
    await db.connection.run('SET parquet_metadata_cache = true');
    return new FlowStore(dir, db, manifest, stamp, options);
  }

  /** The manifest the store currently reads (as of open or the last refresh that saw a change). */
  get manifest(): Readonly<Manifest> {
    return this.current;
  }

  /** Re-reads the manifest when it changed on disk (e.g. after another ingest); true when the lake changed. */
  async refresh(): Promise<boolean> {
    this.assertOpen();
    const stamp = await manifestStamp(this.dataDir);
    if (stamp === this.stamp) return false;
    const next = checkManifest(this.dataDir, await readManifest(this.dataDir));
    this.stamp = stamp;
    const changed = contentOf(next) !== contentOf(this.current);
    this.current = next;
    return changed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /**
   * Runs trusted internal SQL that reads the relation `flows` (the lake restricted by `filter`). `params`
   * are the statement's own `$1…$n` values; the filter's parameters are numbered after them.
   */
  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], filter: Filter = {}): Promise<T[]> {
    this.assertOpen();
    const { where, params: filterParams } = filterToSql(filter, { paramOffset: params.length });
    const files = filesForFilter(this.current, filter).map((f) => path.join(this.dataDir, f.path));
    const values: unknown[] = [...params, ...filterParams];
    let source = EMPTY_FLOWS;
    if (files.length > 0) {
      values.push(files);
      source = readFlowFilesSql(`$${values.length}`);
    }
    return this.run<T>(`flows AS NOT MATERIALIZED (SELECT ${SELECT_COLUMNS} FROM ${source} WHERE ${where})`, sql, values, { source: 'raw' });
  }

  /**
   * Runs trusted internal SQL that reads the relation `rollup`: a rollup (rollups.ts) of the lake's rows
   * matching `filter` — columns `time` (the minute or hour), the rollup's dimensions and its additive
   * measures (re-aggregate with sum). Given several names, the first that can answer is used. Returns null,
   * running nothing, when none can answer the filter exactly (one lacks a filtered column, a file lacks the
   * rollup, or rollups are off): the caller then answers from `flows` with query(). Parameters are numbered
   * as in query().
   */
  async queryRollup<T = Record<string, unknown>>(
    rollups: string | readonly string[],
    sql: string,
    params: readonly unknown[] = [],
    filter: Filter = {},
  ): Promise<T[] | null> {
    this.assertOpen();
    filterToSql(filter); // an invalid filter fails here on either path, before any rollup is chosen
    if (this.options.rollups === false) return null;
    for (const rollup of typeof rollups === 'string' ? [rollups] : rollups) {
      const relation = rollupRelation(this.current, this.dataDir, rollup, filter, params.length);
      if (relation !== null) {
        return this.run<T>(`rollup AS NOT MATERIALIZED (${relation.sql})`, sql, [...params, ...relation.params], { source: 'rollup', rollup });
      }
    }
    return null;
  }

  /** Prepends the CTE to `sql` (merging with its own leading WITH) and runs it with `values` bound. */
  private async run<T>(cte: string, sql: string, values: readonly unknown[], event: QueryEvent): Promise<T[]> {
    const leadingWith = /^\s*WITH\s+(RECURSIVE\s+)?/i.exec(sql);
    const statement = leadingWith
      ? `${leadingWith[0]}${cte}, ${sql.slice(leadingWith[0].length)}`
      : `WITH ${cte} ${sql}`;
    const bound = values.map(toDuckDB);
    const reader = await this.db.connection.runAndReadAll(
      statement,
      bound.map((b) => b.value),
      bound.map((b) => b.type),
    );
    this.options.onQuery?.(event);
    return reader.convertRowObjects(toJS) as T[];
  }

  async count(filter: Filter = {}): Promise<number> {
    const [row] = await this.query<{ n: number }>('SELECT count(*) AS n FROM flows', [], filter);
    return row.n;
  }

  async flows(filter: Filter = {}, options: FlowsOptions = {}): Promise<FlowRow[]> {
    const limit = options.limit ?? 100;
    const offset = options.offset ?? 0;
    const orderBy = options.orderBy ?? 'timestamp';
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
      throw new NetworkflowError('bad-option', `limit ${String(limit)} is not an integer from 1 to ${MAX_PAGE_ROWS}`, 'page through larger results with offset');
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new NetworkflowError('bad-option', `offset ${String(offset)} is not a non-negative integer`, 'pass 0 for the first page');
    }
    if (!ORDERABLE_COLUMNS.includes(orderBy)) {
      throw new NetworkflowError('bad-option', `orderBy ${JSON.stringify(orderBy)} is not a flows column`, `use one of ${ORDERABLE_COLUMNS.join(', ')}`);
    }
    const direction = options.descending ? 'DESC' : 'ASC';
    const order = [`${quoteColumn(orderBy)} ${direction} NULLS LAST`, ...TIE_BREAKERS.map((c) => `${quoteColumn(c)} ASC NULLS LAST`)];
    return this.query<FlowRow>(`SELECT * FROM flows ORDER BY ${order.join(', ')} LIMIT $1 OFFSET $2`, [limit, offset], filter);
  }

  /** The first and last flow timestamps under the filter, or null when no flow matches. */
  async timeRange(filter: Filter = {}): Promise<{ min: number; max: number } | null> {
    const [row] = await this.query<{ min: number | null; max: number | null }>(
      'SELECT min("timestamp") AS min, max("timestamp") AS max FROM flows',
      [],
      filter,
    );
    return row.min === null || row.max === null ? null : { min: row.min, max: row.max };
  }

  /** The most frequent values of a column under the filter (for filter dropdowns), most flows first. */
  async distinct(column: DistinctColumn, filter: Filter = {}, limit = 100): Promise<DistinctValue[]> {
    if (!(DISTINCT_COLUMNS as readonly string[]).includes(column)) {
      throw new NetworkflowError('bad-option', `distinct column ${JSON.stringify(column)} is not allowed`, `use one of ${DISTINCT_COLUMNS.join(', ')}`);
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
      throw new NetworkflowError('bad-option', `limit ${String(limit)} is not an integer from 1 to ${MAX_PAGE_ROWS}`, 'ask for fewer values');
    }
    const c = quoteColumn(column);
    return this.query<DistinctValue>(
      `SELECT ${c} AS value, count(*) AS flows FROM flows WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY flows DESC, value ASC LIMIT $1`,
      [limit],
      filter,
    );
  }

  async totals(filter: Filter = {}): Promise<FlowTotals> {
    const [row] = await this.query<FlowTotals>(
      `SELECT count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
              count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied
         FROM flows`,
      [],
      filter,
    );
    return row;
  }

  private assertOpen(): void {
    if (this.closed) throw new NetworkflowError('bad-option', `the FlowStore of ${this.dataDir} is closed`, 'open a new one with FlowStore.open');
  }
}

/** Identifies one version of the manifest file without reading it (the writer replaces it by rename). */
async function manifestStamp(dataDir: string): Promise<string> {
  try {
    const s = await stat(path.join(dataDir, MANIFEST_FILE));
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/** What queries depend on; `updatedAt` changes on every commit, even one that changed nothing. */
function contentOf(m: Manifest): string {
  return JSON.stringify({ files: m.files, objects: m.objects });
}

/** Refuses a manifest whose file paths would read outside the lake or expand as a glob. */
function checkManifest(dataDir: string, manifest: Manifest): Manifest {
  for (const key of Object.keys(manifest.files)) {
    const file = manifest.files[key];
    if (file.path !== key || !file.path.startsWith(`${LAKE_DIRS.flows}/`) || !SAFE_FILE_PATH.test(file.path)) {
      throw new NetworkflowError(
        'input-unreadable',
        `${path.join(dataDir, MANIFEST_FILE)}: file entry ${JSON.stringify(key)} is not a flows/date=…/hour=…/<name>.parquet path`,
        'the manifest is damaged; re-ingest into a new data dir',
      );
    }
  }
  return manifest;
}

/** A JS parameter with the DuckDB type it is bound as (SQL casts narrow it where a column needs it). */
function toDuckDB(value: unknown): { value: DuckDBValue; type: DuckDBType } {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return { value: listValue(value as string[]), type: LIST(VARCHAR) };
    throw new TypeError('FlowStore.query: list parameters must be lists of strings');
  }
  switch (typeof value) {
    case 'string':
      return { value, type: VARCHAR };
    case 'number':
      return Number.isSafeInteger(value) ? { value: BigInt(value), type: BIGINT } : { value, type: DOUBLE };
    case 'bigint':
      return { value, type: BIGINT };
    case 'boolean':
      return { value, type: BOOLEAN };
    default:
      if (value === null) return { value: null, type: VARCHAR };
      throw new TypeError(`FlowStore.query: cannot bind a parameter of type ${typeof value}`);
  }
}

/** DuckDB values → plain JS: integers and big integers as numbers, timestamps as epoch ms, dates as text. */
const toJS: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return Number(value as bigint);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return Number((value as DuckDBTimestampValue).micros / 1000n);
    case DuckDBTypeId.DATE:
      return (value as DuckDBDateValue).toString();
    default:
      return (JSDuckDBValueConverter as DuckDBValueConverter<unknown>)(value, type, converter);
  }
};
