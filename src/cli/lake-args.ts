/** Flags `analyze` and `export` share: the data dir, --top, --bucket, and the filter flags as a usage error. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANOMALY_KINDS, DEFAULT_THRESHOLDS, MAX_TOP_LIMIT, resolveThresholds, type AnomalyKind, type AnomalyThresholds, type BucketUnit, type DetectOptions, type Filter } from '../index.js';
import { timeBound, usable } from './args.js';
import { filterFromArgs, type FilterValues } from './filter-args.js';
import { DATA_DIR_ENV } from './ingest.js';
import { UsageError } from './io.js';

/** An absolute local folder from the flag (a path or file:// URI); undefined when not given. */
export function localDir(flag: string, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  if (given.trim() === '') throw new UsageError(`${flag} needs a folder name (got an empty one)`);
  if (/^file:\/\//i.test(given)) {
    try {
      return fileURLToPath(given);
    } catch (err) {
      throw new UsageError(`${flag}: ${given} is not a valid file:// URI (${(err as Error).message})`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) throw new UsageError(`${flag} must be a local folder (got ${given})`);
  return path.resolve(given);
}

/** --data-dir, else $NETWORKFLOW_DATA_DIR (when set and not blank). */
export function dataDirArg(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (flag !== undefined) return localDir('--data-dir', flag);
  const fromEnv = env[DATA_DIR_ENV];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? localDir(DATA_DIR_ENV, fromEnv) : undefined;
}

export function topArg(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n < 1 || n > MAX_TOP_LIMIT) throw new UsageError(`--top needs a whole number from 1 to ${MAX_TOP_LIMIT} (got ${text})`);
  return n;
}

const BUCKETS: readonly BucketUnit[] = ['minute', 'hour', 'day'];

export function bucketArg(text: string | undefined): BucketUnit | undefined {
  if (text === undefined) return undefined;
  const unit = BUCKETS.find((b) => b === text.toLowerCase());
  if (unit === undefined) throw new UsageError(`--bucket must be one of ${BUCKETS.join(', ')} (got ${text})`);
  return unit;
}

export function choiceArg<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  const choice = choices.find((c) => c === text.toLowerCase());
  if (choice === undefined) throw new UsageError(`${flag} must be one of ${choices.join(', ')} (got ${text})`);
  return choice;
}

/** The filter flags as a Filter, their errors as usage errors. */
export function filterArg(values: FilterValues, now = Date.now()): Filter {
  return usable(() => filterFromArgs(values, { now }));
}

/** parseArgs options of the anomaly flags. */
export const ANOMALY_ARG_OPTIONS = {
  'anomaly-types': { type: 'string', multiple: true },
  threshold: { type: 'string', multiple: true },
  'baseline-since': { type: 'string' },
  'baseline-until': { type: 'string' },
} as const;

export const ANOMALY_HELP = `Anomalies:
  --anomaly-types <list>     detectors to run (default all): ${ANOMALY_KINDS.join(', ')}
  --threshold <name=value>   override a detector threshold, repeatable (e.g. verticalMinPorts=100,
                             lateralPorts=22,3389); names and defaults in the README, "Anomaly detection"
  --baseline-since <time>    the period new talkers and rare countries are compared with (with
  --baseline-until <time>    --baseline-until; default: the week before the window, else its first quarter)
`;

export interface AnomalyValues {
  'anomaly-types'?: string[];
  threshold?: string[];
  'baseline-since'?: string;
  'baseline-until'?: string;
}

/** The anomaly flags as DetectOptions (undefined when none is given), their errors as usage errors. */
export function anomalyArgs(values: AnomalyValues, now = Date.now()): DetectOptions | undefined {
  const options: DetectOptions = {};
  const types = values['anomaly-types']?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (types !== undefined) {
    for (const t of types) {
      if (!(ANOMALY_KINDS as readonly string[]).includes(t)) throw new UsageError(`--anomaly-types: '${t}' is not a detector; use ${ANOMALY_KINDS.join(', ')}`);
    }
    options.types = types as AnomalyKind[];
  }
  if (values.threshold !== undefined) {
    const thresholds: Partial<AnomalyThresholds> = {};
    for (const item of values.threshold) {
      const eq = item.indexOf('=');
      const name = item.slice(0, eq).trim();
      if (eq < 0 || !(name in DEFAULT_THRESHOLDS)) {
        throw new UsageError(`--threshold needs name=value with a name of ${Object.keys(DEFAULT_THRESHOLDS).join(', ')} (got ${item})`);
      }
      const text = item.slice(eq + 1).trim();
      const numbers = text.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
      if (numbers.some((n) => !Number.isFinite(n)) || (name !== 'lateralPorts' && numbers.length !== 1)) {
        throw new UsageError(`--threshold ${name} needs ${name === 'lateralPorts' ? 'a comma-separated list of ports' : 'a number'} (got ${text})`);
      }
      (thresholds as Record<string, number | number[]>)[name] = name === 'lateralPorts' ? numbers : numbers[0];
    }
    usable(() => resolveThresholds(thresholds)); // the library's own checks (ranges), as usage errors
    options.thresholds = thresholds;
  }
  const since = values['baseline-since'];
  const until = values['baseline-until'];
  if ((since === undefined) !== (until === undefined)) throw new UsageError('--baseline-since and --baseline-until go together');
  if (since !== undefined && until !== undefined) {
    const span = { since: timeBound('--baseline-since', since, now), until: timeBound('--baseline-until', until, now) };
    if (span.since >= span.until) throw new UsageError(`--baseline-since (${since}) must be before --baseline-until (${until})`);
    options.baseline = span;
  }
  return Object.keys(options).length > 0 ? options : undefined;
}
