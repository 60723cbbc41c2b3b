/**
 * Flow aggregations over a FlowStore and a Filter: summary, top talkers/listeners, denied flows, time
 * series, heatmaps, Sankey pairs and countries; results are plain JS numbers (BIGINT sums come back as
 * numbers).
 *
 * Each answers from a rollup (FlowStore.queryRollup, src/store/rollup-query.ts) when one holds every column
 * the filter constrains and every column the aggregate groups by — ROLLUPS_FOR lists which serve what — and
 * from the store's pre-filtered raw `flows` otherwise. Both paths give the same result: the rollups are
 * exact, additive re-aggregations of the live rows, and a window that cuts a rollup bucket has the cut part
 * read raw. Filters on addresses (and on source ports) always take the raw path, as do Sankey pairs (no
 * per-pair rollup, see the store).
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';
import { AUTO_BUCKET_LIMITS, BUCKET_MS, bucketStarts, planBuckets, type BucketUnit, type BucketWindow } from './time-buckets.js';
import { checkLimit, topNWithOther, type MeasuredRow } from './top-n.js';

/** The label of the row or node that folds everything outside the top N. */
export const OTHER = 'other';

/**
 * The rollups each kind of question may be answered from, tried in order (the smallest first): the first
 * whose dimensions cover the filter's columns answers (see rollup-query.ts).
 */
const ROLLUPS_FOR = {
  /** Totals and anything per hour (or coarser) by decision: every hourly rollup but the per-address ones. */
  hourly: ['hour', 'country', 'port'],
  /** Per minute by decision. */
  minutely: ['minute'],
  /** By NSG and rule. */
  nsgRule: ['hour', 'port'],
  /** By NSG. */
  nsg: ['hour', 'port'],
} as const;

const HOUR_MS = BUCKET_MS.hour;

export interface FlowSummary {
  flows: number;
  bytes: number;
  packets: number;
  denied: number;
  /** denied / flows, 0 when there are no flows. */
  denialRate: number;
  distinctSources: number;
  distinctDestinations: number;
  /** First and last flow timestamps (epoch ms), null when no flow matches. */
  start: number | null;
  end: number | null;
  /** Not filled here: the anomaly module's results, which callers may attach. */
  anomalies?: { count: number; timestamps: number[] };
}

export async function summary(store: FlowStore, filter: Filter = {}): Promise<FlowSummary> {
  // The distinct counts decide the path: when the per-address rollups cannot serve the filter, one pass over
  // the raw rows answers everything, cheaper than rollup totals plus two raw distinct scans.
  const sources = await store.queryRollup<{ n: number }>('src_ip', DISTINCT_SQL('src_ip'), [], filter);
  const destinations = sources && (await store.queryRollup<{ n: number }>('dst_ip', DISTINCT_SQL('dst_ip'), [], filter));
  type Totals = Pick<FlowSummary, 'flows' | 'bytes' | 'packets' | 'denied'> & HourSpan;
  // the hourly rollups have every dimension of the per-address ones, so they serve whenever those did
  const totals =
    destinations &&
    (await store.queryRollup<Totals>(
      ROLLUPS_FOR.hourly,
      `SELECT coalesce(sum("flows"), 0) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
              coalesce(sum("flows") FILTER (WHERE "flow_decision" = 'Deny'), 0) AS denied, ${HOUR_SPAN_SQL}
         FROM rollup`,
      [],
      filter,
    ));
  if (!sources || !destinations || !totals) {
    const [row] = await store.query<Omit<FlowSummary, 'denialRate'>>(
      `SELECT count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes, coalesce(sum("packets"), 0) AS packets,
              count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied,
              count(DISTINCT "src_ip") AS "distinctSources", count(DISTINCT "dst_ip") AS "distinctDestinations",
              min("timestamp") AS start, max("timestamp") AS "end"
         FROM flows`,
      [],
      filter,
    );
    return { ...row, denialRate: row.flows === 0 ? 0 : row.denied / row.flows };
  }
  const [{ first, last, ...row }] = totals;
  const range = await exactTimeRange(store, filter, { first, last });
  return {
    ...row,
    denialRate: row.flows === 0 ? 0 : row.denied / row.flows,
    distinctSources: sources[0].n,
    distinctDestinations: destinations[0].n,
    start: range?.min ?? null,
    end: range?.max ?? null,
  };
}

