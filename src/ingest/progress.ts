/**
 * Progress display for `ingest`: pure formatting (a one-line bar for a terminal, a plain log line for
 * anything else) and a reporter that throttles how often either is written.
 */
import type { IngestProgress } from './ingest.js';

const UNITS = ['', 'k', 'M', 'G', 'T', 'P'];
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A count in at most four significant characters plus a unit: 999, 1.2k, 12k, 1.2M, 340M, 5.0G. */
export function formatCount(n: number): string {
  return scaled(n, 1000, UNITS, '');
}

/** Bytes with binary units: 512 B, 1.5 KiB, 230 MiB. */
export function formatBytes(n: number): string {
  return scaled(n, 1024, BYTE_UNITS, ' ');
}

function scaled(n: number, base: number, units: readonly string[], gap: string): string {
  if (!Number.isFinite(n)) return '?';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  let u = 0;
  // Round first, so 999,950 shows as 1.0M rather than 1000k.
  while (u < units.length - 1 && roundFor(v) >= base) {
    v /= base;
    u++;
  }
  const r = roundFor(v);
  const digits = u === 0 ? String(Math.round(v)) : r < 10 ? r.toFixed(1) : String(r);
  return `${sign}${digits}${gap}${units[u]}`;
}

function roundFor(v: number): number {
  return v < 10 ? Math.round(v * 10) / 10 : Math.round(v);
}

/** A duration as 42s, 3m05s, 1h02m or 2d03h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (x: number) => String(x).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** Records per second so far, or null before any time has passed. */
export function recordsPerSecond(p: IngestProgress): number | null {
  return p.elapsedMs > 0 ? (p.records * 1000) / p.elapsedMs : null;
}

/**
 * How far the run is, 0..1: by bytes when the total is known (objects differ a lot in size), else by
 * objects. Null while listing, when there is nothing to measure against yet.
 */
export function progressFraction(p: IngestProgress): number | null {
  if (p.phase === 'done') return 1;
  if (p.phase === 'listing') return null;
  if (p.bytesTotal !== null && p.bytesTotal > 0) return Math.min(1, p.bytesRead / p.bytesTotal);
  if (p.objectsTotal > 0) return Math.min(1, p.objectsDone / p.objectsTotal);
  // Nothing to ingest: the objects part is complete (compacting and rollups may still follow).
  return p.phase === 'ingesting' ? 0 : 1;
}

/**
 * Time left for the ingesting phase, extrapolated from the rate so far; null when it cannot be told
 * (not ingesting, nothing done yet, no time passed). Compaction and rollups are short and not counted.
 */
export function estimateRemainingMs(p: IngestProgress): number | null {
  if (p.phase !== 'ingesting') return null;
  const f = progressFraction(p);
  if (f === null || f <= 0 || p.elapsedMs <= 0) return null;
  return (p.elapsedMs * (1 - f)) / f;
}

const PHASE_LABEL: Record<IngestProgress['phase'], string> = {
  listing: 'listing',
  ingesting: 'ingesting',
  compacting: 'compacting',
  rollups: 'rollups',
  done: 'done',
};

/**
 * The pieces of a progress line, most important first, so narrow displays drop from the end: the core
 * (objects, records, rate, ETA), then the extras (unchanged, bad rows; bytes and elapsed on long lines).
 */
function parts(p: IngestProgress, long: boolean): { core: string[]; extra: string[] } {
  const core: string[] = [];
  const extra: string[] = [];
  if (p.phase === 'listing') {
    core.push(p.objectsUnchanged > 0 ? `${formatCount(p.objectsUnchanged)} unchanged so far` : 'finding objects');
  } else {
    core.push(`${formatCount(p.objectsDone)}/${formatCount(p.objectsTotal)} objects`);
  }
  core.push(`${formatCount(p.records)} records`);
  const rate = recordsPerSecond(p);
  if (rate !== null && p.phase !== 'listing') core.push(`${formatCount(rate)} rec/s`);
  if (p.phase === 'ingesting') {
    const eta = estimateRemainingMs(p);
    core.push(`ETA ${eta === null ? '?' : formatDuration(eta)}`);
  }
  if (p.phase !== 'listing' && p.objectsUnchanged > 0) extra.push(`+${formatCount(p.objectsUnchanged)} unchanged`);
  if (p.badRecords > 0) extra.push(`${formatCount(p.badRecords)} bad`);
  if (long) {
    if (p.bytesRead > 0 || p.bytesTotal !== null) {
      extra.push(p.bytesTotal !== null ? `${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal)} read` : `${formatBytes(p.bytesRead)} read`);
    }
    extra.push(`elapsed ${formatDuration(p.elapsedMs)}`);
  }
  return { core, extra };
}

