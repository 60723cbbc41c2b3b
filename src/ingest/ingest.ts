/**
 * `ingest`: objects of a source → the Parquet lake of a data directory, incrementally and crash-safely.
 *
 * 1. Lock the data dir; read the manifest; delete files a crashed run left uncommitted.
 * 2. List the source (pruned by path time); an object whose uri, etag and size are in the manifest is
 *    unchanged and skipped. Changed objects, and objects a killed run left partly written, first lose
 *    every row they produced before (files rewritten without them, committed).
 * 3. Parsing workers (one per core) read, unwrap, parse and encode objects into columnar batches; the
 *    coordinator (this thread) buffers them in the LakeWriter and flushes about every million rows. Each
 *    flush renames its files into place and then commits the manifest: objects whose last batch is in it
 *    become complete, the others are recorded as partial (so a crash makes the next run purge and redo
 *    them). A worker may have only a couple of batches unacknowledged: a slow writer slows the readers.
 * 4. Small files of the hours touched are compacted and their rollups recomputed; obsolete files are
 *    deleted only after the commit that stops referencing them.
 * A SIGKILL at any point leaves a manifest that names only whole files; the next run converges to the
 * same tables as an uninterrupted run.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContainerLimits } from '../containers/index.js';
import { NetworkflowError } from '../model/index.js';
import type { FlowFormatId } from '../parsers/types.js';
import { loadIpCountryDb } from '../sources/ip-country.js';
import { openSource } from '../sources/open.js';
import { inWindow } from '../sources/time-window.js';
import type { ObjectInfo } from '../sources/types.js';
import { parseLocation, type SourceLocation, type SourceOptions } from '../sources/uri.js';
import type { ColumnBatch } from '../store/column-batch.js';
import { openDuckDB, type DuckDB } from '../store/duckdb.js';
import { collectGarbage, compactPartitions, deleteFiles, partitionKey, partitionsToCompact, purgeObjects } from '../store/lake-files.js';
import { DEFAULT_FLUSH_ROWS, DEFAULT_FLUSH_TEXT_CHARS, LakeWriter } from '../store/lake-writer.js';
import { readManifest, writeManifest, type Manifest, type ManifestFile, type ManifestObject } from '../store/manifest.js';
import { filesMissingRollups, writeFileRollups } from '../store/rollups.js';
import { runObjectTask, SourceCache, type ObjectStats, type ObjectTask, type TaskMessage } from './object-task.js';
import { DEFAULT_TIME_SLACK_MS } from './parse-inputs.js';
import { emptySummary, type RunSummary } from './summary.js';
import type { ToWorker } from './worker.js';

export interface IngestProgress {
  phase: 'listing' | 'ingesting' | 'compacting' | 'rollups' | 'done';
  objectsTotal: number;
  objectsDone: number;
  objectsUnchanged: number;
  records: number;
  badRecords: number;
  bytesRead: number;
  bytesTotal: number | null;
  elapsedMs: number;
}

export interface IngestOptions {
  /** A folder path or URI (file://, azure://, s3://, gs://), or a parsed location. */
  source: string | SourceLocation;
  dataDir: string;
  since?: number | null;
  until?: number | null;
  format?: FlowFormatId | 'auto';
  awsFields?: readonly string[];
  limits?: Partial<ContainerLimits>;
  /** Parsing worker threads (default: one per core); 0 parses in this thread (small inputs, tests). */
  concurrency?: number;
  sourceOptions?: SourceOptions;
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
  /** Rows buffered before a flush to Parquet (default 500,000). */
  flushRows?: number;
  /** Characters of distinct text buffered before a flush (default 48M; see DEFAULT_FLUSH_TEXT_CHARS). */
  flushTextChars?: number;
  /** Rows per batch from a worker (default 32,768). */
  batchRows?: number;
}

export interface IngestSummary extends RunSummary {
  dataDir: string;
  objectsListed: number;
  objectsUnchanged: number;
  objectsIngested: number;
  objectsReplaced: number;
  filesWritten: number;
  filesRemoved: number;
  seconds: number;
  recordsPerSecond: number;
}

