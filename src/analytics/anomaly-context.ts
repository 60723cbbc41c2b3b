/**
 * What every anomaly detector shares: the thresholds (with their documented defaults), the analysis and
 * baseline windows, the SQL for "internal address" and "response-like flow", and the construction of an
 * Anomaly record (id, severity, drill-down filter).
 */
import { createHash } from 'node:crypto';
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';
import { SEVERITIES, type Anomaly, type AnomalyEntities, type AnomalyKind, type EvidenceValue, type Severity } from './anomaly-types.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Every threshold of every detector. README "Anomaly detection" documents each default and its reason. */
export interface AnomalyThresholds {
  // volume and denied spikes
  /** Bucket width of the spike series, minutes (divides a day; default 5). */
  spikeBucketMinutes: number;
  /** Standard score (robust: median/MAD) a bucket must reach (default 6). */
  spikeMinZ: number;
  /** Value ÷ expectation a bucket must reach, flows and denied flows (default 2). */
  spikeMinRatio: number;
  /** The same for bytes, whose heavy tail makes single large transfers common (default 4). */
  spikeMinRatioBytes: number;
  /** Flows (or denied flows) over the expectation a bucket must add (default 50). */
  spikeMinExcessFlows: number;
  /** Anomalous buckets a flows or denied spike needs (default 2: one bucket is one burst of noise). */
  spikeMinBuckets: number;
  /**
   * Anomalous buckets a bytes spike needs (default 3): flow sizes are heavy-tailed, so two large transfers in
   * neighbouring buckets happen by chance on quiet hours; sustained volume is what a spike means.
   */
  spikeMinBucketsBytes: number;
  /** Days at the same time of day needed for the seasonal reference (default 3; else ± the local window). */
  seasonalMinDays: number;
  /** Half-width of the local reference window, hours (default 3). */
  localWindowHours: number;

  // fan-out: scans and lateral movement
  /** Window of the fan-out counts, minutes (default 60). */
  fanoutWindowMinutes: number;
  /** Vertical scan: distinct destination ports from one source to one host in a window (default 50). */
  verticalMinPorts: number;
  /** Horizontal scan: distinct hosts one source probes on one port in a window (default 20). */
  horizontalMinHosts: number;
  /** A probe: denied, or at most this many packets (default 3). */
  probeMaxPackets: number;
  /** Lateral movement: distinct internal hosts an internal host reaches on admin ports in a window (default 10). */
  lateralMinHosts: number;
  lateralPorts: number[];
  /** A source at half a fan-out threshold or more in this share of the range's windows (and ≥ habitualMinWindows) fans out by habit (jump hosts, resolvers, monitoring). */
  habitualFraction: number;
  habitualMinWindows: number;
  /** …and is reported anyway when a window exceeds this multiple of its usual (median) fan-out (default 3). */
  habitualMultiplier: number;

  // persistence
  /** Interval of the persistence count, minutes (default 10). */
  persistentIntervalMinutes: number;
  /** Consecutive intervals (gaps of one allowed) the same 5-tuple must appear in (default 6: an hour). */
  persistentMinIntervals: number;
  /** Or one record this long, minutes, where the format has start and end (default 60). */
  persistentMinDurationMinutes: number;

  // novelty against the baseline period
  /** Share of the window used as baseline when the lake has no earlier data (default 0.25). */
  baselineFraction: number;
  /** Earlier data looked at for the baseline, days (default 7), used when it holds ≥ baselineMinHours. */
  baselineDays: number;
  baselineMinHours: number;
  /** Rare country: flows to it ≥ this (default 10)… */
  rareCountryMinFlows: number;
  /** …and ≥ this multiple of what its baseline share predicts (smoothed by half a flow; default 5). */
  rareCountryMinRatio: number;
  /** New external talker: allowed flows ≥ this (default 50) or allowed bytes ≥ newTalkerMinBytes (default 100 MB). */
  newTalkerMinFlows: number;
  newTalkerMinBytes: number;

