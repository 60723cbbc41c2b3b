/**
 * What the HTTP API answers for anomalies under a filter, computed apart from src/api: the lake's anomalies
 * (detected without a filter, records unchanged) that have flows in the view — here found by intersecting
 * each anomaly's own filter with the view's and counting with FlowStore.count.
 */
import {
  anomaliesCsv,
  anomalyTimeline,
  computeAggregate,
  summaryCsv,
  type AggregateName,
  type AggregateOptions,
  type Anomaly,
  type CsvTable,
  type Filter,
  type FlowStore,
} from '../../src/index.js';

const LISTS = ['subscription', 'resourceGroup', 'nsg', 'rule', 'protocol', 'direction', 'decision', 'port'] as const;

/** The filter selecting the flows both select, or null when none can match; throws where Filter cannot say it. */
export function intersectFilters(a: Filter, b: Filter): Filter | null {
  const out: Filter = { ...a, ...b };
  for (const field of LISTS) {
    const x = a[field] as unknown[] | undefined;
    const y = b[field] as unknown[] | undefined;
    if (x && y) {
      const both = x.filter((v) => y.includes(v));
      if (both.length === 0) return null;
      (out as Record<string, unknown>)[field] = both;
    }
  }
  if (a.port && b.port && (a.portSide ?? 'dst') !== (b.portSide ?? 'dst')) throw new Error('ports on different sides');
  if (a.ip && b.ip) throw new Error('two address lists');
  if (a.country && b.country) throw new Error('two country lists (either-end semantics)');
  if (a.ip) [out.ip, out.ipSide] = [a.ip, a.ipSide];
  // the port list is the intersection above; its side is the one both agree on
  if (a.port || b.port) out.portSide = b.port ? b.portSide : a.portSide;
  const since = Math.max(a.since ?? -Infinity, b.since ?? -Infinity);
  const until = Math.min(a.until ?? Infinity, b.until ?? Infinity);
  if (since >= until) return null;
  if (Number.isFinite(since)) out.since = since;
  if (Number.isFinite(until)) out.until = until;
  for (const key of Object.keys(out) as (keyof Filter)[]) if (out[key] === undefined) delete out[key];
  return out;
}

export async function anomaliesInView(store: FlowStore, view: Filter): Promise<Anomaly[]> {
  const all = (await computeAggregate(store, {}, 'anomalies')).value as Anomaly[];
  if (Object.keys(view).length === 0) return all;
  const out: Anomaly[] = [];
  for (const a of all) {
    const both = intersectFilters(a.filter, view);
    const n = both === null ? 0 : await store.count(both);
    if (n > 0) out.push(a);
  }
  return out;
}

/** computeAggregate, except anomalies and the summary's anomaly line, which follow the API's view semantics. */
export async function expectedAggregate(
  store: FlowStore, filter: Filter, name: AggregateName, options: AggregateOptions = {},
): Promise<{ value: unknown; table: CsvTable }> {
  const lib = await computeAggregate(store, filter, name, options);
  if (name === 'anomalies') {
    const value = await anomaliesInView(store, filter);
    return { value, table: anomaliesCsv(value) };
  }
  if (name === 'summary') {
    const value = { ...(lib.value as object), anomalies: anomalyTimeline(await anomaliesInView(store, filter)) } as Parameters<typeof summaryCsv>[0];
    return { value, table: summaryCsv(value) };
  }
  return lib;
}
