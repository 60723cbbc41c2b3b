/**
 * The lake as the routes see it: one FlowStore (queries serialized, queue.ts), its version, and the cached
 * results of every route (cache.ts). Holds no analytics: each answer is a library call.
 */
import {
  AGGREGATE_NAMES,
  anomaliesCsv,
  anomalyTimeline,
  computeAggregate,
  filterToSql,
  summary,
  summaryCsv,
  type AggregateName,
  type BucketUnit,
  type Anomaly,
  type CsvTable,
  type DistinctColumn,
  type DistinctValue,
  type Filter,
  type FlowRow,
  type FlowStore,
} from '../index.js';
import { ANOMALY_ENTRIES, LRU_ENTRIES, LruCache, lakeVersion } from './cache.js';
import { timestampPage } from './flow-window.js';
import { filterKey, type AggregateQuery, type FlowsQuery } from './query.js';
import { SerialQueue, serializeStore } from './queue.js';

/** How many flows of each anomaly's own filter lie in the view: one scan, one FILTER clause per anomaly. */
async function flowsInView(store: FlowStore, anomalies: readonly Anomaly[], view: Filter): Promise<number[]> {
  if (anomalies.length === 0) return [];
  const params: unknown[] = [];
  const columns = anomalies.map((a, i) => {
    const { where, params: own } = filterToSql(a.filter, { paramOffset: params.length });
    params.push(...own);
    return `count(*) FILTER (WHERE ${where}) AS "c${i}"`;
  });
  const [row] = await store.query<Record<string, number>>(`SELECT ${columns.join(', ')} FROM flows`, params, view);
  return anomalies.map((_, i) => row[`c${i}`]);
}

/**
 * The aggregates the dashboard's unfiltered first view requests, with its parameters (src/web/data-round.ts
 * roundUrls; a test keeps the two in step), so warming them makes the first page a cache hit.
 */
export const FIRST_VIEW: readonly { name: AggregateName; top?: number; bucket?: BucketUnit }[] = [
  { name: 'summary' },
  { name: 'top-talkers', top: 100 },
  { name: 'top-listeners', top: 100 },
  { name: 'denied-by-nsg-rule', top: 10 },
  { name: 'denied-by-port', top: 8 },
  { name: 'time-series', bucket: 'hour' },
  { name: 'heatmap-day-hour' },
  { name: 'countries' },
  { name: 'sankey', top: 15 },
];

/** The filter bar's dimensions: query parameter → the column whose values it offers. */
export const OPTION_COLUMNS = {
  subscription: 'subscription_id',
  'resource-group': 'resource_group',
  nsg: 'nsg_name',
  protocol: 'protocol',
  direction: 'flow_direction',
  decision: 'flow_decision',
} as const satisfies Record<string, DistinctColumn>;
export const MAX_OPTION_VALUES = 200;

export type Options = Record<keyof typeof OPTION_COLUMNS, DistinctValue[]>;

export interface Meta {
  flows: number;
  timeRange: { min: number; max: number } | null;
  version: string;
  aggregates: readonly string[];
}

export interface AggregateResult {
  value: unknown;
  table: CsvTable;
}

export interface FlowsPage {
  rows: FlowRow[];
  total: number;
  limit: number;
  offset: number;
}

export class Lake {
  readonly queue = new SerialQueue();
  /** Anomaly detections per (version, filter): `misses` counts detections actually run. */
  readonly anomalies = new LruCache<AggregateResult>(ANOMALY_ENTRIES);
  readonly results = new LruCache<unknown>(LRU_ENTRIES);
  private currentVersion: string;
  /** Set once the server listens: from then on every new lake version is warmed up too. */
  warm = false;

  constructor(readonly store: FlowStore) {
    serializeStore(store, this.queue);
    this.currentVersion = lakeVersion(store.manifest);
  }