  /** Most anomalies returned, strongest first (default 500). */
  maxAnomalies: number;
}

export const DEFAULT_THRESHOLDS: Readonly<AnomalyThresholds> = Object.freeze({
  spikeBucketMinutes: 5,
  spikeMinZ: 6,
  spikeMinRatio: 2,
  spikeMinRatioBytes: 4,
  spikeMinExcessFlows: 50,
  spikeMinBuckets: 2,
  spikeMinBucketsBytes: 3,
  seasonalMinDays: 3,
  localWindowHours: 3,
  fanoutWindowMinutes: 60,
  verticalMinPorts: 50,
  horizontalMinHosts: 20,
  probeMaxPackets: 3,
  lateralMinHosts: 10,
  lateralPorts: [22, 3389, 445, 5985, 5986],
  habitualFraction: 0.25,
  habitualMinWindows: 3,
  habitualMultiplier: 3,
  persistentIntervalMinutes: 10,
  persistentMinIntervals: 6,
  persistentMinDurationMinutes: 60,
  baselineFraction: 0.25,
  baselineDays: 7,
  baselineMinHours: 6,
  rareCountryMinFlows: 10,
  rareCountryMinRatio: 5,
  newTalkerMinFlows: 50,
  newTalkerMinBytes: 100_000_000,
  maxAnomalies: 500,
});

/** Checks user thresholds (unknown names, non-positive or non-finite values) and merges them over the defaults. */
export function resolveThresholds(overrides: Partial<AnomalyThresholds> = {}): AnomalyThresholds {
  const t: AnomalyThresholds = { ...DEFAULT_THRESHOLDS, lateralPorts: [...DEFAULT_THRESHOLDS.lateralPorts] };
  for (const [key, value] of Object.entries(overrides) as [keyof AnomalyThresholds, unknown][]) {
    if (!(key in DEFAULT_THRESHOLDS)) {
      throw new NetworkflowError('bad-option', `anomaly threshold '${String(key)}' does not exist`, `known thresholds: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}`);
    }
    if (value === undefined) continue;
    if (key === 'lateralPorts') {
      if (!Array.isArray(value) || value.length === 0 || !value.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535)) {
        throw new NetworkflowError('bad-option', `anomaly threshold lateralPorts: ${JSON.stringify(value)} is not a list of ports`, 'pass ports 0-65535, e.g. [22, 3389]');
      }
      t.lateralPorts = [...(value as number[])];
      continue;
    }
    const isFraction = key === 'baselineFraction' || key === 'habitualFraction';
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (isFraction && value >= 1)) {
      throw new NetworkflowError('bad-option', `anomaly threshold ${key}: ${JSON.stringify(value)} is not valid`, isFraction ? 'pass a fraction between 0 and 1' : 'pass a positive number');
    }
    (t as unknown as Record<string, number>)[key] = value;
  }
  if ((24 * 60) % t.spikeBucketMinutes !== 0) {
    throw new NetworkflowError('bad-option', `anomaly threshold spikeBucketMinutes: ${t.spikeBucketMinutes} does not divide a day`, 'use 1, 5, 10, 15, 30 or 60');
  }
  return t;
}

export interface TimeSpan {
  since: number;
  /** Exclusive. */
  until: number;
}

export interface DetectContext {
  store: FlowStore;
  /** The analysis filter as the caller gave it. */
  filter: Filter;
  t: AnomalyThresholds;
  /** The analysed flows' span: [first timestamp, last timestamp + 1). */
  window: TimeSpan;
  /** Novelty detectors: what counts as known (baseline) and what is examined (detection). */
  baseline: TimeSpan;
  detection: TimeSpan;
}

/** The filter narrowed to [since, until) within its own time bounds. */
export function within(filter: Filter, span: TimeSpan): Filter {
  return {
    ...filter,
    since: filter.since === undefined ? span.since : Math.max(filter.since, span.since),
    until: filter.until === undefined ? span.until : Math.min(filter.until, span.until),
  };
}

