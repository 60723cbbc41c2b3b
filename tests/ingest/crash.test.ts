/**
 * Crash safety of `ingest`, end to end: an ingest process is killed with SIGKILL at random moments many
 * times (its worker threads die with it), rerun each time, and the lake it converges to must equal the lake
 * of one uninterrupted run over the same final source: same rows (as a multiset), same per-hour sums, no
 * duplicates, a manifest naming exactly the files on disk, and rollups equal to the raw rows.
 *
 * Between some runs source objects are changed (replaced by other content, truncated) or added, so the
 * "changed object replaces exactly its rows" path runs after crashes too, on objects the manifest holds as
 * complete or as partial. Small flushes make one run go through many flush → rename → commit cycles, so
 * kills land mid-flush, while a file's rollups are written, between rename and commit, in purges and in
 * compaction. A second test kills a run exactly as compaction begins and checks that the rerun compacts.
 *
 * The kill times come from a seeded random generator: the seed is printed, and NF_CRASH_SEED=<seed> reruns
 * the same schedule (the moments a kill lands on still depend on the machine's speed); NF_CRASH_RUNS=<n>
 * sets the number of killed runs (default 20) for a longer hunt; NF_CRASH_KEEP=1 keeps the lakes and sources.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SMALL_FILE_ROWS,
  filesMissingRollups,
  LAKE_COLUMNS,
  LAKE_DIRS,
  MANIFEST_FILE,
  ROLLUPS,
  generateFlowLogs,
  localObjectWriter,
  openDuckDB,
  readManifest,
  type DuckDB,
  type IngestSummary,
  type Manifest,
} from '../../src/index.js';
import type { IngestChildOptions } from '../helpers/ingest-child.js';
import { COMPACT_MIN_FILES } from '../../src/ingest/ingest.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../helpers/ingest-child.ts', import.meta.url));

const START = '2026-11-02T00:00:00Z';
const FLOWS_PER_HOUR = 30_000;
/** Small flushes and batches: many commits per run, so kills land in every phase. */
const FLUSH_ROWS = 20_000;
const BATCH_ROWS = 4_096;
const CONCURRENCY = 2;
/** Runs of the crashed lake, each killed at a random moment (unless it ends first). */
const RUNS = Number(process.env.NF_CRASH_RUNS ?? 20);
/** A run that takes longer than this is stuck (a lock never released, a hang): it is killed and the test fails. */
const RUN_LIMIT_MS = 90_000;
const SEED = Number(process.env.NF_CRASH_SEED ?? Math.floor(Math.random() * 1e9));

/** mulberry32: a small deterministic generator, so a schedule can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  /** Phases the child reported before it ended (listing, ingesting, compacting, rollups, done). */
  phases: string[];
  summary: IngestSummary | null;
  stderr: string;
  /** From the child's first phase line (ingest started) to its exit. */
  workMs: number;
}

/** When to SIGKILL a child: `afterMs` after it reports `phase` (default: its first phase, i.e. ingest started). */
interface KillAt {
  afterMs: number;
  phase?: string;
}

/**
 * Runs the child ingest as its own OS process. With `kill`, it is SIGKILLed at that moment (the startup of
 * node and tsx is not part of the window) unless it ended before.
 */
function runChild(options: IngestChildOptions, kill: KillAt | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { code: null, signal: null, killed: false, phases: [], summary: null, stderr: '', workMs: 0 };
    let started = 0;
    let pending = '';
    let killTimer: NodeJS.Timeout | null = null;
    const limit = setTimeout(() => {
      run.stderr += `\n[crash test] the run took over ${RUN_LIMIT_MS} ms and was killed`;
      child.kill('SIGKILL');
    }, RUN_LIMIT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('phase ')) {
          const phase = line.slice(6);
          run.phases.push(phase);
          if (started === 0) started = performance.now();
          if (kill && !killTimer && (kill.phase ?? phase) === phase) {
            killTimer = setTimeout(() => {
              run.killed = child.kill('SIGKILL');
            }, kill.afterMs);
          }
        } else if (line.startsWith('summary ')) {
          run.summary = JSON.parse(line.slice(8)) as IngestSummary;
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (run.stderr += text));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      if (killTimer) clearTimeout(killTimer);
      run.code = code;
      run.signal = signal;
      // a kill sent just as the process was exiting on its own did not interrupt anything
      if (signal !== 'SIGKILL') run.killed = false;
      run.workMs = started > 0 ? performance.now() - started : 0;
      resolve(run);
    });
  });
}