interface ObjectState {
  id: number;
  info: ObjectInfo;
  replaced: boolean;
  stats: ObjectStats | null;
  failure: { code: string; message: string } | null;
  files: Set<string>;
  /** Its last batch is in the writer (or it had none). */
  ended: boolean;
  committed: boolean;
}

const LOCK_FILE = '.lock';
/** Small files a partition may hold before ingest merges them. */
export const COMPACT_MIN_FILES = 4;
/**
 * Memory budget: DuckDB's buffer limit during ingest (it spills beyond it) and the young generation of each
 * parsing worker (their garbage is short-lived records). With the flush size and the in-flight batch limit
 * these keep a 10M-row ingest under 1 GB peak RSS on this project's 2-core reference machine.
 */
const INGEST_DUCKDB_MEMORY = '256MB';
const WORKER_YOUNG_GENERATION_MB = 8;

export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const release = await acquireLock(dataDir);
  let db: DuckDB | null = null;
  try {
    const run = new IngestRun(options, dataDir, started);
    const summary = await run.execute(async () => (db ??= await openDuckDB({ memoryLimit: INGEST_DUCKDB_MEMORY })));
    return summary;
  } finally {
    (db as DuckDB | null)?.close();
    await release();
  }
}

class IngestRun {
  private manifest!: Manifest;
  private readonly summary: IngestSummary;
  private readonly states = new Map<number, ObjectState>();
  private readonly touched = new Set<string>();
  private progress: IngestProgress;
  private bytesByObject = new Map<number, number>();

  constructor(
    private readonly options: IngestOptions,
    private readonly dataDir: string,
    private readonly started: number,
  ) {
    this.summary = {
      ...emptySummary(),
      dataDir,
      objectsListed: 0,
      objectsUnchanged: 0,
      objectsIngested: 0,
      objectsReplaced: 0,
      filesWritten: 0,
      filesRemoved: 0,
      seconds: 0,
      recordsPerSecond: 0,
    };
    this.progress = { phase: 'listing', objectsTotal: 0, objectsDone: 0, objectsUnchanged: 0, records: 0, badRecords: 0, bytesRead: 0, bytesTotal: null, elapsedMs: 0 };
  }

  async execute(getDb: () => Promise<DuckDB>): Promise<IngestSummary> {
    this.manifest = await readManifest(this.dataDir);
    this.summary.filesRemoved += (await collectGarbage(this.dataDir, this.manifest)).length;
    this.report();
    const given = typeof this.options.source === 'string' ? parseLocation(this.options.source) : this.options.source;
    const sourceOptions = this.options.sourceOptions ?? {};
    const { location, infos: listed } = await this.list(given, sourceOptions);
    const todo: { info: ObjectInfo; previous: ManifestObject | null }[] = [];
    for (const info of listed) {
      const previous = this.manifest.objects[info.uri] ?? null;
      if (previous && !previous.partial && !previous.failed && previous.etag === info.etag && previous.size === info.size) {
        this.summary.objectsUnchanged++;
      } else {
        todo.push({ info, previous });
      }
    }
    const partialLeft = Object.values(this.manifest.objects).filter((o) => o.partial && !todo.some((t) => t.info.uri === o.uri));
    const unrolled = filesMissingRollups(this.manifest);
    // partitions a killed run left uncompacted
    const uncompacted = partitionsToCompact(this.manifest, { minFiles: COMPACT_MIN_FILES });
    for (const key of uncompacted) this.touched.add(key);
    this.progress.objectsTotal = todo.length;
    this.progress.objectsUnchanged = this.summary.objectsUnchanged;
    this.progress.bytesTotal = todo.every((t) => t.info.size !== null) ? todo.reduce((s, t) => s + (t.info.size ?? 0), 0) : null;
    this.progress.phase = 'ingesting';
    this.report();

    if (todo.length > 0 || partialLeft.length > 0 || unrolled.length > 0 || uncompacted.length > 0) {
      const db = await getDb();
      // rows of objects that changed, or that a killed run left half-written, go first
      const purge = [...todo.filter((t) => t.previous).map((t) => t.previous!.id), ...partialLeft.map((o) => o.id)];
      if (purge.length > 0) {
        const { obsolete, partitions } = await purgeObjects(db, this.dataDir, this.manifest, purge);
        for (const key of partitions) this.touched.add(key);
        await this.commit(obsolete);
      }
      this.summary.objectsReplaced = todo.filter((t) => t.previous && !t.previous.partial && !t.previous.failed).length;
      if (todo.length > 0) await this.ingestObjects(db, location, sourceOptions, todo.map((t) => t.info));
      const partitions = [...this.touched];
      if (partitions.length > 0) {
        this.setPhase('compacting');
        // a partition is merged once it holds a few small files (incremental runs add one each); merging
        // every pair would rewrite most of a big first ingest, whose flushes cut hours in two
        const compacted = await compactPartitions(db, this.dataDir, this.manifest, partitions, { minFiles: COMPACT_MIN_FILES });
        await this.commit(compacted.obsolete);
      }
      // files without rollups: written by an older version, or a rollup defined since
      const missing = filesMissingRollups(this.manifest);
      if (missing.length > 0) {
        this.setPhase('rollups');
        await this.commit(await writeFileRollups(db, this.dataDir, this.manifest, missing));
      }
    }
    this.setPhase('done');
    this.summary.seconds = (performance.now() - this.started) / 1000;
    this.summary.recordsPerSecond = this.summary.seconds > 0 ? Math.round(this.summary.records / this.summary.seconds) : 0;
    return this.summary;
  }

