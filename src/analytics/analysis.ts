/**
 * Every aggregate under one name (what `analyze` prints, `export` writes and the HTTP API serves): each one a
 * library call over the same FlowStore and Filter, and each one's table for CSV. Times in CSV are ISO 8601
 * UTC; in JSON they stay epoch ms, exactly as the library returns them.
 */
import type { CsvTable } from '../model/csv.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';
import { anomalyTimeline, detectAnomalies, type DetectOptions } from './anomalies.js';
import type { Anomaly } from './anomaly-types.js';
import {
  countries,
  deniedBy,
  deniedOverTime,
  heatmapDayHour,
  heatmapNsgHour,
  sankeyPairs,
  summary,
  timeSeries,
  topListeners,
  topTalkers,
  type Countries,
  type DeniedDimension,
  type DeniedRow,
  type DeniedSeriesRow,
  type FlowSummary,
  type Heatmap,
  type Sankey,
  type SeriesRow,
  type TalkerRow,
  type TimeSeries,
} from './flows.js';
import { servicePorts, type ServicePortRow } from './ports.js';
import type { BucketUnit } from './time-buckets.js';

export const AGGREGATE_NAMES = [
  'summary',
  'top-talkers',
  'top-listeners',
  'service-ports',
  'denied-by-nsg-rule',
  'denied-by-source',
  'denied-by-port',
  'denied-over-time',
  'time-series',
  'heatmap-day-hour',
  'heatmap-nsg-hour',
  'sankey',
  'countries',
  'anomalies',
] as const;
export type AggregateName = (typeof AGGREGATE_NAMES)[number];

export function isAggregateName(name: string): name is AggregateName {
  return (AGGREGATE_NAMES as readonly string[]).includes(name);
}

export interface AggregateOptions {
  /** Rows of every top-N aggregate before its `other` row (the library's defaults when absent). */
  top?: number;
  /** Bucket of the time series (automatic when absent). */
  bucket?: BucketUnit;
  /** Detectors, thresholds and baseline of the anomalies (the library's defaults when absent). */
  anomalies?: DetectOptions;
}

export type SummaryWithAnomalies = FlowSummary & { anomalies: { count: number; timestamps: number[] } };

/** Everything `analyze --format json` prints. */
export interface Analysis {
  filter: Filter;
  summary: SummaryWithAnomalies;
  topTalkers: TalkerRow[];
  topListeners: TalkerRow[];
  servicePorts: ServicePortRow[];
  denied: { byNsgRule: DeniedRow[]; bySource: DeniedRow[]; byPort: DeniedRow[]; overTime: TimeSeries<DeniedSeriesRow> };
  timeSeries: TimeSeries<SeriesRow>;
  heatmaps: { dayHour: Heatmap & { days: number[] }; nsgHour: Heatmap };
  sankey: Sankey;
  countries: Countries;
  anomalies: Anomaly[];
}

/** The summary with the anomalies' count and start times (ascending) attached. */
export function withAnomalies(s: FlowSummary, anomalies: readonly Anomaly[]): SummaryWithAnomalies {
  return { ...s, anomalies: anomalyTimeline(anomalies) };
}

/** Every aggregate, one query after another (a FlowStore has one DuckDB connection). */
export async function computeAnalysis(store: FlowStore, filter: Filter, options: AggregateOptions = {}): Promise<Analysis> {
  const { top, bucket } = options;
  const anomalies = await detectAnomalies(store, filter, options.anomalies);
  return {
    filter,
    summary: withAnomalies(await summary(store, filter), anomalies),
    topTalkers: await topTalkers(store, filter, { limit: top }),
    topListeners: await topListeners(store, filter, { limit: top }),
    servicePorts: await servicePorts(store, filter, { limit: top }),
    denied: {
      byNsgRule: await deniedBy(store, filter, 'nsg_rule', top),
      bySource: await deniedBy(store, filter, 'source', top),
      byPort: await deniedBy(store, filter, 'dst_port', top),
      overTime: await deniedOverTime(store, filter, { bucket }),
    },
    timeSeries: await timeSeries(store, filter, { bucket }),
    heatmaps: { dayHour: await heatmapDayHour(store, filter), nsgHour: await heatmapNsgHour(store, filter, top) },
    sankey: await sankeyPairs(store, filter, { limit: top }),
    countries: await countries(store, filter),
    anomalies,
  };
}

