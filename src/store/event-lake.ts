/**
 * The `events` table: cloud-log events in the Parquet lake (`events/date=YYYY-MM-DD/hour=HH/*.parquet`, zstd),
 * with the same discipline as flows — files are written under a staging name and renamed into place, and the
 * manifest (`events-manifest.json`, apart from the flows' so that `ingest` and `logs pull` never write the
 * same file) is replaced atomically last. A file the manifest does not list is garbage from an interrupted
 * run and is removed when the lake is opened, so a crash at any point leaves a state from which the rerun
 * produces exactly the same table.
 *
 * Log pulls checkpoint here too: each source's window, API cursor, page count and recent event ids are part
 * of the manifest, committed together with the page's files — a page is stored and checkpointed in one
 * atomic step, which is what makes a SIGKILLed pull resume without a gap or a duplicate. Events whose
 * provider id was already stored (a page fetched twice around a crash, overlapping follow windows) are
 * dropped against `recentIds`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { EVENT_COLUMNS, type EventRecord } from '../model/index.js';
import type { DuckDB } from './duckdb.js';
import { replaceJsonFile, syncDir } from './manifest.js';
import { sqlPath } from './sql.js';

export const EVENTS_DIR = 'events';
export const EVENTS_MANIFEST_FILE = 'events-manifest.json';
const STAGING_DIR = '.staging-events';
const MANIFEST_VERSION = 1;
/** Event ids remembered per source for dedupe: those within this long of the newest stored event. */
export const DEFAULT_DEDUPE_HORIZON_MS = 60 * 60 * 1000;

export interface EventFile {
  rows: number;
  bytes: number;
  minTime: number;
  maxTime: number;
  /** The source (checkpoint key) or object the rows came from. */
  source: string;
}

/** Where a log source's pull stands (JSON; written with the page it describes). */
export interface SourceCheckpoint {
  description: string;
  /** The window being pulled, epoch ms [since, until); null before the first page. */
  window: { since: number; until: number } | null;
  /** The API position after the last stored page (opaque to the store); null: the window's start. */
  cursor: Record<string, unknown> | null;
  /** The window was read to its end. */
  done: boolean;
  /** The time range read to its end so far (windows pulled one after another join up); null: none yet. */
  covered: { since: number; until: number } | null;
  pages: number;
  events: number;
  duplicates: number;
  /** Newest event time stored (epoch ms). */
  newest: number | null;
  /** Provider ids of recently stored events, with their times, for dedupe. */
  recentIds: [string, number][];
  updatedAt: number;
}

export interface EventManifest {
  version: number;
  files: Record<string, EventFile>;
  sources: Record<string, SourceCheckpoint>;
  updatedAt: number;
}

export function emptyCheckpoint(description: string): SourceCheckpoint {
  return { description, window: null, cursor: null, done: false, covered: null, pages: 0, events: 0, duplicates: 0, newest: null, recentIds: [], updatedAt: 0 };
}

export interface CommitResult {
  stored: number;
  duplicates: number;
  /** Events without any time (neither timestamp nor observed_timestamp): not stored. */
  untimed: number;
  files: string[];
}

const STAGING_COLUMNS: Record<(typeof EVENT_COLUMNS)[number], string> = {
  timestamp: 'BIGINT',
  observed_timestamp: 'BIGINT',
  provider: 'VARCHAR',
  source_format: 'VARCHAR',
  account_id: 'VARCHAR',
  region: 'VARCHAR',
  service: 'VARCHAR',
  resource_id: 'VARCHAR',
  resource_type: 'VARCHAR',
  event_name: 'VARCHAR',
  category: 'VARCHAR',
  severity_number: 'INTEGER',
  severity_text: 'VARCHAR',
  message: 'VARCHAR',
  actor: 'VARCHAR',
  source_ip: 'VARCHAR',
  outcome: 'VARCHAR',
  error_code: 'VARCHAR',
  status_code: 'VARCHAR',
  request_id: 'VARCHAR',
  trace_id: 'VARCHAR',
  span_id: 'VARCHAR',
  log_name: 'VARCHAR',
  event_id: 'VARCHAR',
  attributes: 'VARCHAR',
  size_bytes: 'BIGINT',
  source_object: 'VARCHAR',
  source_line: 'INTEGER',
};

