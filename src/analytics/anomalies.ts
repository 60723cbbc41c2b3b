/**
 * Anomaly detection over a FlowStore and a Filter: traffic and denied-flow spikes (anomaly-spikes.ts),
 * vertical and horizontal scans and lateral movement (anomaly-fanout.ts), persistent connections
 * (anomaly-persistence.ts), rare destination countries and new external talkers (anomaly-novelty.ts).
 * Thresholds and their defaults: anomaly-context.ts (AnomalyThresholds), documented in the README.
 *
 * Every detector reads the raw rows (the per-file rollups hold no per-pair or per-port-and-host counts);
 * each is one aggregate query over the analysed window plus small follow-ups for what it found.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';
import {
  resolveBaseline,
  resolveThresholds,
  toAnomaly,
  type AnomalyDraft,
  type AnomalyThresholds,
  type DetectContext,
  type TimeSpan,
} from './anomaly-context.js';
import { detectFanout } from './anomaly-fanout.js';
import { detectNewTalkers, detectRareCountries } from './anomaly-novelty.js';
import { detectPersistence } from './anomaly-persistence.js';
import { detectSpikes } from './anomaly-spikes.js';
import { ANOMALY_KINDS, SEVERITIES, type Anomaly, type AnomalyKind } from './anomaly-types.js';



export interface DetectOptions {
  /** Detectors to run (default: all of ANOMALY_KINDS). */
  types?: AnomalyKind[];
  /** Overrides of the defaults (DEFAULT_THRESHOLDS). */
  thresholds?: Partial<AnomalyThresholds>;
  /**
   * What the novelty detectors compare against (epoch ms, until exclusive). Default: up to `baselineDays`
   * of the lake's data before the analysed window, or the window's first `baselineFraction` when there is
   * too little earlier data.
   */
  baseline?: TimeSpan;
}

/** Anomalies in the flows the filter selects, strongest first (score, then time). */
export async function detectAnomalies(store: FlowStore, filter: Filter = {}, options: DetectOptions = {}): Promise<Anomaly[]> {
  const types = new Set(options.types ?? ANOMALY_KINDS);
  for (const type of types) {
    if (!(ANOMALY_KINDS as readonly string[]).includes(type)) {
      throw new NetworkflowError('bad-option', `anomaly type '${String(type)}' does not exist`, `known types: ${ANOMALY_KINDS.join(', ')}`);
    }
  }
  const t = resolveThresholds(options.thresholds);
  const range = await store.timeRange(filter);
  if (!range) return [];
  const window = { since: range.min, until: range.max + 1 };
  const { baseline, detection } = await resolveBaseline(store, filter, window, t, options.baseline);
  const ctx: DetectContext = { store, filter, t, window, baseline, detection };

  const drafts: AnomalyDraft[] = [];
  if (types.has('traffic-spike') || types.has('denied-spike')) {
    drafts.push(...(await detectSpikes(ctx, { traffic: types.has('traffic-spike'), denied: types.has('denied-spike') })));
  }
  const fanout = (['vertical-scan', 'horizontal-scan', 'lateral-movement'] as const).filter((k) => types.has(k));
  if (fanout.length > 0) drafts.push(...(await detectFanout(ctx, fanout)));
  if (types.has('persistent-connection')) drafts.push(...(await detectPersistence(ctx)));
  if (types.has('rare-country')) drafts.push(...(await detectRareCountries(ctx)));
  if (types.has('new-external-talker')) drafts.push(...(await detectNewTalkers(ctx)));

  const anomalies = withoutExplainedSpikes(drafts)
    .map((d) => toAnomaly(ctx, d))
    .sort((a, b) => b.score - a.score || a.start - b.start || a.id.localeCompare(b.id))
    .slice(0, t.maxAnomalies);
  for (const a of anomalies) a.flows = await store.count(a.filter);
  return anomalies;
}

/**
 * A denied-flow spike that is mostly (≥ half its excess) the work of sources reported as scanning at the same
 * time is the scan seen as a volume: one record (the scan, which names what was probed) is enough.
 */
function withoutExplainedSpikes(drafts: AnomalyDraft[]): AnomalyDraft[] {
  const scans = drafts.filter((d) => d.type === 'vertical-scan' || d.type === 'horizontal-scan');
  return drafts.filter((d) => {
    if (d.type !== 'denied-spike') return true;
    const sources = d.evidence.topSources as string[];
    const shares = d.evidence.topSourceShares as number[];
    let explained = 0;
    sources.forEach((ip, i) => {
      if (scans.some((s) => s.start < d.end && s.end > d.start && (s.entities.srcIps ?? []).includes(ip))) explained += shares[i];
    });
    return explained < 0.5;
  });
}

/** The summary's anomaly line: how many, and when each began (sorted). */
export function anomalyTimeline(anomalies: readonly Anomaly[]): { count: number; timestamps: number[] } {
  return { count: anomalies.length, timestamps: anomalies.map((a) => a.start).sort((a, b) => a - b) };
}

/** Counts per type and per severity, every key present. */
export function anomalyCounts(anomalies: readonly Anomaly[]): { byType: Record<AnomalyKind, number>; bySeverity: Record<(typeof SEVERITIES)[number], number> } {
  const byType = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, 0])) as Record<AnomalyKind, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<(typeof SEVERITIES)[number], number>;
  for (const a of anomalies) {
    byType[a.type]++;
    bySeverity[a.severity]++;
  }
  return { byType, bySeverity };
}
