/**
 * One fetch round: every aggregate the panels show, fetched in parallel under one AbortSignal for one state.
 * Each panel's result is settled separately, so one failing aggregate shows its error while the others render.
 */
import type { Anomaly, Countries, DeniedRow, Heatmap, Sankey, SeriesRow, TalkerRow, TimeSeries } from '../index.js';
import { aggregateUrl, fetchJson } from './api-client.js';
import type { SummaryWithAnomalies } from './summary-view.js';
import type { FilterState } from './url-state.js';

export interface RoundData {
  summary: SummaryWithAnomalies;
  talkers: TalkerRow[];
  listeners: TalkerRow[];
  deniedNsg: DeniedRow[];
  deniedPort: DeniedRow[];
  series: TimeSeries<SeriesRow>;
  heatmap: Heatmap & { days: number[] };
  countries: Countries;
  sankey: Sankey;
  anomalies: Anomaly[];
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
export type RoundResult = { [K in keyof RoundData]: Settled<RoundData[K]> };

/** Rows fetched for the talkers/listeners table (its bars show the first 10 of them). */
export const TABLE_TOP = 100;

export function roundUrls(state: FilterState): Record<keyof RoundData, string> {
  return {
    summary: aggregateUrl('summary', state),
    talkers: aggregateUrl('top-talkers', state, { top: String(TABLE_TOP) }),
    listeners: aggregateUrl('top-listeners', state, { top: String(TABLE_TOP) }),
    deniedNsg: aggregateUrl('denied-by-nsg-rule', state, { top: '10' }),
    deniedPort: aggregateUrl('denied-by-port', state, { top: '8' }),
    series: aggregateUrl('time-series', state, { bucket: 'hour' }),
    heatmap: aggregateUrl('heatmap-day-hour', state),
    countries: aggregateUrl('countries', state),
    sankey: aggregateUrl('sankey', state, { top: '15' }),
    anomalies: aggregateUrl('anomalies', state),
  };
}

export async function fetchRound(state: FilterState, signal: AbortSignal, fetcher: typeof fetch = fetch): Promise<RoundResult> {
  const urls = roundUrls(state);
  const keys = Object.keys(urls) as (keyof RoundData)[];
  const settled = await Promise.allSettled(keys.map((k) => fetchJson<unknown>(urls[k], signal, fetcher)));
  const result = {} as Record<keyof RoundData, Settled<unknown>>;
  keys.forEach((k, i) => {
    const s = settled[i];
    result[k] = s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason };
  });
  return result as RoundResult;
}