/** One aggregate's library result (for JSON) and its CSV table. */
export async function computeAggregate(
  store: FlowStore,
  filter: Filter,
  name: AggregateName,
  options: AggregateOptions = {},
): Promise<{ value: unknown; table: CsvTable }> {
  const { top, bucket } = options;
  const denied = async (dimension: DeniedDimension) => {
    const rows = await deniedBy(store, filter, dimension, top);
    return { value: rows, table: deniedCsv(rows, dimension) };
  };
  switch (name) {
    case 'summary': {
      const value = withAnomalies(await summary(store, filter), await detectAnomalies(store, filter, options.anomalies));
      return { value, table: summaryCsv(value) };
    }
    case 'top-talkers': {
      const value = await topTalkers(store, filter, { limit: top });
      return { value, table: talkersCsv(value) };
    }
    case 'top-listeners': {
      const value = await topListeners(store, filter, { limit: top });
      return { value, table: talkersCsv(value) };
    }
    case 'service-ports': {
      const value = await servicePorts(store, filter, { limit: top });
      return { value, table: servicePortsCsv(value) };
    }
    case 'denied-by-nsg-rule':
      return denied('nsg_rule');
    case 'denied-by-source':
      return denied('source');
    case 'denied-by-port':
      return denied('dst_port');
    case 'denied-over-time': {
      const value = await deniedOverTime(store, filter, { bucket });
      return { value, table: deniedSeriesCsv(value) };
    }
    case 'time-series': {
      const value = await timeSeries(store, filter, { bucket });
      return { value, table: seriesCsv(value) };
    }
    case 'heatmap-day-hour': {
      const value = await heatmapDayHour(store, filter);
      return { value, table: heatmapCsv(value, 'day') };
    }
    case 'heatmap-nsg-hour': {
      const value = await heatmapNsgHour(store, filter, top);
      return { value, table: heatmapCsv(value, 'nsg') };
    }
    case 'sankey': {
      const value = await sankeyPairs(store, filter, { limit: top });
      return { value, table: sankeyCsv(value) };
    }
    case 'countries': {
      const value = await countries(store, filter);
      return { value, table: countriesCsv(value) };
    }
    case 'anomalies': {
      const value = await detectAnomalies(store, filter, options.anomalies);
      return { value, table: anomaliesCsv(value) };
    }
  }
}

/** The analysis as CSV sections, in AGGREGATE_NAMES order. */
export function analysisTables(a: Analysis): { name: AggregateName; table: CsvTable }[] {
  const tables: Record<AggregateName, CsvTable> = {
    summary: summaryCsv(a.summary),
    'top-talkers': talkersCsv(a.topTalkers),
    'top-listeners': talkersCsv(a.topListeners),
    'service-ports': servicePortsCsv(a.servicePorts),
    'denied-by-nsg-rule': deniedCsv(a.denied.byNsgRule, 'nsg_rule'),
    'denied-by-source': deniedCsv(a.denied.bySource, 'source'),
    'denied-by-port': deniedCsv(a.denied.byPort, 'dst_port'),
    'denied-over-time': deniedSeriesCsv(a.denied.overTime),
    'time-series': seriesCsv(a.timeSeries),
    'heatmap-day-hour': heatmapCsv(a.heatmaps.dayHour, 'day'),
    'heatmap-nsg-hour': heatmapCsv(a.heatmaps.nsgHour, 'nsg'),
    sankey: sankeyCsv(a.sankey),
    countries: countriesCsv(a.countries),
    anomalies: anomaliesCsv(a.anomalies),
  };
  return AGGREGATE_NAMES.map((name) => ({ name, table: tables[name] }));
}

// ---- CSV tables ------------------------------------------------------------------------------------------

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function summaryCsv(s: SummaryWithAnomalies): CsvTable {
  return {
    columns: ['flows', 'bytes', 'packets', 'denied', 'denialRate', 'distinctSources', 'distinctDestinations', 'start', 'end', 'anomalies', 'anomalyTimestamps'],
    rows: [
      [
        s.flows, s.bytes, s.packets, s.denied, s.denialRate, s.distinctSources, s.distinctDestinations, isoTime(s.start), isoTime(s.end),
        s.anomalies.count, s.anomalies.timestamps.map((t) => isoTime(t)).join(' '),
      ],
    ],
  };
}