/** Every file under `dir`, as `/`-separated paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Lake-relative paths of the Parquet files on disk under flows/ and rollups/. */
function parquetOnDisk(dataDir: string): string[] {
  return [LAKE_DIRS.flows, LAKE_DIRS.rollups].flatMap((table) =>
    filesUnder(path.join(dataDir, table))
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => `${table}/${f}`),
  );
}

/** The flow files the manifest lists and the rollup files those reference. */
function livePaths(m: Manifest): Set<string> {
  const live = new Set<string>();
  for (const f of Object.values(m.files)) {
    live.add(f.path);
    for (const r of Object.values(f.rollups ?? {})) live.add(r.path);
  }
  return live;
}

interface LakeFiles {
  unlisted: string[];
  missing: string[];
  staging: string[];
  /** Entries of the data dir besides the manifest, flows/, rollups/ and .staging/ (a lock, a manifest temp file). */
  other: string[];
}

function lakeFiles(dataDir: string, m: Manifest): LakeFiles {
  const live = livePaths(m);
  const onDisk = parquetOnDisk(dataDir);
  const expected = new Set<string>([MANIFEST_FILE, LAKE_DIRS.flows, LAKE_DIRS.rollups, LAKE_DIRS.staging]);
  return {
    unlisted: onDisk.filter((p) => !live.has(p)),
    missing: [...live].filter((p) => !existsSync(path.join(dataDir, p))).sort(),
    staging: filesUnder(path.join(dataDir, LAKE_DIRS.staging)),
    other: readdirSync(dataDir).filter((f) => !expected.has(f)),
  };
}

/** What a kill left on disk: tells in which step of the crash discipline it landed. */
interface DiskState {
  /** Names of the files under .staging/ (a flush, a purge or compaction rewrite, or a rollup mid-write). */
  staging: string[];
  /** Parquet files not in the manifest with a sequence number it has not handed out yet: renamed, not committed. */
  uncommitted: number;
  /** Parquet files not in the manifest with an older sequence number: dropped by a commit, not yet deleted. */
  obsolete: number;
  /** Objects the manifest records as partly written. */
  partial: number;
  /** Live flow files without all their rollups. */
  missingRollups: number;
  manifestTmp: boolean;
}

async function diskState(dataDir: string): Promise<DiskState> {
  const m = await readManifest(dataDir);
  const live = livePaths(m);
  let uncommitted = 0;
  let obsolete = 0;
  for (const p of parquetOnDisk(dataDir)) {
    if (live.has(p)) continue;
    const seq = Number(/-(\d+)\.parquet$/.exec(p)?.[1] ?? NaN);
    if (seq >= m.nextFileSeq) uncommitted++;
    else obsolete++;
  }
  return {
    staging: filesUnder(path.join(dataDir, LAKE_DIRS.staging)),
    uncommitted,
    obsolete,
    partial: Object.values(m.objects).filter((o) => o.partial).length,
    missingRollups: filesMissingRollups(m).length,
    manifestTmp: readdirSync(dataDir).some((f) => f.startsWith(`${MANIFEST_FILE}.tmp`)),
  };
}