/**
 * The baseline of the novelty detectors: an explicit span; else up to `baselineDays` of data before the
 * window when that holds ≥ baselineMinHours; else the window's first `baselineFraction`.
 */
export async function resolveBaseline(
  store: FlowStore, filter: Filter, window: TimeSpan, t: AnomalyThresholds, explicit?: TimeSpan,
): Promise<{ baseline: TimeSpan; detection: TimeSpan }> {
  if (explicit) {
    if (!(explicit.since < explicit.until)) {
      throw new NetworkflowError('bad-option', `baseline since ${explicit.since} is not before until ${explicit.until}`, 'pass a baseline period with since < until');
    }
    return { baseline: explicit, detection: window };
  }
  const earlier = { since: window.since - t.baselineDays * 24 * HOUR, until: window.since };
  const priorFilter: Filter = { ...filter, since: earlier.since, until: earlier.until };
  const prior = await store.timeRange(priorFilter);
  if (prior && prior.max - prior.min >= t.baselineMinHours * HOUR) return { baseline: earlier, detection: window };
  const split = window.since + Math.max(MINUTE, Math.round(((window.until - window.since) * t.baselineFraction) / MINUTE) * MINUTE);
  return { baseline: { since: window.since, until: split }, detection: { since: split, until: window.until } };
}

// ---- SQL fragments (trusted: column names only) --------------------------------------------------------

/** IPv4 ranges of internal addresses: RFC 1918, shared CGNAT space, loopback, link-local. */
const PRIVATE_V4: ReadonlyArray<readonly [number, number]> = [
  [0x0a000000, 0x0affffff],
  [0xac100000, 0xac1fffff],
  [0xc0a80000, 0xc0a8ffff],
  [0x64400000, 0x647fffff],
  [0x7f000000, 0x7fffffff],
  [0xa9fe0000, 0xa9feffff],
];

/** SQL: true when the address of one end (`src` or `dst`) is internal (IPv4 ranges above; IPv6 ULA, link-local, loopback). */
export function isInternalSql(side: 'src' | 'dst'): string {
  const v4 = `"${side}_ipv4"`;
  const text = `lower(CAST("${side}_ip" AS VARCHAR))`;
  const ranges = PRIVATE_V4.map(([lo, hi]) => `${v4} BETWEEN ${lo} AND ${hi}`).join(' OR ');
  return `(CASE WHEN ${v4} IS NOT NULL THEN (${ranges}) ELSE (${text} LIKE 'fc%' OR ${text} LIKE 'fd%' OR ${text} LIKE 'fe80:%' OR ${text} = '::1') END)`;
}

/**
 * SQL: a flow that looks like the answer half of a connection (a service port talking to a client port):
 * logs that record each direction separately (AWS) show responses with the client's ephemeral port as the
 * destination, which must not count as ports "probed". Ephemeral ranges: Linux 32768-60999, Windows 49152+.
 */
export const RESPONSE_LIKE_SQL = `("dst_port" >= 32768 OR ("src_port" < 1024 AND "dst_port" >= 1024))`;

/** SQL: epoch milliseconds of the flow's start. */
export const EPOCH_MS_SQL = `epoch_ms("timestamp")`;

// ---- records ---------------------------------------------------------------------------------------------

const SEVERITY_FLOOR: Record<AnomalyKind, Severity> = {
  'traffic-spike': 'low',
  'denied-spike': 'low',
  'vertical-scan': 'medium',
  'horizontal-scan': 'medium',
  'persistent-connection': 'low',
  'lateral-movement': 'high',
  'rare-country': 'medium',
  'new-external-talker': 'low',
};