  /** The objects to consider, and the location they are read from (a single file's folder, for a file). */
  private async list(location: SourceLocation, sourceOptions: SourceOptions): Promise<{ location: SourceLocation; infos: ObjectInfo[] }> {
    if (location.kind === 'stdin') {
      throw new NetworkflowError('bad-option', 'ingest reads objects from a folder or an object store, not standard input', 'save the data to a folder and pass --source <folder>');
    }
    // a single local file is listed through its folder, as the only key
    let only: string | null = null;
    if (location.kind === 'local' && (await stat(location.path!).catch(() => null))?.isFile()) {
      only = path.basename(location.path!);
      location = { ...location, path: path.dirname(location.path!) };
    }
    const source = await openSource(location, sourceOptions);
    const since = this.options.since ?? null;
    const until = this.options.until ?? null;
    const out: ObjectInfo[] = [];
    try {
      for await (const page of source.list({ signal: this.options.signal })) {
        for (const info of page) {
          if (only !== null && info.key !== only) continue;
          if (!inWindow(info.key, since, until, DEFAULT_TIME_SLACK_MS)) continue;
          out.push(info);
        }
      }
    } finally {
      await source.close();
    }
    this.summary.objectsListed = out.length;
    return { location, infos: out };
  }

  private async ingestObjects(db: DuckDB, location: SourceLocation, sourceOptions: SourceOptions, infos: ObjectInfo[]): Promise<void> {
    const writer = new LakeWriter(db, this.dataDir, {
      geo: async () => {
        // without the IP data (a broken install) rows keep a null country rather than failing the ingest
        const countries = await loadIpCountryDb().catch(() => null);
        return countries ? (ip) => countries.lookup(ip) ?? (isAddress(ip) ? 'ZZ' : null) : null;
      },
    });
    const flushRows = this.options.flushRows ?? DEFAULT_FLUSH_ROWS;
    const flushTextChars = this.options.flushTextChars ?? DEFAULT_FLUSH_TEXT_CHARS;
    const full = () => writer.bufferedRows >= flushRows || writer.bufferedTextChars >= flushTextChars;
    const tasks: ObjectTask[] = infos.map((info) => {
      const id = this.manifest.nextObjectId++;
      this.states.set(id, { id, info, replaced: false, stats: null, failure: null, files: new Set(), ended: false, committed: false });
      return {
        objectId: id,
        info,
        location,
        sourceOptions: serializableSourceOptions(sourceOptions),
        format: this.options.format ?? 'auto',
        awsFields: this.options.awsFields,
        limits: this.options.limits,
        batchRows: this.options.batchRows,
      };
    });

    let flushing: Promise<void> | null = null;
    const deferredAcks: (() => void)[] = [];
    const flush = async (): Promise<void> => {
      const ending = [...this.states.values()].filter((s) => s.ended && !s.committed);
      const files = await writer.flush(() => this.manifest.nextFileSeq++);
      await this.commitFlush(files, ending);
    };
    const startFlushIfFull = (): void => {
      if (flushing || !full()) return;
      flushing = flush().finally(() => {
        flushing = null;
        startFlushIfFull();
        if (!flushing) for (const ack of deferredAcks.splice(0)) ack();
      });
      flushing.catch(() => undefined);
    };

    const onMessage = (m: TaskMessage, ack: () => void): void => {
      const state = this.states.get(m.objectId)!;
      if (m.type === 'batch') {
        writer.add(m.batch as ColumnBatch, m.objectId);
        this.progress.records += m.batch.rows;
        startFlushIfFull();
        // hold the acknowledgement while the buffer is over its limit: the worker pauses
        if (flushing && full()) deferredAcks.push(ack);
        else ack();
      } else if (m.type === 'progress') {
        this.setBytes(m.objectId, m.bytesRead);
      } else {
        this.setBytes(m.objectId, m.stats.bytesRead);
        state.stats = m.stats;
        state.failure = m.failure;
        state.ended = true;
        if (m.failure) writer.drop(m.objectId);
        this.progress.objectsDone++;
        this.progress.badRecords += sum(m.stats.badByReason);
      }
      this.report();
    };

    const workers = this.options.concurrency ?? Math.max(1, os.availableParallelism());
    if (workers === 0) {
      const sources = new SourceCache();
      try {
        for (const task of tasks) {
          await runObjectTask(task, sources, async (m) => {
            // a batch waits for its acknowledgement (backpressure), other messages need none
            if (m.type === 'batch') await new Promise<void>((resolve) => onMessage(m, resolve));
            else onMessage(m, () => undefined);
          });
        }
      } finally {
        await sources.close();
      }
    } else {
      await runPool(Math.min(workers, tasks.length), tasks, onMessage, this.options.signal);
    }
    while (flushing) await flushing;
    await flush();
    // objects that failed after some of their rows were flushed: take those rows out again
    const failedWithRows = [...this.states.values()].filter((s) => s.failure && s.files.size > 0).map((s) => s.id);
    if (failedWithRows.length > 0) {
      const { obsolete } = await purgeObjects(db, this.dataDir, this.manifest, failedWithRows);
      for (const id of failedWithRows) this.recordObject(this.states.get(id)!);
      await this.commit(obsolete);
    }
  }