/** Distinct non-null addresses of one end: the groups of that end's rollup. */
const DISTINCT_SQL = (column: 'src_ip' | 'dst_ip') => `SELECT count(DISTINCT "${column}") AS n FROM rollup`;

/** The first and last hour (epoch ms) with rows in an hourly rollup; null when it has none. */
interface HourSpan {
  first: number | null;
  last: number | null;
}
const HOUR_SPAN_SQL = 'epoch_ms(min("time")) AS first, epoch_ms(max("time")) AS last';

/** The exact first and last timestamps, read from the raw rows of just the first and last hour with rows. */
async function exactTimeRange(store: FlowStore, filter: Filter, { first, last }: HourSpan): Promise<{ min: number; max: number } | null> {
  if (first === null || last === null) return null;
  const within = (hour: number): Filter => ({
    ...filter,
    since: Math.max(filter.since ?? hour, hour),
    until: Math.min(filter.until ?? hour + HOUR_MS, hour + HOUR_MS),
  });
  // the rollup has rows in both hours, so both ranges exist
  const head = (await store.timeRange(within(first))) as { min: number; max: number };
  const tail = first === last ? head : ((await store.timeRange(within(last))) as { min: number; max: number });
  return { min: head.min, max: tail.max };
}

// ---- top talkers and listeners ---------------------------------------------------------------------------

export type TalkerMeasure = 'bytes' | 'flows' | 'packets';

export interface TopOptions {
  /** Ranking measure (default bytes); ties by address ascending. */
  by?: TalkerMeasure;
  /** Rows before the `other` row (default 10). */
  limit?: number;
}

export interface TalkerRow extends MeasuredRow {
  /** The address, `other` for the folded rest, null for flows without one. */
  ip: string | null;
}

/** Sources ranked by a measure, then one `other` row summing the rest when there is a rest. */
export function topTalkers(store: FlowStore, filter: Filter = {}, options: TopOptions = {}): Promise<TalkerRow[]> {
  return topAddresses(store, filter, 'src_ip', options);
}

/** Destinations ranked by a measure, then one `other` row summing the rest when there is a rest. */
export function topListeners(store: FlowStore, filter: Filter = {}, options: TopOptions = {}): Promise<TalkerRow[]> {
  return topAddresses(store, filter, 'dst_ip', options);
}

async function topAddresses(store: FlowStore, filter: Filter, column: 'src_ip' | 'dst_ip', options: TopOptions): Promise<TalkerRow[]> {
  const by = options.by ?? 'bytes';
  checkMeasure(by);
  const rows = await topNWithOther<{ ip: string | null }>(store, filter, {
    keys: { ip: `"${column}"` },
    orderBy: by,
    limit: options.limit ?? 10,
    rollups: [column],
  });
  return rows.map(({ is_other, ...row }) => (is_other ? { ...row, ip: OTHER } : row));
}

function checkMeasure(by: string): asserts by is TalkerMeasure {
  if (!['bytes', 'flows', 'packets'].includes(by)) {
    throw new NetworkflowError('bad-option', `measure ${JSON.stringify(by)} is not one of bytes, flows, packets`, 'rank by bytes, flows or packets');
  }
}

// ---- denied flows ----------------------------------------------------------------------------------------

export type DeniedDimension = 'nsg_rule' | 'source' | 'dst_port';