/** The step a kill interrupted, read from the phase the child last reported and what is on disk. */
function landedIn(phase: string, s: DiskState | null): string {
  if (!s) return `${phase}, before the first commit`;
  const step =
    s.staging.some((f) => f.startsWith('flush-')) ? `writing a flush${s.staging.some((f) => f.includes('/rollups/')) ? ' (its rollups)' : ''}`
    : s.staging.some((f) => /-f-\d+\.parquet$/.test(f)) ? (phase === 'compacting' ? 'writing a compacted file' : 'rewriting a file in a purge')
    : s.staging.some((f) => /-r-\d+\.parquet$/.test(f)) ? `writing the rollups of a ${phase === 'compacting' ? 'compacted' : phase === 'ingesting' ? 'purge-rewritten' : 'flow'} file`
    : s.manifestTmp ? 'writing the manifest'
    : s.uncommitted > 0 ? 'after rename, before the manifest commit'
    : s.obsolete > 0 ? 'after a commit, before deleting obsolete files'
    : phase === 'ingesting' ? 'parsing, between flushes'
    : 'between steps';
  return `${phase}: ${step} (partial objects ${s.partial}, files missing rollups ${s.missingRollups})`;
}

interface KillRecord {
  run: number;
  /** The source change made before this run. */
  change: string | null;
  delayMs: number;
  outcome: 'killed' | 'finished';
  landed: string;
}

// ---------------------------------------------------------------------------------------------------------
// The source: csv-zip and aws-vpc logs over three hours, and a schedule of changes made to it before runs,
// drawn from the seed. Every change writes fixed content (generated base or alternative flows, or a cut of a
// base log), so the source after the whole schedule is known before the first run: the reference ingests it.

interface Generated {
  base: string;
  alt: string;
  awsKeys: string[];
}

interface SourceWrite {
  key: string;
  /** Copy this file, or write these bytes. */
  from?: string;
  data?: () => Buffer;
}

interface SourceChange {
  label: string;
  writes: SourceWrite[];
}

const CSV_HOURS = ['00', '01', '02'];

function csvKey(hour: string): string {
  return `csv/2026/11/02/flows_20261102_${hour}.zip`;
}

/** The first `fraction` of an aws log's records (header kept), or its last ones with `fromEnd`. */
function cutAwsLog(file: string, fraction: number, fromEnd: boolean): Buffer {
  const [header, ...records] = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean);
  const keep = Math.floor(records.length * fraction);
  const kept = fromEnd ? records.slice(records.length - keep) : records.slice(0, keep);
  return gzipSync(`${[header, ...kept].join('\n')}\n`);
}

/**
 * `count` changes, applied in this order before runs. Most replace every csv zip (another hour of flows each:
 * a third of the rows purged and re-ingested, a run about as long as a first ingest); others replace one zip,
 * cut or restore an aws log, or add an object.
 */
function planChanges(g: Generated, random: () => number, count: number): SourceChange[] {
  const variant = new Map(CSV_HOURS.map((h) => [h, 'base']));
  const other = (h: string) => (variant.get(h) === 'base' ? 'alt' : 'base');
  const csvWrite = (h: string, v: string): SourceWrite => ({ key: csvKey(h), from: path.join(v === 'base' ? g.base : g.alt, csvKey(h)) });
  const plan: SourceChange[] = [];
  let added = 0;
  while (plan.length < count) {
    const r = random();
    if (r < 0.5) {
      const v = other(CSV_HOURS[0]);
      CSV_HOURS.forEach((h) => variant.set(h, v));
      plan.push({ label: `every csv zip → ${v} flows`, writes: CSV_HOURS.map((h) => csvWrite(h, v)) });
    } else if (r < 0.7) {
      const h = CSV_HOURS[Math.floor(random() * CSV_HOURS.length)];
      const v = other(h);
      variant.set(h, v);
      plan.push({ label: `${csvKey(h)} → ${v} flows`, writes: [csvWrite(h, v)] });
    } else if (r < 0.9) {
      const key = g.awsKeys[Math.floor(random() * g.awsKeys.length)];
      const fraction = Math.round((0.2 + random() * 0.7) * 10) / 10;
      const fromEnd = random() < 0.5;
      const restore = random() < 0.25;
      const file = path.join(g.base, key);
      plan.push(
        restore
          ? { label: `${key} restored`, writes: [{ key, from: file }] }
          : { label: `${key} cut to its ${fromEnd ? 'last' : 'first'} ${fraction * 100}%`, writes: [{ key, data: () => cutAwsLog(file, fraction, fromEnd) }] },
      );
    } else {
      const h = CSV_HOURS[Math.floor(random() * CSV_HOURS.length)];
      const key = `csv/2026/11/02/extra_${++added}.zip`;
      plan.push({ label: `new object ${key}`, writes: [{ key, from: path.join(g.alt, csvKey(h)) }] });
    }
  }
  return plan;
}