  /** Files of a flush are in place: make them live, with the objects that ended before the flush began. */
  private async commitFlush(files: ManifestFile[], ending: ObjectState[]): Promise<void> {
    for (const f of files) {
      this.manifest.files[f.path] = f;
      this.touched.add(partitionKey(f.date, f.hour));
      for (const id of f.objects) this.states.get(id)?.files.add(f.path);
    }
    this.summary.filesWritten += files.length;
    const inFiles = new Set(files.flatMap((f) => f.objects));
    const ended = new Set(ending);
    for (const s of this.states.values()) {
      if (ended.has(s)) {
        s.committed = true;
        this.recordObject(s);
        this.tally(s);
      } else if (inFiles.has(s.id)) {
        // some rows are live, more are coming: recorded as partial so a crash makes the next run redo it
        this.manifest.objects[s.info.uri] = objectEntry(s, true);
      }
    }
    await this.commit([]);
  }

  private recordObject(s: ObjectState): void {
    const entry = objectEntry(s, false);
    if (s.failure) {
      entry.failed = s.failure;
      entry.files = [];
      entry.records = 0;
    }
    this.manifest.objects[s.info.uri] = entry;
  }

  private tally(s: ObjectState): void {
    const st = s.stats!;
    const sum_ = this.summary;
    sum_.objects++;
    sum_.entries += st.entries;
    for (const [f, n] of Object.entries(st.formats)) sum_.formats[f] = (sum_.formats[f] ?? 0) + n;
    // an entry that is not a flow log (a README beside the logs, a zip member of another kind) is skipped
    // with a warning, so a bucket with other files in it does not fail every run
    for (const e of st.entryFailures) {
      sum_.warnings++;
      sum_.warningsByReason[e.code] = (sum_.warningsByReason[e.code] ?? 0) + 1;
    }
    if (s.failure) {
      sum_.failures.push({ object: s.info.uri, code: s.failure.code, message: s.failure.message });
      return;
    }
    sum_.objectsIngested++;
    sum_.records += st.records;
    addCounts(sum_.badByReason, st.badByReason);
    addCounts(sum_.warningsByReason, st.warningsByReason);
    addCounts(sum_.infoByReason, st.infoByReason);
    sum_.badRecords += sum(st.badByReason);
    sum_.warnings += sum(st.warningsByReason);
    sum_.info += sum(st.infoByReason);
  }