export interface DeniedRow {
  /** Display text: `nsg / rule`, the source address, the port; `other` for the folded rest; `(none)` for nulls. */
  label: string;
  /** The group's keys (absent on the `other` row): nsg_name + rule_name, src_ip, or dst_port. */
  nsg_name?: string | null;
  rule_name?: string | null;
  src_ip?: string | null;
  dst_port?: number | null;
  other: boolean;
  flows: number;
  bytes: number;
  packets: number;
}

const DENIED_KEYS: Record<DeniedDimension, Record<string, string>> = {
  nsg_rule: { nsg_name: '"nsg_name"', rule_name: '"rule_name"' },
  source: { src_ip: '"src_ip"' },
  dst_port: { dst_port: '"dst_port"' },
};
const DENIED_ROLLUPS: Record<DeniedDimension, readonly string[]> = { nsg_rule: ROLLUPS_FOR.nsgRule, source: ['src_ip'], dst_port: ['port'] };
const DENY = `"flow_decision" = 'Deny'`;
const NONE = '(none)';

/** Denied flows grouped by NSG and rule, by source, or by destination port: top `limit` by flows, then `other`. */
export async function deniedBy(store: FlowStore, filter: Filter, dimension: DeniedDimension, limit = 10): Promise<DeniedRow[]> {
  const keys = DENIED_KEYS[dimension] as Record<string, string> | undefined;
  if (keys === undefined) {
    throw new NetworkflowError('bad-option', `dimension ${JSON.stringify(dimension)} is not one of nsg_rule, source, dst_port`, 'group denied flows by nsg_rule, source or dst_port');
  }
  const rows = await topNWithOther<Record<string, string | number | null>>(store, filter, {
    keys,
    orderBy: 'flows',
    limit,
    where: DENY,
    rollups: DENIED_ROLLUPS[dimension],
  });
  return rows.map(({ is_other, flows, bytes, packets, denied: _denied, ...key }) => {
    if (is_other) return { label: OTHER, other: true, flows, bytes, packets };
    const label = Object.values(key).map((v) => (v === null ? NONE : String(v))).join(' / ');
    return { label, ...key, other: false, flows, bytes, packets };
  });
}

// ---- time series -----------------------------------------------------------------------------------------

export interface SeriesOptions {
  /** Bucket unit; automatic from the window when absent (see time-buckets.ts). */
  bucket?: BucketUnit;
}

export interface SeriesRow {
  /** Bucket start, epoch ms. */
  time: number;
  flows: number;
  bytes: number;
  denied: number;
  allowed: number;
}

export interface TimeSeries<R> {
  unit: BucketUnit;
  /** The real bucket width (a multiple of the unit when the window would need more than MAX_BUCKETS). */
  stepMs: number;
  /** Every bucket from the window's first to its last, empty ones as zeros; [] when there is no window. */
  rows: R[];
}

/**
 * Flows, bytes, denied and allowed per bucket. The window is [filter.since, filter.until) where given, the
 * data's first flow … last flow + 1 ms otherwise; with neither bounds nor data the series is empty.
 */
export async function timeSeries(store: FlowStore, filter: Filter = {}, options: SeriesOptions = {}): Promise<TimeSeries<SeriesRow>> {
  return bucketed(store, filter, options.bucket, 'TRUE', (time, row) => ({
    time,
    flows: row?.flows ?? 0,
    bytes: row?.bytes ?? 0,
    denied: row?.denied ?? 0,
    allowed: row?.allowed ?? 0,
  }));
}

export interface DeniedSeriesRow {
  time: number;
  flows: number;
  bytes: number;
}

/** Denied flows and their bytes per automatic bucket over the filter's window (same window rule as timeSeries). */
export async function deniedOverTime(store: FlowStore, filter: Filter = {}, options: SeriesOptions = {}): Promise<TimeSeries<DeniedSeriesRow>> {
  return bucketed(store, filter, options.bucket, DENY, (time, row) => ({ time, flows: row?.flows ?? 0, bytes: row?.bytes ?? 0 }));
}

interface BucketAggregate {
  t: number;
  flows: number;
  bytes: number;
  denied: number;
  allowed: number;
}