/** Severity from the score (how far past the threshold), never below the type's floor. */
export function severityOf(type: AnomalyKind, score: number, floor: Severity = SEVERITY_FLOOR[type]): Severity {
  const byScore: Severity = score >= 8 ? 'critical' : score >= 4 ? 'high' : score >= 2 ? 'medium' : 'low';
  return SEVERITIES.indexOf(byScore) >= SEVERITIES.indexOf(floor) ? byScore : floor;
}

export interface AnomalyDraft {
  type: AnomalyKind;
  start: number;
  end: number;
  entities: Partial<AnomalyEntities>;
  score: number;
  summary: string;
  evidence: Record<string, EvidenceValue>;
  /** Narrowing of the analysis filter to the flows behind it (since/until are set from start/end). */
  narrow: Filter;
  /** Raises the type's severity floor (e.g. an external end). */
  severityFloor?: Severity;
  /** Caps the severity (e.g. a connection between two internal hosts, often a pool). */
  severityCap?: Severity;
}

/** A draft → an Anomaly: sorted entities, id, severity, the drill-down filter; `flows` is filled by the caller. */
export function toAnomaly(ctx: DetectContext, d: AnomalyDraft): Anomaly {
  const entities: AnomalyEntities = {
    srcIps: [...new Set(d.entities.srcIps ?? [])].sort(),
    dstIps: [...new Set(d.entities.dstIps ?? [])].sort(),
    ports: [...new Set(d.entities.ports ?? [])].sort((a, b) => a - b),
    countries: [...new Set(d.entities.countries ?? [])].sort(),
  };
  const filter = narrowFilter(within(ctx.filter, { since: d.start, until: d.end }), d.narrow);
  const id = createHash('sha256')
    .update(JSON.stringify([d.type, d.start, d.end, entities.srcIps.slice(0, 5), entities.dstIps.slice(0, 5), entities.ports.slice(0, 5), entities.countries]))
    .digest('hex')
    .slice(0, 16);
  const score = Math.round(d.score * 100) / 100;
  let severity = d.severityFloor ? severityOf(d.type, score, maxSeverity(d.severityFloor, SEVERITY_FLOOR[d.type])) : severityOf(d.type, score);
  if (d.severityCap && SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(d.severityCap)) severity = d.severityCap;
  return { id, type: d.type, start: d.start, end: d.end, entities, score, severity, summary: d.summary, evidence: d.evidence, flows: 0, filter };
}

function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

/**
 * Adds the anomaly's own narrowing to the analysis filter. A field the analysis filter already constrains
 * is kept as the analysis has it (a Filter field is one condition; intersecting two address lists is not
 * expressible), so the drill-down shows the analysed flows of the window.
 */
function narrowFilter(base: Filter, narrow: Filter): Filter {
  const out: Filter = { ...base };
  if (narrow.ip && !base.ip) {
    out.ip = narrow.ip;
    if (narrow.ipSide) out.ipSide = narrow.ipSide;
  }
  if (narrow.port && !base.port) {
    out.port = narrow.port;
    if (narrow.portSide) out.portSide = narrow.portSide;
  }
  if (narrow.decision && !base.decision) out.decision = narrow.decision;
  if (narrow.country && !base.country) out.country = narrow.country;
  if (narrow.protocol && !base.protocol) out.protocol = narrow.protocol;
  return out;
}

/** Joins adjacent windows (index w, w+1, …) per key into spans. */
export function joinWindows<T extends { w: number }>(rows: readonly T[]): T[][] {
  const sorted = [...rows].sort((a, b) => a.w - b.w);
  const groups: T[][] = [];
  for (const row of sorted) {
    const last = groups.at(-1);
    if (last && row.w - (last.at(-1) as T).w <= 1) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

/**
 * The exclusive end of a span whose last flow starts at `lastMs`: the next whole second, so windows read
 * cleanly (10:14:55Z, not 10:14:54.001Z); flow times are whole seconds in every format but GCP's.
 */
export function endAfter(lastMs: number): number {
  return Math.floor(lastMs / 1000) * 1000 + 1000;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