  private async commit(obsolete: string[]): Promise<void> {
    await writeManifest(this.dataDir, this.manifest);
    if (obsolete.length > 0) {
      await deleteFiles(this.dataDir, obsolete);
      this.summary.filesRemoved += obsolete.length;
    }
  }

  private setBytes(id: number, bytes: number): void {
    this.progress.bytesRead += bytes - (this.bytesByObject.get(id) ?? 0);
    this.bytesByObject.set(id, bytes);
  }

  private setPhase(phase: IngestProgress['phase']): void {
    this.progress.phase = phase;
    this.report();
  }

  private report(): void {
    if (!this.options.onProgress) return;
    this.progress.elapsedMs = performance.now() - this.started;
    this.options.onProgress({ ...this.progress });
  }
}

function objectEntry(s: ObjectState, partial: boolean): ManifestObject {
  const st = s.stats;
  const entry: ManifestObject = {
    id: s.id,
    uri: s.info.uri,
    etag: s.info.etag,
    size: s.info.size,
    lastModified: s.info.lastModified,
    records: st?.records ?? 0,
    badRecords: st ? sum(st.badByReason) : 0,
    badByReason: st?.badByReason ?? {},
    files: [...s.files].sort(),
    ingestedAt: Date.now(),
  };
  if (partial) entry.partial = true;
  return entry;
}

/** Runs tasks on `n` worker threads, one object at a time per worker, until all are done. */
async function runPool(n: number, tasks: ObjectTask[], onMessage: (m: TaskMessage, ack: () => void) => void, signal?: AbortSignal): Promise<void> {
  const queue = tasks.slice();
  await Promise.all(
    Array.from({ length: n }, () => {
      const worker = createWorker();
      return new Promise<void>((resolve, reject) => {
        const send = (m: ToWorker) => worker.postMessage(m);
        const next = () => {
          const task = signal?.aborted ? undefined : queue.shift();
          if (task) send({ type: 'task', task });
          else send({ type: 'close' });
        };
        worker.on('message', (m: TaskMessage) => {
          onMessage(m, () => {
            if (m.type === 'batch') send({ type: 'ack' });
          });
          if (m.type === 'done') next();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`parsing worker exited with code ${code}`))));
        next();
      });
    }),
  );
}

/**
 * The worker: the compiled worker.js beside this module; when running from the TypeScript sources (tests),
 * a bootstrap that registers tsx's loader in the worker and then imports worker.ts.
 */
function createWorker(): Worker {
  const js = new URL('./worker.js', import.meta.url);
  const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  if (existsSync(fileURLToPath(js))) return new Worker(js, { resourceLimits });
  const ts = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
}

/** Source options cross to worker threads by structured clone: functions and the environment object stay behind. */
function serializableSourceOptions(o: SourceOptions): SourceOptions {
  const { env, ...rest } = o;
  return env ? { ...rest, env: { ...env } } : rest;
}

/** One ingest per data dir at a time: an exclusive lock file holding our pid (a dead pid's lock is stale). */
async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new NetworkflowError('data-dir-locked', `${dataDir}: another ingest (pid ${pid}) is writing to this data dir`, 'wait for it to finish, or use another --data-dir');
      }
      await rm(file, { force: true });
    }
  }
  throw new NetworkflowError('data-dir-locked', `${dataDir}: could not take the ingest lock ${file}`, 'remove the lock file if no ingest is running');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isAddress(ip: string): boolean {
  return ip.includes('.') || ip.includes(':');
}

function sum(m: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(m)) n += v;
  return n;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