function applyChange(src: string, change: SourceChange | null): void {
  for (const w of change?.writes ?? []) {
    const target = path.join(src, w.key);
    if (w.from) cpSync(w.from, target);
    else writeFileSync(target, w.data!());
  }
}

async function generate(root: string): Promise<Generated> {
  const base = path.join(root, 'base');
  const alt = path.join(root, 'alt');
  const common = { start: START, hours: 3, flowsPerHour: FLOWS_PER_HOUR };
  // truth.json (the generator's answer key) stays in: ingest skips it with a warning, a path worth keeping
  await generateFlowLogs(localObjectWriter(path.join(base, 'csv')), { ...common, format: 'csv-zip', seed: 11 });
  await generateFlowLogs(localObjectWriter(path.join(base, 'aws')), { ...common, format: 'aws-vpc', seed: 12 });
  await generateFlowLogs(localObjectWriter(path.join(alt, 'csv')), { ...common, format: 'csv-zip', seed: 21 });
  const awsKeys = filesUnder(path.join(base, 'aws'))
    .filter((k) => k.endsWith('.log.gz'))
    .map((k) => `aws/${k}`);
  return { base, alt, awsKeys };
}

function resetSource(src: string, base: string): void {
  rmSync(src, { recursive: true, force: true });
  cpSync(base, src, { recursive: true });
}

// ---------------------------------------------------------------------------------------------------------

const root = mkdtempSync(path.join(tmpdir(), 'nf-crash-'));
const src = path.join(root, 'src');
const lakeA = path.join(root, 'lake-a');
const lakeB = path.join(root, 'lake-b');
const kills: KillRecord[] = [];
let generated: Generated;
let changesBeforeFinal = 0;
let reference: ChildRun;
let finalRun: ChildRun;
let noopRun: ChildRun;
/** What the final run left on disk, before the rerun with nothing new could clean anything up. */
let afterFinal: LakeFiles;
let db: DuckDB;
let manifestA: Manifest;
let manifestB: Manifest;

/** Seed and kill schedule, printed with every failure so that it can be replayed. */
function context(): string {
  const rows = kills.map((k) => `  run ${k.run}:${k.change ? ` [${k.change}]` : ''} +${k.delayMs} ms → ${k.outcome} in ${k.landed}`);
  return `NF_CRASH_SEED=${SEED}; data in ${root} (kept with NF_CRASH_KEEP=1)\n${rows.join('\n')}\n  then ${changesBeforeFinal} change(s) and a final run`;
}

function childOptions(dataDir: string): IngestChildOptions {
  return { source: src, dataDir, flushRows: FLUSH_ROWS, batchRows: BATCH_ROWS, concurrency: CONCURRENCY };
}

function expectClean(run: ChildRun, what: string): void {
  expect(run.code, `${what} exited with ${String(run.code ?? run.signal)}:\n${run.stderr}\n${context()}`).toBe(0);
}

beforeAll(async () => {
  generated = await generate(root);
}, 120_000);

afterAll(() => {
  db?.close();
  if (!process.env.NF_CRASH_KEEP) rmSync(root, { recursive: true, force: true });
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await db.connection.runAndReadAll(sql)).getRowsJS();
}

async function count(sql: string): Promise<number> {
  return Number((await rows(sql))[0][0]);
}

