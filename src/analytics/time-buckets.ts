/**
 * Time buckets for series: which bucket a window gets, and the bucket starts that cover it.
 *
 * The automatic rule, on the window's length (end − start, end exclusive):
 * - up to and including 6 hours → `minute`;
 * - up to and including 14 days → `hour`;
 * - longer → `day`.
 * Buckets are aligned to UTC (epoch multiples of the step). A window that would need more than
 * MAX_BUCKETS buckets of the chosen (or requested) unit gets a wider step: the smallest whole multiple of
 * the unit that fits (e.g. 15 days of `minute` → 11-minute buckets); `stepMs` always says the real width.
 */
import { NetworkflowError } from '../model/errors.js';

export type BucketUnit = 'minute' | 'hour' | 'day';

export const BUCKET_MS: Readonly<Record<BucketUnit, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Windows up to these lengths (inclusive) get `minute`, then `hour`; longer ones `day`. */
export const AUTO_BUCKET_LIMITS = { minute: 6 * 3_600_000, hour: 14 * 86_400_000 } as const;
/** The most buckets a series may have; wider steps are used beyond it. */
export const MAX_BUCKETS = 2_000;

/** A window [start, end) in epoch ms. */
export interface BucketWindow {
  start: number;
  end: number;
}

export interface BucketPlan {
  unit: BucketUnit;
  /** The bucket width in ms: the unit's, or a whole multiple of it when MAX_BUCKETS would be exceeded. */
  stepMs: number;
  /** Start of the first bucket (≤ window start) and of the last (< window end). */
  first: number;
  last: number;
  /** Number of buckets from first to last inclusive (≤ MAX_BUCKETS). */
  count: number;
}

/** The automatic unit for a window length in ms. */
export function autoBucketUnit(lengthMs: number): BucketUnit {
  if (lengthMs <= AUTO_BUCKET_LIMITS.minute) return 'minute';
  if (lengthMs <= AUTO_BUCKET_LIMITS.hour) return 'hour';
  return 'day';
}

/** The buckets that cover `window` with `unit` (automatic when absent), widened to at most MAX_BUCKETS. */
export function planBuckets(window: BucketWindow, unit?: BucketUnit): BucketPlan {
  if (unit !== undefined && !(unit in BUCKET_MS)) {
    throw new NetworkflowError('bad-option', `bucket ${JSON.stringify(unit)} is not one of minute, hour, day`, 'leave it out for an automatic bucket');
  }
  if (!(window.end > window.start)) {
    throw new NetworkflowError('bad-option', `time window [${window.start}, ${window.end}) is empty`, 'pass until later than since');
  }
  const chosen = unit ?? autoBucketUnit(window.end - window.start);
  const base = BUCKET_MS[chosen];
  let stepMs = base;
  const countFor = (step: number) => Math.floor((window.end - 1) / step) - Math.floor(window.start / step) + 1;
  if (countFor(stepMs) > MAX_BUCKETS) {
    let multiple = Math.ceil((window.end - window.start) / base / MAX_BUCKETS);
    // alignment can add one bucket at either end: widen until it fits
    while (countFor(base * multiple) > MAX_BUCKETS) multiple++;
    stepMs = base * multiple;
  }
  const first = Math.floor(window.start / stepMs) * stepMs;
  const last = Math.floor((window.end - 1) / stepMs) * stepMs;
  return { unit: chosen, stepMs, first, last, count: (last - first) / stepMs + 1 };
}

/** Every bucket start of a plan, in order. */
export function bucketStarts(plan: BucketPlan): number[] {
  return Array.from({ length: plan.count }, (_, i) => plan.first + i * plan.stepMs);
}