/** The Parquet columns: times as TIMESTAMP (UTC, ms), attributes as JSON, the rest as staged. */
const OUTPUT_SELECT = EVENT_COLUMNS.map((c) =>
  c === 'timestamp' || c === 'observed_timestamp' ? `epoch_ms(${c}) AS ${c}` : c === 'attributes' ? `CAST(attributes AS JSON) AS attributes` : c,
).join(', ');

const SAFE_PATH = /^events\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9_.-]+\.parquet$/;

function hourKey(ms: number): { date: string; hour: string } {
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** A short, file-name-safe, stable name for a source id. */
export function sourceSlug(sourceId: string): string {
  const readable = sourceId.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${readable}-${createHash('sha256').update(sourceId).digest('hex').slice(0, 8)}`;
}

export class EventLake {
  private queue: Promise<unknown> = Promise.resolve();
  private staged = 0;

  private constructor(
    private readonly db: DuckDB,
    readonly dataDir: string,
    private manifest: EventManifest,
  ) {}

  /**
   * Opens the events table of a data dir: reads its manifest (an absent one is an empty table) and removes
   * what an interrupted run left behind (staging files, event files the manifest does not list).
   */
  static async open(db: DuckDB, dataDir: string): Promise<EventLake> {
    await mkdir(dataDir, { recursive: true });
    const manifest = await readEventManifest(dataDir);
    await rm(path.join(dataDir, STAGING_DIR), { recursive: true, force: true });
    await removeUnlisted(dataDir, manifest);
    await db.connection.run(`CREATE TEMP TABLE IF NOT EXISTS nf_events_stage (${EVENT_COLUMNS.map((c) => `${c} ${STAGING_COLUMNS[c]}`).join(', ')})`);
    return new EventLake(db, dataDir, manifest);
  }

  checkpoint(sourceId: string): SourceCheckpoint | undefined {
    const c = this.manifest.sources[sourceId];
    return c === undefined ? undefined : structuredClone(c);
  }

  get files(): Readonly<Record<string, EventFile>> {
    return this.manifest.files;
  }

  /**
   * Stores one page of a source and its new checkpoint in one atomic step. Events already stored (by
   * event_id, against the checkpoint's recent ids and within the page) are dropped; events without a time
   * are not stored (counted). Calls are serialized: pulls of several sources share one lake.
   */
  commitPage(sourceId: string, events: readonly EventRecord[], next: Omit<SourceCheckpoint, 'pages' | 'events' | 'duplicates' | 'newest' | 'recentIds' | 'updatedAt'>, options: { dedupeHorizonMs?: number } = {}): Promise<CommitResult> {
    const run = this.queue.then(() => this.commitNow(sourceId, events, next, options.dedupeHorizonMs ?? DEFAULT_DEDUPE_HORIZON_MS));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commitNow(
    sourceId: string,
    events: readonly EventRecord[],
    next: Omit<SourceCheckpoint, 'pages' | 'events' | 'duplicates' | 'newest' | 'recentIds' | 'updatedAt'>,
    horizonMs: number,
  ): Promise<CommitResult> {
    const previous = this.manifest.sources[sourceId] ?? emptyCheckpoint(next.description);
    const seen = new Map(previous.recentIds);
    const keep: EventRecord[] = [];
    let duplicates = 0;
    let untimed = 0;
    let newest = previous.newest;
    for (const e of events) {
      const t = e.timestamp ?? e.observed_timestamp;
      if (t === null) {
        untimed++;
        continue;
      }
      if (e.event_id !== null) {
        if (seen.has(e.event_id)) {
          duplicates++;
          continue;
        }
        seen.set(e.event_id, t);
      }
      if (newest === null || t > newest) newest = t;
      keep.push(e);
    }
    const pageNo = previous.pages + 1;
    const files = keep.length > 0 ? await this.writeFiles(sourceId, keep, `${sourceSlug(sourceId)}-${String(pageNo).padStart(6, '0')}`) : [];

    const horizon = newest === null ? 0 : newest - horizonMs;
    const recentIds = [...seen].filter(([, t]) => t >= horizon);
    const manifest: EventManifest = structuredClone(this.manifest);
    for (const f of files) manifest.files[f.path] = f.file;
    manifest.sources[sourceId] = {
      ...next,
      pages: pageNo,
      events: previous.events + keep.length,
      duplicates: previous.duplicates + duplicates,
      newest,
      recentIds,
      updatedAt: Date.now(),
    };
    await writeEventManifest(this.dataDir, manifest);
    this.manifest = manifest;
    return { stored: keep.length, duplicates, untimed, files: files.map((f) => f.path) };
  }

  /** Writes rows into one file per hour partition, named `<stem>.parquet`, renamed into place. */
  private async writeFiles(source: string, events: readonly EventRecord[], stem: string): Promise<{ path: string; file: EventFile }[]> {
    const c = this.db.connection;
    await c.run('DELETE FROM nf_events_stage');
    const appender = await c.createAppender('nf_events_stage');
    try {
      for (const e of events) appendEvent(appender, e);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const byHour = new Map<string, { date: string; hour: string; minTime: number; maxTime: number }>();
    for (const e of events) {
      const t = (e.timestamp ?? e.observed_timestamp) as number;
      const k = hourKey(t);
      const key = `${k.date}/${k.hour}`;
      const g = byHour.get(key);
      if (g === undefined) byHour.set(key, { ...k, minTime: t, maxTime: t });
      else {
        g.minTime = Math.min(g.minTime, t);
        g.maxTime = Math.max(g.maxTime, t);
      }
    }
    const stagingDir = path.join(this.dataDir, STAGING_DIR);
    await mkdir(stagingDir, { recursive: true });
    const out: { path: string; file: EventFile }[] = [];
    for (const { date, hour, minTime, maxTime } of [...byHour].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g)) {
      const start = Date.parse(`${date}T${hour}:00:00Z`);
      const rel = `${EVENTS_DIR}/date=${date}/hour=${hour}/${stem}.parquet`;
      const staged = path.join(stagingDir, `${process.pid}-${this.staged++}.parquet`);
      const time = 'coalesce(timestamp, observed_timestamp)';
      const copied = await c.runAndReadAll(
        `COPY (SELECT ${OUTPUT_SELECT} FROM nf_events_stage WHERE ${time} >= ? AND ${time} < ? ORDER BY ${time}) TO ${sqlPath(staged)} (FORMAT parquet, COMPRESSION zstd)`,
        [start, start + 3_600_000],
      );
      const rows = Number(copied.getRows()[0][0]);
      const absolute = path.join(this.dataDir, rel);
      await mkdir(path.dirname(absolute), { recursive: true });
      await rename(staged, absolute);
      await syncDir(path.dirname(absolute));
      out.push({ path: rel, file: { rows, bytes: (await stat(absolute)).size, minTime, maxTime, source } });
    }
    return out;
  }

  /**
   * Events of the table as records (time order), optionally within [since, until) — for tests, `logs`
   * exports and small queries; analytics read the files through DuckDB directly.
   */
  async readEvents(options: { since?: number; until?: number; limit?: number } = {}): Promise<EventRecord[]> {
    const files = Object.entries(this.manifest.files)
      .filter(([, f]) => (options.since === undefined || f.maxTime >= options.since) && (options.until === undefined || f.minTime < options.until))
      .map(([p]) => path.join(this.dataDir, p));
    if (files.length === 0) return [];
    const conds: string[] = [];
    const params: number[] = [];
    if (options.since !== undefined) {
      conds.push('coalesce(timestamp, observed_timestamp) >= make_timestamp(?::BIGINT * 1000)');
      params.push(options.since);
    }
    if (options.until !== undefined) {
      conds.push('coalesce(timestamp, observed_timestamp) < make_timestamp(?::BIGINT * 1000)');
      params.push(options.until);
    }
    const cols = EVENT_COLUMNS.map((c) => (c === 'timestamp' || c === 'observed_timestamp' ? `epoch_ms(${c}) AS ${c}` : c === 'attributes' ? 'CAST(attributes AS VARCHAR) AS attributes' : c)).join(', ');
    const sql = `SELECT ${cols} FROM read_parquet([${files.map(sqlPath).join(', ')}]) ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY coalesce(timestamp, observed_timestamp), event_id${options.limit ? ` LIMIT ${Math.floor(options.limit)}` : ''}`;
    const result = await this.db.connection.runAndReadAll(sql, params);
    return result.getRowObjectsJS().map((row) => {
      const e = {} as Record<string, unknown>;
      for (const c of EVENT_COLUMNS) {
        const v = row[c];
        e[c] = c === 'attributes' ? (v === null ? null : JSON.parse(v as string)) : typeof v === 'bigint' ? Number(v) : v;
      }
      return e as unknown as EventRecord;
    });
  }
}

type Appender = Awaited<ReturnType<DuckDB['connection']['createAppender']>>;

function appendEvent(a: Appender, e: EventRecord): void {
  const text = (v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
  const big = (v: number | null) => (v === null ? a.appendNull() : a.appendBigInt(BigInt(Math.trunc(v))));
  big(e.timestamp);
  big(e.observed_timestamp);
  text(e.provider);
  text(e.source_format);
  text(e.account_id);
  text(e.region);
  text(e.service);
  text(e.resource_id);
  text(e.resource_type);
  text(e.event_name);
  text(e.category);
  if (e.severity_number === null) a.appendNull();
  else a.appendInteger(e.severity_number);
  text(e.severity_text);
  text(e.message);
  text(e.actor);
  text(e.source_ip);
  text(e.outcome);
  text(e.error_code);
  text(e.status_code);
  text(e.request_id);
  text(e.trace_id);
  text(e.span_id);
  text(e.log_name);
  text(e.event_id);
  text(e.attributes === null ? null : JSON.stringify(e.attributes));
  big(e.size_bytes);
  text(e.source_object);
  a.appendInteger(e.source_line);
  a.endRow();
}

export async function readEventManifest(dataDir: string): Promise<EventManifest> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, EVENTS_MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: MANIFEST_VERSION, files: {}, sources: {}, updatedAt: 0 };
    throw err;
  }
  const m = JSON.parse(text) as EventManifest;
  if (m.version !== MANIFEST_VERSION) throw new Error(`${path.join(dataDir, EVENTS_MANIFEST_FILE)}: version ${String(m.version)} is not ${MANIFEST_VERSION}`);
  for (const p of Object.keys(m.files)) {
    if (!SAFE_PATH.test(p)) throw new Error(`${path.join(dataDir, EVENTS_MANIFEST_FILE)}: file path '${p}' is not an events file`);
  }
  return m;
}

async function writeEventManifest(dataDir: string, manifest: EventManifest): Promise<void> {
  manifest.updatedAt = Date.now();
  await replaceJsonFile(path.join(dataDir, EVENTS_MANIFEST_FILE), manifest);
}

/** Removes event files the manifest does not list (written by a run that died before committing them). */
async function removeUnlisted(dataDir: string, manifest: EventManifest): Promise<void> {
  const root = path.join(dataDir, EVENTS_DIR);
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const r = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), r);
      else if (!(r in manifest.files)) await rm(path.join(dir, entry.name), { force: true });
    }
  };
  await walk(root, EVENTS_DIR);
}