async function bucketed<R>(
  store: FlowStore,
  filter: Filter,
  unit: BucketUnit | undefined,
  where: string,
  toRow: (time: number, aggregate: BucketAggregate | undefined) => R,
): Promise<TimeSeries<R>> {
  let window: BucketWindow | null;
  let fine: FineSeries | null = null;
  if (filter.since !== undefined && filter.until !== undefined) {
    window = filter.until > filter.since ? { start: filter.since, end: filter.until } : null;
  } else {
    const hours = await store.queryRollup<HourSpan>(ROLLUPS_FOR.hourly, `SELECT ${HOUR_SPAN_SQL} FROM rollup`, [], filter);
    if (hours === null) {
      // no rollup serves the filter: the data's range and fine buckets come from one pass over the raw rows
      fine = await rawFineSeries(store, filter, unit, where);
      window = fine && filledWindow(filter, { min: fine.first, max: fine.last });
    } else {
      const range = await exactTimeRange(store, filter, hours[0]);
      window = range && filledWindow(filter, range);
    }
  }
  if (window === null) {
    const plan = planBuckets({ start: 0, end: 1 }, unit);
    return { unit: plan.unit, stepMs: plan.stepMs, rows: [] };
  }
  const plan = planBuckets(window, unit);
  const aggregates = fine && plan.stepMs % fine.granularity === 0 ? rebucket(fine.rows, plan.stepMs) : await bucketAggregates(store, filter, plan.stepMs, where);
  const byTime = new Map(aggregates.map((a) => [a.t, a]));
  return { unit: plan.unit, stepMs: plan.stepMs, rows: bucketStarts(plan).map((t) => toRow(t, byTime.get(t))) };
}

/** [since, until) from the filter, the data's range filling a missing bound; null when empty. */
function filledWindow(filter: Filter, range: { min: number; max: number }): BucketWindow | null {
  const start = filter.since ?? range.min;
  const end = filter.until ?? range.max + 1;
  return end > start ? { start, end } : null;
}

/** Flows, bytes, denied and allowed of `where`'s rows per `stepMs` bucket: from a rollup when one serves, else raw. */
async function bucketAggregates(store: FlowStore, filter: Filter, stepMs: number, where: string): Promise<BucketAggregate[]> {
  const sql = (relation: string, time: string, measures: string) =>
    `SELECT (epoch_ms(${time}) // $1) * $1 AS t, ${measures} FROM ${relation} WHERE ${where} GROUP BY t`;
  // a step of whole hours (hour, day, widened) sums hourly buckets; any other step needs the minute ones
  return (
    (await store.queryRollup<BucketAggregate>(
      stepMs % HOUR_MS === 0 ? ROLLUPS_FOR.hourly : ROLLUPS_FOR.minutely,
      sql(
        'rollup',
        '"time"',
        `coalesce(sum("flows"), 0) AS flows, coalesce(sum("bytes"), 0) AS bytes,
         coalesce(sum("flows") FILTER (WHERE "flow_decision" = 'Deny'), 0) AS denied,
         coalesce(sum("flows") FILTER (WHERE "flow_decision" = 'Allow'), 0) AS allowed`,
      ),
      [stepMs],
      filter,
    )) ??
    (await store.query<BucketAggregate>(
      sql(
        'flows',
        '"timestamp"',
        `count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes,
         count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied,
         count(*) FILTER (WHERE "flow_decision" = 'Allow') AS allowed`,
      ),
      [stepMs],
      filter,
    ))
  );
}

/** The raw rows' first and last timestamps and their aggregates per minute or hour (granularity, ms). */
interface FineSeries {
  first: number;
  last: number;
  granularity: number;
  rows: BucketAggregate[];
}