describe('ingest killed with SIGKILL at random moments, then rerun', () => {
  beforeAll(async () => {
    const random = seededRandom(SEED);
    const plan = planChanges(generated, random, RUNS - 1);

    // the reference: one uninterrupted run over the final source
    resetSource(src, generated.base);
    plan.forEach((change) => applyChange(src, change));
    reference = await runChild(childOptions(lakeA), null);
    expectClean(reference, 'the reference run');

    // the crashed lake: from the first source, each run killed at a random moment of a window (more often
    // early: runs after a small change are short). The window starts at the reference's duration, shrinks
    // after a run that ended before its kill and grows back after a kill, so most runs are interrupted
    // whatever the machine's speed. Before a run the next change is made, except after some kills: a plain
    // rerun of the same source. Changes not reached are made before the final run.
    resetSource(src, generated.base);
    const queue = [...plan];
    const widest = Math.max(500, reference.workMs * 1.1);
    let window = widest;
    let previousKilled = false;
    for (let run = 1; run <= RUNS; run++) {
      const change = run === 1 || (previousKilled && random() < 0.4) ? null : (queue.shift() ?? null);
      applyChange(src, change);
      const delayMs = Math.round(random() ** 2 * window);
      const child = await runChild(childOptions(lakeB), { afterMs: delayMs });
      if (!child.killed) expectClean(child, `run ${run} (not killed)`);
      const state = existsSync(path.join(lakeB, MANIFEST_FILE)) ? await diskState(lakeB) : null;
      kills.push({
        run,
        change: change?.label ?? null,
        delayMs,
        outcome: child.killed ? 'killed' : 'finished',
        landed: child.killed ? landedIn(child.phases.at(-1) ?? 'startup', state) : 'done',
      });
      previousKilled = child.killed;
      window = child.killed ? Math.min(widest, window * 1.15) : Math.max(300, window * 0.8);
    }
    queue.forEach((change) => applyChange(src, change));
    changesBeforeFinal = queue.length;
    finalRun = await runChild(childOptions(lakeB), null);
    expectClean(finalRun, 'the final run after the kills');
    afterFinal = lakeFiles(lakeB, await readManifest(lakeB));
    noopRun = await runChild(childOptions(lakeB), null);
    expectClean(noopRun, 'the rerun with nothing new');

    manifestA = await readManifest(lakeA);
    manifestB = await readManifest(lakeB);
    db = await openDuckDB({ threads: 2, memoryLimit: '512MB' });
    // the rows exactly as stored, minus object_id (ids are handed out per run, so they differ)
    const columns = LAKE_COLUMNS.filter((c) => c.name !== 'object_id')
      .map((c) => `"${c.name}"`)
      .join(', ');
    for (const [name, dir, m] of [['a', lakeA, manifestA], ['b', lakeB, manifestB]] as const) {
      const files = Object.keys(m.files).map((p) => `'${path.join(dir, p).replaceAll("'", "''")}'`);
      await db.connection.run(`CREATE TABLE ${name} AS SELECT ${columns}, "date", "hour" FROM read_parquet([${files.join(', ')}], hive_partitioning = true)`);
    }
    console.log(`crash test: ${kills.filter((k) => k.outcome === 'killed').length} kills in ${RUNS} runs; reference ingest ${Math.round(reference.workMs)} ms\n${context()}`);
  }, 900_000);

  it('killed runs mid-way, and the reference has the whole source', () => {
    // the schedule must actually interrupt ingests, or the test proves nothing
    expect(kills.filter((k) => k.outcome === 'killed').length, context()).toBeGreaterThanOrEqual(RUNS / 4);
    expect(reference.summary!.failures, context()).toEqual([]);
    expect(reference.summary!.records, context()).toBeGreaterThan(150_000);
  });

  it('holds the same number of rows and the same per-hour counts and sums as one uninterrupted run', async () => {
    const total = await count('SELECT count(*) FROM a');
    expect(total).toBe(reference.summary!.records);
    expect(await count('SELECT count(*) FROM b'), context()).toBe(total);
    const perHour = (t: string) =>
      rows(`SELECT CAST("date" AS VARCHAR), CAST("hour" AS INTEGER), count(*), sum(bytes), sum(packets), sum(bytes_sent), sum(bytes_received) FROM ${t} GROUP BY ALL ORDER BY 1, 2`);
    const hoursA = await perHour('a');
    expect(hoursA.length).toBeGreaterThanOrEqual(3);
    expect(await perHour('b'), context()).toEqual(hoursA);
  });

  it('holds no duplicate rows, and exactly the rows of the uninterrupted run', async () => {
    const key = 'source_object, source_line, "timestamp", src_ip, dst_ip, src_port, dst_port';
    // the key identifies a flow record: unique in the reference, so a duplicate in the crashed lake is a bug
    expect(await count(`SELECT count(DISTINCT (${key})) FROM a`)).toBe(await count('SELECT count(*) FROM a'));
    const duplicates = await rows(`SELECT ${key}, count(*) AS n FROM b GROUP BY ALL HAVING count(*) > 1 LIMIT 5`);
    expect(duplicates, context()).toEqual([]);
    // every column of every row, as multisets
    expect(await count('SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b)'), context()).toBe(0);
    expect(await count('SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a)'), context()).toBe(0);
  });

  it('records every object once, complete, with the rows of the uninterrupted run', async () => {
    const objects = (m: Manifest) =>
      Object.values(m.objects)
        .map((o) => ({ uri: o.uri, records: o.records, badRecords: o.badRecords, partial: o.partial ?? false, failed: o.failed ?? null }))
        .sort((x, y) => (x.uri < y.uri ? -1 : 1));
    expect(objects(manifestA).every((o) => !o.partial && o.failed === null)).toBe(true);
    expect(objects(manifestB), context()).toEqual(objects(manifestA));
    const ids = Object.values(manifestB.objects).map((o) => o.id);
    expect(new Set(ids).size, context()).toBe(ids.length);
    // the manifest's bookkeeping agrees with the files
    const fileRows = Object.values(manifestB.files).reduce((n, f) => n + f.rows, 0);
    expect(fileRows, context()).toBe(await count('SELECT count(*) FROM b'));
    for (const o of Object.values(manifestB.objects)) {
      for (const p of o.files) expect(manifestB.files[p]?.objects, `${o.uri} lists ${p}\n${context()}`).toContain(o.id);
    }
    const known = new Set(ids);
    for (const f of Object.values(manifestB.files)) for (const id of f.objects) expect(known.has(id), `${f.path} holds object ${id}\n${context()}`).toBe(true);
  });

  it('leaves exactly the manifest-listed files on disk: nothing uncommitted, obsolete or staged', () => {
    // right after the final run, and after the rerun
    for (const [when, files] of [['after the final run', afterFinal], ['after the rerun', lakeFiles(lakeB, manifestB)]] as const) {
      const what = `${when}\n${context()}`;
      expect(files.unlisted, `Parquet files on disk that the manifest does not list, ${what}`).toEqual([]);
      expect(files.missing, `files the manifest lists that are not on disk, ${what}`).toEqual([]);
      expect(files.staging, `files left in ${LAKE_DIRS.staging}/, ${what}`).toEqual([]);
      expect(files.other, `other files in the data dir, ${what}`).toEqual([]);
    }
  });

  it('keeps the rollups of every live file, equal to those of the uninterrupted run and to the raw rows', async () => {
    expect(filesMissingRollups(manifestB).map((f) => f.path), context()).toEqual([]);
    for (const rollup of ROLLUPS) {
      const what = `rollup ${rollup.name}\n${context()}`;
      const groups = ['"time"', ...rollup.dimensions.map((d) => `"${d}"`)];
      const positions = groups.map((_, i) => i + 1).join(', ');
      // one rollup file per flow file: a group may be in several, so they are summed back together
      const merged = async (name: string, dir: string, m: Manifest) => {
        const files = Object.values(m.files).map((f) => {
          const entry = f.rollups?.[rollup.name];
          expect(entry, `${f.path} in ${dir} has no rollup ${rollup.name}\n${context()}`).toBeDefined();
          return `'${path.join(dir, entry!.path).replaceAll("'", "''")}'`;
        });
        const sums = rollup.measures.map((m) => `CAST(sum("${m}") AS BIGINT) AS "${m}"`);
        await db.connection.run(`CREATE OR REPLACE TABLE ${name} AS SELECT ${[...groups, ...sums].join(', ')} FROM read_parquet([${files.join(', ')}]) GROUP BY ${positions}`);
      };
      await merged('ra', lakeA, manifestA);
      await merged('rb', lakeB, manifestB);
      // the same aggregation computed here from the raw rows of the crashed lake
      const measure = { flows: 'count(*)', packets: 'sum(packets)', bytes: 'sum(bytes)', bytes_sent: 'sum(bytes_sent)', bytes_received: 'sum(bytes_received)' };
      const raw = [
        `CAST(date_trunc('${rollup.grain}', "timestamp") AS TIMESTAMP) AS "time"`,
        ...rollup.dimensions.map((d) => `"${d}"`),
        ...rollup.measures.map((m) => `CAST(coalesce(${measure[m]}, 0) AS BIGINT) AS "${m}"`),
      ];
      await db.connection.run(`CREATE OR REPLACE TABLE rraw AS SELECT ${raw.join(', ')} FROM b GROUP BY ${positions}`);
      expect(await count('SELECT count(*) FROM rb'), what).toBeGreaterThan(0);
      for (const [x, y] of [['ra', 'rb'], ['rb', 'ra'], ['rb', 'rraw'], ['rraw', 'rb']]) {
        expect(await count(`SELECT count(*) FROM (SELECT * FROM ${x} EXCEPT ALL SELECT * FROM ${y})`), `${what}\n(${x} has rows ${y} lacks)`).toBe(0);
      }
    }
  });

  it('a rerun after recovery finds every object unchanged and writes nothing', () => {
    const s = noopRun.summary!;
    expect(s.objectsUnchanged, context()).toBe(s.objectsListed);
    expect({ records: s.records, filesWritten: s.filesWritten, filesRemoved: s.filesRemoved }, context()).toEqual({ records: 0, filesWritten: 0, filesRemoved: 0 });
  });
});

