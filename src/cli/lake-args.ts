/** Flags `analyze` and `export` share: the data dir, --top, --bucket, and the filter flags as a usage error. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_TOP_LIMIT, type BucketUnit, type Filter } from '../index.js';
import { usable } from './args.js';
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