/**
 * One pass over the raw rows for a series whose window is open at one end: the first and last timestamps
 * of the filter's rows, and the aggregates of `where`'s rows per minute — per hour when the window is
 * longer than the minute unit's limit and no minute bucket was asked for — to be summed into the real
 * buckets (whose width is a multiple, except for explicit odd units: then bucketAggregates runs). Null when
 * no row matches.
 */
async function rawFineSeries(store: FlowStore, filter: Filter, unit: BucketUnit | undefined, where: string): Promise<FineSeries | null> {
  const rows = await store.query<BucketAggregate & { first: number; last: number; granularity: number }>(
    `WITH m AS (
       SELECT (epoch_ms("timestamp") // ${BUCKET_MS.minute}) * ${BUCKET_MS.minute} AS t,
              epoch_ms(min("timestamp")) AS first, epoch_ms(max("timestamp")) AS last,
              count(*) FILTER (WHERE ${where}) AS flows, coalesce(sum("bytes") FILTER (WHERE ${where}), 0) AS bytes,
              count(*) FILTER (WHERE ${where} AND "flow_decision" = 'Deny') AS denied,
              count(*) FILTER (WHERE ${where} AND "flow_decision" = 'Allow') AS allowed
         FROM flows GROUP BY 1),
     span AS (
       SELECT min(first) AS first, max(last) AS last,
              CASE WHEN $1 OR coalesce(CAST($3 AS BIGINT), max(last) + 1) - coalesce(CAST($2 AS BIGINT), min(first)) <= $4
                   THEN ${BUCKET_MS.minute} ELSE ${BUCKET_MS.hour} END AS granularity
         FROM m)
     SELECT s.first, s.last, s.granularity, (m.t // s.granularity) * s.granularity AS t,
            sum(m.flows) AS flows, sum(m.bytes) AS bytes, sum(m.denied) AS denied, sum(m.allowed) AS allowed
       FROM m, span s GROUP BY ALL`,
    [unit === 'minute', filter.since ?? null, filter.until ?? null, AUTO_BUCKET_LIMITS.minute],
    filter,
  );
  if (rows.length === 0) return null;
  return { first: rows[0].first, last: rows[0].last, granularity: rows[0].granularity, rows };
}

/** Sums fine aggregates into buckets of `stepMs` (a multiple of their granularity, epoch-aligned). */
function rebucket(rows: readonly BucketAggregate[], stepMs: number): BucketAggregate[] {
  const out = new Map<number, BucketAggregate>();
  for (const r of rows) {
    const t = Math.floor(r.t / stepMs) * stepMs;
    const a = out.get(t);
    if (a === undefined) out.set(t, { t, flows: r.flows, bytes: r.bytes, denied: r.denied, allowed: r.allowed });
    else {
      a.flows += r.flows;
      a.bytes += r.bytes;
      a.denied += r.denied;
      a.allowed += r.allowed;
    }
  }
  return [...out.values()];
}

// ---- heatmaps ----------------------------------------------------------------------------------------------

