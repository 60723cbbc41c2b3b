/**
 * Robust, hour-of-day aware expectations for a regular time series, and the runs of buckets that exceed them.
 * Pure functions over arrays (no I/O), used by the spike detectors.
 *
 * The expectation of a bucket is the median of its reference buckets and its spread the scaled MAD
 * (1.4826 × median absolute deviation, which equals the standard deviation for normal data and ignores
 * outliers, such as the spike itself):
 * - seasonal: the buckets at the same time of day on other days, when at least `seasonalMinDays` of them
 *   exist — this is what makes a 3 a.m. burst stand out even when it is smaller than the afternoon peak;
 * - local otherwise (short windows): the buckets within ± `localWindowMs`, itself excluded. Over a few hours
 *   the daily curve is close to flat, and the median ignores a spike shorter than the half-window.
 */

export const DAY_MS = 86_400_000;
/** MAD × this = standard deviation for normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

export interface BaselineOptions {
  /** Bucket width, ms. */
  bucketMs: number;
  /** Other days at the same time of day needed for the seasonal reference (default 3). */
  seasonalMinDays?: number;
  /** Half-width of the local reference window, ms (default 3 hours). */
  localWindowMs?: number;
}

export interface Expectation {
  expected: number;
  /** Scaled MAD of the references (0 when they are all equal). */
  spread: number;
  method: 'seasonal' | 'local';
  references: number;
}

/**
 * The expectation of every bucket of a regular series: `values[i]` is the bucket starting at
 * `start + i × bucketMs` (missing buckets must be present as 0).
 */
export function expectations(values: readonly number[], options: BaselineOptions): Expectation[] {
  const { bucketMs } = options;
  const minDays = options.seasonalMinDays ?? 3;
  const half = Math.max(1, Math.round((options.localWindowMs ?? 3 * 3_600_000) / bucketMs));
  const perDay = DAY_MS % bucketMs === 0 ? DAY_MS / bucketMs : 0;
  return values.map((_, i) => {
    const refs: number[] = [];
    if (perDay > 0) {
      for (let j = i % perDay; j < values.length; j += perDay) if (j !== i) refs.push(values[j]);
    }
    let method: Expectation['method'] = 'seasonal';
    if (refs.length < minDays) {
      method = 'local';
      refs.length = 0;
      for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) if (j !== i) refs.push(values[j]);
    }
    if (refs.length === 0) return { expected: values[i], spread: 0, method, references: 0 };
    const expected = median(refs);
    return { expected, spread: MAD_TO_SIGMA * mad(refs, expected), method, references: refs.length };
  });
}

export interface SpikeTest {
  /** Standard scores at or over this are anomalous (default 6). */
  minZ: number;
  /** …and the value must be at least this multiple of the expectation (default 3). */
  minRatio: number;
  /** …and exceed it by at least this much (absolute; e.g. flows). */
  minExcess: number;
  /** Counts: the spread is at least √expected (Poisson noise), so a quiet series' MAD of 0 cannot make noise significant. */
  poissonFloor: boolean;
}

export interface BucketScore {
  z: number;
  ratio: number;
  excess: number;
  anomalous: boolean;
}

export function scoreBucket(value: number, e: Expectation, test: SpikeTest): BucketScore {
  const excess = value - e.expected;
  let sigma = e.spread;
  if (test.poissonFloor) sigma = Math.max(sigma, Math.sqrt(Math.max(e.expected, 1)));
  // a floor for continuous measures: 1% of the level, so a constant series does not make every wobble infinite
  sigma = Math.max(sigma, 0.01 * Math.abs(e.expected), 1e-9);
  const z = excess / sigma;
  const ratio = e.expected > 0 ? value / e.expected : value > 0 ? Infinity : 0;
  return { z, ratio, excess, anomalous: z >= test.minZ && ratio >= test.minRatio && excess >= test.minExcess };
}

export interface Run {
  /** Index of the first and last anomalous bucket. */
  first: number;
  last: number;
  /** Anomalous buckets in the run (gaps of non-anomalous buckets may sit between them). */
  anomalous: number;
}

/** Runs of anomalous buckets, joining runs separated by at most `maxGap` normal buckets, with ≥ `minBuckets` anomalous ones. */
export function anomalousRuns(flags: readonly boolean[], minBuckets: number, maxGap = 1): Run[] {
  const runs: Run[] = [];
  let current: Run | null = null;
  flags.forEach((flag, i) => {
    if (!flag) return;
    if (current && i - current.last - 1 <= maxGap) {
      current.last = i;
      current.anomalous++;
    } else {
      if (current) runs.push(current);
      current = { first: i, last: i, anomalous: 1 };
    }
  });
  if (current) runs.push(current);
  return runs.filter((r) => r.anomalous >= minBuckets);
}
