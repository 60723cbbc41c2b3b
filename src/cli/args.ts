/** Argument helpers shared by the commands: library errors as usage errors, times and numbers from flags. */
import { parseTimeBound } from '../index.js';
import { UsageError } from './io.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Runs a library parse and turns its bad-option error into a usage error (with its hint). */
export function usable<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const e = err as Error & { hint?: string };
    throw new UsageError(e.hint ? `${e.message} (${e.hint})` : e.message);
  }
}

export function timeBound(flag: string, text: string, now: number): number {
  const t = parseTimeBound(text, now);
  if (t === null) throw new UsageError(`${flag} needs an ISO 8601 time (2024-05-01T10:00Z) or a duration before now (90m, 24h, 7d) (got ${text})`);
  return t;
}

export function positiveNumber(flag: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${flag} needs a ${allowZero ? 'non-negative' : 'positive'} number (got ${text})`);
  return n;
}

/** node:util parseArgs with positionals allowed and unknown flags refused, its errors as usage errors. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