export interface Heatmap {
  /** Row labels. */
  rows: string[];
  /** Column labels: hours 0–23 (UTC). */
  hours: number[];
  /** Flows: z[row][hour]. */
  z: number[][];
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Flows by day of week (row 0 = Sunday … 6 = Saturday, UTC) × hour of day (UTC). */
export async function heatmapDayHour(store: FlowStore, filter: Filter = {}): Promise<Heatmap & { days: number[] }> {
  type Cell = { d: number; h: number; flows: number };
  const cells =
    (await store.queryRollup<Cell>(ROLLUPS_FOR.hourly, `SELECT dayofweek("time") AS d, hour("time") AS h, sum("flows") AS flows FROM rollup GROUP BY d, h`, [], filter)) ??
    (await store.query<Cell>(`SELECT dayofweek("timestamp") AS d, "hour" AS h, count(*) AS flows FROM flows GROUP BY d, h`, [], filter));
  const z = WEEKDAYS.map(() => HOURS.map(() => 0));
  for (const c of cells) z[c.d][c.h] = c.flows;
  return { rows: [...WEEKDAYS], days: WEEKDAYS.map((_, i) => i), hours: HOURS, z };
}

/** Flows by NSG (the top `limit` by flows, ties by name; then one `other` row when more exist) × hour of day (UTC). */
export async function heatmapNsgHour(store: FlowStore, filter: Filter = {}, limit = 10): Promise<Heatmap> {
  checkLimit(limit);
  type Cell = { rn: number; nsg: string | null; h: number; flows: number };
  // one pass over the relation: NSG × hour cells first, then the NSGs ranked from the cells
  const sql = (relation: string, flows: string, hour: string) =>
    `WITH cells AS (SELECT "nsg_name" AS nsg, ${hour} AS h, ${flows} AS flows FROM ${relation} GROUP BY ALL),
     ranked AS (SELECT nsg, row_number() OVER (ORDER BY sum(flows) DESC, nsg ASC NULLS LAST) AS rn FROM cells GROUP BY nsg)
     SELECT CASE WHEN r.rn <= $1 THEN r.rn ELSE $1 + 1 END AS rn, CASE WHEN r.rn <= $1 THEN r.nsg END AS nsg, c.h, sum(c.flows) AS flows
       FROM cells c JOIN ranked r ON c.nsg IS NOT DISTINCT FROM r.nsg
      GROUP BY ALL ORDER BY rn, h`;
  const cells =
    (await store.queryRollup<Cell>(ROLLUPS_FOR.nsg, sql('rollup', 'sum("flows")', 'hour("time")'), [limit], filter)) ??
    (await store.query<Cell>(sql('flows', 'count(*)', '"hour"'), [limit], filter));
  const rows: string[] = [];
  const z: number[][] = [];
  const index = new Map<number, number>();
  for (const c of cells) {
    let i = index.get(c.rn);
    if (i === undefined) {
      i = rows.length;
      index.set(c.rn, i);
      rows.push(c.rn > limit ? OTHER : (c.nsg ?? NONE));
      z.push(HOURS.map(() => 0));
    }
    z[i][c.h] = c.flows;
  }
  return { rows, hours: HOURS, z };
}

// ---- Sankey -----------------------------------------------------------------------------------------------

export interface SankeyOptions {
  /** Paths kept before the rest is folded into `other` (default 20). */
  limit?: number;
  /** Paths src → destination port → dst instead of src → dst. */
  viaPort?: boolean;
}

export interface SankeyRow {
  src_ip: string | null;
  /** Only with viaPort. */
  dst_port?: number | null;
  dst_ip: string | null;
  /** The folded rest: its keys are null. */
  other: boolean;
  flows: number;
  bytes: number;
}

export interface Sankey {
  /** Plotly `node`: labels, and each node's column (0 = source, 1 = port or destination, 2 = destination). */
  node: { label: string[]; column: number[] };
  /** Plotly `link`: indexes into node.label and bytes. */
  link: { source: number[]; target: number[]; value: number[] };
  rows: SankeyRow[];
}

/**
 * The top `limit` (src, dst) or (src, port, dst) paths by bytes, the rest folded into one `other` path.
 * Nodes are per column (an address that is both a source and a destination gets two nodes), so the graph
 * has no cycles, which Plotly's sankey cannot draw.
 */
export async function sankeyPairs(store: FlowStore, filter: Filter = {}, options: SankeyOptions = {}): Promise<Sankey> {
  const viaPort = options.viaPort ?? false;
  const keys: Record<string, string> = viaPort
    ? { src_ip: '"src_ip"', dst_port: '"dst_port"', dst_ip: '"dst_ip"' }
    : { src_ip: '"src_ip"', dst_ip: '"dst_ip"' };
  const found = await topNWithOther<{ src_ip: string | null; dst_port?: number | null; dst_ip: string | null }>(store, filter, {
    keys,
    orderBy: 'bytes',
    limit: options.limit ?? 20,
  });
  const rows: SankeyRow[] = found.map(({ is_other, packets: _p, denied: _d, ...row }) => ({ ...row, other: is_other }));
  const node = { label: [] as string[], column: [] as number[] };
  const nodeIndex = new Map<string, number>();
  const nodeOf = (column: number, label: string): number => {
    const key = `${column}\u0000${label}`;
    let i = nodeIndex.get(key);
    if (i === undefined) {
      i = node.label.length;
      nodeIndex.set(key, i);
      node.label.push(label);
      node.column.push(column);
    }
    return i;
  };
  const linkValues = new Map<string, number>();
  const addLink = (a: number, b: number, value: number) => {
    const key = `${a}>${b}`;
    linkValues.set(key, (linkValues.get(key) ?? 0) + value);
  };
  for (const row of rows) {
    const text = (v: string | number | null | undefined) => (row.other ? OTHER : v === null || v === undefined ? NONE : String(v));
    const path = viaPort ? [text(row.src_ip), text(row.dst_port), text(row.dst_ip)] : [text(row.src_ip), text(row.dst_ip)];
    const ids = path.map((label, column) => nodeOf(column, label));
    for (let i = 0; i + 1 < ids.length; i++) addLink(ids[i], ids[i + 1], row.bytes);
  }
  const link = { source: [] as number[], target: [] as number[], value: [] as number[] };
  for (const [key, value] of linkValues) {
    const [a, b] = key.split('>').map(Number);
    link.source.push(a);
    link.target.push(b);
    link.value.push(value);
  }
  return { node, link, rows };
}

// ---- countries ------------------------------------------------------------------------------------------

export interface CountryRow {
  /** ISO 3166-1 alpha-2, `ZZ` private/reserved, null unknown. */
  country: string | null;
  /** English name; `private/reserved` for ZZ; `unknown` for null. */
  label: string;
  flows: number;
  bytes: number;
}

export interface CountryPairRow {
  src: string | null;
  dst: string | null;
  flows: number;
  bytes: number;
}

export interface Countries {
  sources: CountryRow[];
  destinations: CountryRow[];
  /** Source country → destination country, most flows first. */
  pairs: CountryPairRow[];
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

export function countryLabel(code: string | null): string {
  if (code === null) return 'unknown';
  if (code === 'ZZ') return 'private/reserved';
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Flows and bytes by source country, by destination country, and by (source, destination) pair. */
export async function countries(store: FlowStore, filter: Filter = {}): Promise<Countries> {
  type Row = { side: string; src: string | null; dst: string | null; flows: number; bytes: number };
  const sql = (relation: string, measures: string) =>
    `SELECT CASE WHEN GROUPING("geo_src") = 1 THEN 'dst' WHEN GROUPING("geo_dst") = 1 THEN 'src' ELSE 'pair' END AS side,
            "geo_src" AS src, "geo_dst" AS dst, ${measures}
       FROM ${relation}
      GROUP BY GROUPING SETS (("geo_src"), ("geo_dst"), ("geo_src", "geo_dst"))
      ORDER BY flows DESC, src ASC NULLS LAST, dst ASC NULLS LAST`;
  const rows =
    (await store.queryRollup<Row>('country', sql('rollup', 'sum("flows") AS flows, coalesce(sum("bytes"), 0) AS bytes'), [], filter)) ??
    (await store.query<Row>(sql('flows', 'count(*) AS flows, coalesce(sum("bytes"), 0) AS bytes'), [], filter));
  const out: Countries = { sources: [], destinations: [], pairs: [] };
  for (const r of rows) {
    if (r.side === 'src') out.sources.push({ country: r.src, label: countryLabel(r.src), flows: r.flows, bytes: r.bytes });
    else if (r.side === 'dst') out.destinations.push({ country: r.dst, label: countryLabel(r.dst), flows: r.flows, bytes: r.bytes });
    else out.pairs.push({ src: r.src, dst: r.dst, flows: r.flows, bytes: r.bytes });
  }
  return out;
}