describe('ingest killed as compaction begins, then rerun with nothing new', () => {
  /** Partition keys of the manifest holding enough small files that ingest would merge them. */
  function uncompacted(m: Manifest): string[] {
    const small = new Map<string, number>();
    for (const f of Object.values(m.files)) {
      const key = `${f.date}/${String(f.hour).padStart(2, '0')}`;
      if (f.rows < DEFAULT_SMALL_FILE_ROWS) small.set(key, (small.get(key) ?? 0) + 1);
    }
    return [...small].filter(([, n]) => n >= COMPACT_MIN_FILES).map(([key]) => key).sort();
  }

  it('compacts the small files the killed run left, as an uninterrupted run does', async () => {
    const source = path.join(root, 'src-compaction');
    const lake = path.join(root, 'lake-compaction');
    resetSource(source, generated.base);
    const options = { ...childOptions(lake), source };
    const killed = await runChild(options, { phase: 'compacting', afterMs: 0 });
    expect(killed.killed, `the run ended (${String(killed.code)}) before it was killed:\n${killed.stderr}`).toBe(true);
    // the kill landed before compaction committed: the flushes' small files are what is live
    const before = uncompacted(await readManifest(lake));
    expect(before.length).toBeGreaterThan(0);

    const rerun = await runChild(options, null);
    expectClean(rerun, 'the rerun after the kill in compaction');
    expect(rerun.summary!.objectsUnchanged).toBe(rerun.summary!.objectsListed);
    const after = await readManifest(lake);
    expect(uncompacted(after), `partitions left with ${COMPACT_MIN_FILES}+ small files (before the rerun: ${before.join(', ')})`).toEqual([]);
    expect(filesMissingRollups(after).map((f) => f.path)).toEqual([]);
    expect(lakeFiles(lake, after)).toEqual({ unlisted: [], missing: [], staging: [], other: [] });
  }, 180_000);
});