export function talkersCsv(rows: readonly TalkerRow[]): CsvTable {
  return { columns: ['ip', 'flows', 'bytes', 'packets', 'denied'], rows: rows.map((r) => [r.ip, r.flows, r.bytes, r.packets, r.denied]) };
}

export function servicePortsCsv(rows: readonly ServicePortRow[]): CsvTable {
  return {
    columns: ['kind', 'protocol', 'port', 'service', 'label', 'flows', 'bytes', 'packets', 'denied', 'distinctSources'],
    rows: rows.map((r) => [r.kind, r.protocol, r.port, r.service, r.label, r.flows, r.bytes, r.packets, r.denied, r.distinctSources]),
  };
}

const DENIED_KEY_COLUMNS: Record<DeniedDimension, ('nsg_name' | 'rule_name' | 'src_ip' | 'dst_port')[]> = {
  nsg_rule: ['nsg_name', 'rule_name'],
  source: ['src_ip'],
  dst_port: ['dst_port'],
};

export function deniedCsv(rows: readonly DeniedRow[], dimension: DeniedDimension): CsvTable {
  const keys = DENIED_KEY_COLUMNS[dimension];
  return {
    columns: ['label', ...keys, 'other', 'flows', 'bytes', 'packets'],
    rows: rows.map((r) => [r.label, ...keys.map((k) => r[k] ?? null), r.other, r.flows, r.bytes, r.packets]),
  };
}

export function seriesCsv(s: TimeSeries<SeriesRow>): CsvTable {
  return { columns: ['time', 'flows', 'bytes', 'denied', 'allowed'], rows: s.rows.map((r) => [isoTime(r.time), r.flows, r.bytes, r.denied, r.allowed]) };
}

export function deniedSeriesCsv(s: TimeSeries<DeniedSeriesRow>): CsvTable {
  return { columns: ['time', 'flows', 'bytes'], rows: s.rows.map((r) => [isoTime(r.time), r.flows, r.bytes]) };
}

/** Long form, one row per cell: `<row label>, hour, flows`. */
export function heatmapCsv(h: Heatmap, rowHeader: string): CsvTable {
  return { columns: [rowHeader, 'hour', 'flows'], rows: h.rows.flatMap((label, i) => h.hours.map((hour, j) => [label, hour, h.z[i][j]])) };
}

export function sankeyCsv(s: Sankey): CsvTable {
  const viaPort = s.rows.some((r) => r.dst_port !== undefined);
  return {
    columns: viaPort ? ['src_ip', 'dst_port', 'dst_ip', 'other', 'flows', 'bytes'] : ['src_ip', 'dst_ip', 'other', 'flows', 'bytes'],
    rows: s.rows.map((r) => (viaPort ? [r.src_ip, r.dst_port ?? null, r.dst_ip, r.other, r.flows, r.bytes] : [r.src_ip, r.dst_ip, r.other, r.flows, r.bytes])),
  };
}

/** Sources (`side` src), destinations (dst) and pairs (pair) in one table. */
export function countriesCsv(c: Countries): CsvTable {
  return {
    columns: ['side', 'src', 'dst', 'label', 'flows', 'bytes'],
    rows: [
      ...c.sources.map((r) => ['src', r.country, null, r.label, r.flows, r.bytes]),
      ...c.destinations.map((r) => ['dst', null, r.country, r.label, r.flows, r.bytes]),
      ...c.pairs.map((r) => ['pair', r.src, r.dst, null, r.flows, r.bytes]),
    ],
  };
}

/** Entity lists space-separated; evidence and the drill-down filter as JSON text. */
export function anomaliesCsv(anomalies: readonly Anomaly[]): CsvTable {
  return {
    columns: ['id', 'type', 'severity', 'score', 'start', 'end', 'flows', 'srcIps', 'dstIps', 'ports', 'countries', 'summary', 'evidence', 'filter'],
    rows: anomalies.map((a) => [
      a.id, a.type, a.severity, a.score, isoTime(a.start), isoTime(a.end), a.flows,
      a.entities.srcIps.join(' '), a.entities.dstIps.join(' '), a.entities.ports.join(' '), a.entities.countries.join(' '),
      a.summary, JSON.stringify(a.evidence), JSON.stringify(a.filter),
    ]),
  };
}