const MIN_BAR = 10;
const MAX_BAR = 40;

/**
 * One line of at most `width` characters: phase, a bar with the percentage, then objects done/total,
 * records, records/s, ETA, unchanged and bad rows. When the line is narrow, the extras (unchanged, bad)
 * go first, then the bar, then core pieces from the end; at last the line is cut.
 */
export function formatProgressBar(p: IngestProgress, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const head = PHASE_LABEL[p.phase];
  const f = progressFraction(p);
  const pct = f === null ? '' : ` ${String(Math.floor(f * 100)).padStart(3)}%`;
  const { core, extra } = parts(p, false);
  const info = [...core, ...extra];
  const tail = (n: number) => info.slice(0, n).join(' · ');
  if (f !== null) {
    for (let n = info.length; n >= core.length; n--) {
      const barWidth = Math.min(MAX_BAR, w - head.length - pct.length - tail(n).length - 4); // spaces and brackets
      if (barWidth < MIN_BAR) continue;
      const filled = Math.round(f * barWidth);
      return `${head} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${pct} ${tail(n)}`;
    }
  }
  for (let n = f === null ? info.length : core.length; n >= 1; n--) {
    const line = `${head}${pct} ${tail(n)}`;
    if (line.length <= w) return line;
  }
  return `${head}${pct} ${info[0]}`.slice(0, w).trimEnd();
}

/** A plain log line (no timestamp: the log collector adds one), e.g. for CI logs and files. */
export function formatProgressLine(p: IngestProgress): string {
  const f = progressFraction(p);
  const pct = f === null ? '' : ` ${Math.floor(f * 100)}%`;
  const { core, extra } = parts(p, true);
  return `networkflow ingest: ${PHASE_LABEL[p.phase]}${pct}: ${[...core, ...extra].join(', ')}`;
}

/** Where progress goes: a text stream (stderr); `columns` is the terminal width when it has one. */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

export interface ProgressReporterOptions {
  stream: ProgressStream;
  /** A terminal: redraw one line in place. Otherwise: plain lines, one every intervalMs at most. */
  isTTY: boolean;
  /** Least time between two writes: default 100 ms on a terminal, 5 s otherwise. */
  intervalMs?: number;
  /** The clock, epoch ms (tests pass their own). */
  now?: () => number;
}

export interface ProgressReporter {
  /** Shows p if enough time has passed since the last write (on a terminal also when the phase changes). */
  update(p: IngestProgress): void;
  /**
   * Ends the display: a terminal's line is cleared; a plain stream gets a last line showing p (none
   * without p, e.g. when the run failed). Later calls do nothing.
   */
  done(p?: IngestProgress): void;
}

export const TTY_INTERVAL_MS = 100;
export const PLAIN_INTERVAL_MS = 5000;
const DEFAULT_COLUMNS = 80;
const CLEAR_LINE = '\r\x1b[K';

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { stream, isTTY } = options;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? (isTTY ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
  // Plain output starts its clock at creation, so a short run prints only the last line.
  let lastWrite = isTTY ? -Infinity : now();
  let lastPhase: IngestProgress['phase'] | null = null;
  let drawn = false;
  let finished = false;
  return {
    update(p) {
      if (finished) return;
      const t = now();
      const phaseChanged = p.phase !== lastPhase;
      lastPhase = p.phase;
      if (t - lastWrite < interval && !(isTTY && phaseChanged)) return;
      lastWrite = t;
      if (isTTY) {
        // One column short of the width: writing the last column makes some terminals wrap.
        const width = (stream.columns ?? DEFAULT_COLUMNS) - 1;
        stream.write(`${CLEAR_LINE}${formatProgressBar(p, width)}`);
        drawn = true;
      } else {
        stream.write(`${formatProgressLine(p)}\n`);
      }
    },
    done(p) {
      if (finished) return;
      finished = true;
      if (isTTY) {
        if (drawn) stream.write(CLEAR_LINE);
      } else if (p) {
        stream.write(`${formatProgressLine(p)}\n`);
      }
    },
  };
}