  /** Re-reads the manifest; on a change, a new version and empty caches. True when the lake changed. */
  async refresh(): Promise<boolean> {
    await this.store.refresh();
    const version = lakeVersion(this.store.manifest);
    if (version === this.currentVersion) return false;
    this.currentVersion = version;
    this.anomalies.clear();
    this.results.clear();
    if (this.warm) this.warmUp();
    return true;
  }

  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    return this.results.get(`${this.currentVersion}\u0000${key}`, compute) as Promise<T>;
  }

  /** Flows under the filter (the whole lake by default). */
  count(filter: Filter = {}): Promise<number> {
    return this.cached(`count\u0000${filterKey(filter)}`, () => this.store.count(filter));
  }

  timeRange(filter: Filter = {}): Promise<{ min: number; max: number } | null> {
    return this.cached(`timeRange\u0000${filterKey(filter)}`, () => this.store.timeRange(filter));
  }

  async meta(): Promise<Meta> {
    const version = this.currentVersion;
    const [flows, timeRange] = await Promise.all([this.count(), this.timeRange()]);
    return { flows, timeRange, version, aggregates: AGGREGATE_NAMES };
  }

  options(): Promise<Options> {
    return this.cached('options', async () => {
      const entries = await Promise.all(
        Object.entries(OPTION_COLUMNS).map(async ([param, column]) => [param, await this.store.distinct(column, {}, MAX_OPTION_VALUES)] as const),
      );
      return Object.fromEntries(entries) as Options;
    });
  }

  /** The lake's anomalies, detected once per lake version (and warmed when the server listens). */
  private lakeAnomalies(): Promise<AggregateResult> {
    return this.anomalies.get(`${this.currentVersion}\u0000${filterKey({})}`, () => computeAggregate(this.store, {}, 'anomalies'));
  }

  /**
   * The anomalies a view shows: the lake's anomalies (records unchanged, so clicking one shows its `flows`)
   * that have at least one flow in the view. Detecting afresh under every filter took 3–8 s at 10M flows;
   * this is one pass over the view's flows, counting every anomaly's flows at once. (`networkflow analyze`
   * with a filter still detects on the filtered flows.)
   */
  anomaliesInView(filter: Filter): Promise<AggregateResult> {
    if (Object.keys(filter).length === 0) return this.lakeAnomalies();
    return this.anomalies.get(`${this.currentVersion}\u0000${filterKey(filter)}`, async () => {
      const all = (await this.lakeAnomalies()).value as Anomaly[];
      const counts = await flowsInView(this.store, all, filter);
      const inView = all.filter((_, i) => counts[i] > 0);
      return { value: inView, table: anomaliesCsv(inView) };
    });
  }

  /** computeAggregate's result; JSON wants only `value`, CSV its `table`. */
  aggregate(name: AggregateName, q: AggregateQuery, want: 'value' | 'table'): Promise<unknown> {
    if (name === 'anomalies') return this.anomaliesInView(q.filter).then((r) => r[want]);
    const options = { top: q.top, bucket: q.bucket };
    if (name === 'summary') {
      // computeAggregate's summary, with the anomaly line from the view's anomalies (anomaliesInView above)
      return this.cached(`summary\u0000${filterKey(q.filter)}`, async () => {
        const [flows, anomalies] = await Promise.all([summary(this.store, q.filter), this.anomaliesInView(q.filter)]);
        const value = { ...flows, anomalies: anomalyTimeline(anomalies.value as Anomaly[]) };
        return { value, table: summaryCsv(value) };
      }).then((r) => r[want]);
    }
    const key = `aggregate\u0000${name}\u0000${filterKey(q.filter)}\u0000${String(q.top)}\u0000${String(q.bucket)}`;
    return this.cached(key, () => computeAggregate(this.store, q.filter, name, options)).then((r) => (r as AggregateResult)[want]);
  }

  /** One page of flows and the filter's total (the total and time range cached per version and filter). */
  async flows(q: FlowsQuery): Promise<FlowsPage> {
    const page = async () => {
      if (q.orderBy !== 'timestamp') return this.store.flows(q.filter, { limit: q.limit, offset: q.offset, orderBy: q.orderBy, descending: q.descending });
      // the lake's range clipped to the filter's bounds: one cached query per version, not one per filter
      const lake = await this.timeRange();
      const range = lake && { min: Math.max(lake.min, q.filter.since ?? -Infinity), max: Math.min(lake.max, (q.filter.until ?? Infinity) - 1) };
      return timestampPage(this.store, q, range && range.min <= range.max ? range : null);
    };
    const [rows, total] = await Promise.all([page(), this.count(q.filter)]);
    return { rows, total, limit: q.limit, offset: q.offset };
  }

  /**
   * Prepares what the dashboard's first view asks for (the whole lake's count, range, options, anomalies
   * and the aggregates of FIRST_VIEW), in the background: detection takes seconds on millions of flows, and
   * the first page then loads from the cache. Errors are left for the requests to report.
   */
  warmUp(): void {
    const views = FIRST_VIEW.map((v) => this.aggregate(v.name, { filter: {}, top: v.top, bucket: v.bucket, format: 'json' }, 'value'));
    void Promise.all([this.meta(), this.options(), this.anomaliesInView({}), ...views]).catch(() => undefined);
  }
}
