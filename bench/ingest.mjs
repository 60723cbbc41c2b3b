// Ingest benchmark: generated csv-zip flow logs → `networkflow ingest` → queryable Parquet lake, end to end,
// with wall time and peak RSS of the ingest process; then a rerun with nothing new; then a completeness
// check (DuckDB counts the rows of the manifest's files); then two references on the same data: DuckDB's
// own read_csv of the already-unzipped CSV into a table, and a plain pandas pipeline (Debian python3-pandas).
//
//   npx tsc -p tsconfig.build.json && node bench/ingest.mjs [--quick]
// BENCH_INGEST_FLOWS (default 10,000,000; --quick: 1,000,000) sets the size; BENCH_SKIP_PANDAS=1 skips
// pandas. The generated zips are cached in <tmp>/nf-bench-ingest-csv-zip-<flows>/ across runs; the lake
// and the unzipped CSV are temporary. Reference times are of the read alone (no process start or import);
// ours is the ingest command's whole wall time. MB here are 2^20 bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, generatedFlows, unzipAll } from './lib/ingest-data.mjs';
import { checkLake } from './lib/lake-check.mjs';
import { hasGnuTime, measureChild, tail } from './lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const quick = process.argv.includes('--quick');
const total = Number(process.env.BENCH_INGEST_FLOWS ?? (quick ? 1_000_000 : 10_000_000));
const skipPandas = process.env.BENCH_SKIP_PANDAS === '1';
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-pandas installs (a pyenv python3 may shadow it on PATH)
const TARGET = { flowsPerSecond: 1_000_000, rssMB: 1024, rerunSeconds: 1, vsDuckdb: 1.0, vsPandas: 0.1 };

// The plain pandas pipeline: every zip through read_csv, then one concat. Only the reads are timed.
const PANDAS = `
import glob, json, sys, time
import pandas as pd
zips = sorted(glob.glob(sys.argv[1] + '/**/*.zip', recursive=True))
t0 = time.perf_counter()
df = pd.concat([pd.read_csv(z) for z in zips], ignore_index=True)
print(json.dumps({'rows': len(df), 'seconds': time.perf_counter() - t0}))
`;

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const MB = (bytes) => Math.round(bytes / 2 ** 20);
const notes = [];
const note = (s) => {
  notes.push(s);
  console.log(s);
};

if (!Number.isInteger(total) || total <= 0) throw new Error(`BENCH_INGEST_FLOWS must be a positive integer, got '${process.env.BENCH_INGEST_FLOWS}'`);
console.log(`Ingest benchmark: ${fmt(total)} flows as csv-zip, 24 hours (node ${process.version}, ${os.availableParallelism()} cores)`);
if (!hasGnuTime()) note('no GNU /usr/bin/time: peak RSS is polled from /proc/<pid>/status VmHWM every 50 ms (may miss a short peak)');

const tGen = process.hrtime.bigint();
const data = await generatedFlows(total);
const generated = data.summary.flows;
const zips = filesUnder(data.dir, '.zip');
note(
  `input: ${fmt(generated)} flows in ${zips.length} zips, ${(data.summary.bytes / 1e6).toFixed(0)} MB, ${data.dir}` +
    (data.cached ? ' (cached)' : ` (generated in ${(Number(process.hrtime.bigint() - tGen) / 1e9).toFixed(1)} s)`),
);

const rows = [];
let ours; // { seconds, peakRssBytes } of the end-to-end run, the base of the ratios

// a–c: our ingest, the rerun with nothing new, and the completeness check
const help = spawnSync(process.execPath, [cli, 'ingest', '--help'], { encoding: 'utf8' });
if (help.status !== 0) {
  const why = (help.stderr || help.stdout).trim().split('\n')[0] || `exit ${help.status}`;
  rows.push({ step: 'ours end-to-end', flows: '', seconds: '', 'flows/s': '', 'peak RSS MB': '', 'ours ÷ this': '', target: '', ok: `ERROR: no ingest command (${why})` });
  process.exitCode = 1;
} else {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nf-bench-ingest-lake-'));
  try {
    const ingestArgs = [cli, 'ingest', '--source', data.dir, '--data-dir', dataDir, '--json'];
    const first = await runIngest(ingestArgs);
    if (first.error) {
      rows.push(errorRow('ours end-to-end', first.error));
    } else {
      ours = first;
      const rate = generated / first.seconds;
      const misses = [];
      if (rate < TARGET.flowsPerSecond) misses.push('flows/s');
      if (MB(first.peakRssBytes) >= TARGET.rssMB) misses.push('RSS');
      if (first.summary.records !== generated) misses.push(`records ${fmt(first.summary.records)} ≠ generated`);
      note(
        `ours: objects ${first.summary.objects}, records ${fmt(first.summary.records)}, bad ${count(first.summary.badRecords)}, ` +
          `failures ${count(first.summary.failures)}, ingest's own seconds ${Number(first.summary.seconds).toFixed(2)}`,
      );
      rows.push({
        step: 'ours end-to-end',
        flows: fmt(generated),
        seconds: first.seconds.toFixed(2),
        'flows/s': fmt(rate),
        'peak RSS MB': MB(first.peakRssBytes),
        'ours ÷ this': '1.00',
        target: `≥ ${fmt(TARGET.flowsPerSecond)}/s, < ${TARGET.rssMB} MB`,
        ok: misses.length ? `MISSED: ${misses.join(', ')}` : 'ok',
      });
      const rerun = await runIngest(ingestArgs);
      if (rerun.error) {
        rows.push(errorRow('rerun, nothing new', rerun.error));
      } else {
        note(`rerun: objects ${rerun.summary.objects}, records ${fmt(rerun.summary.records)} (nothing new: both should be 0)`);
        rows.push({
          step: 'rerun, nothing new',
          flows: fmt(rerun.summary.records),
          seconds: rerun.seconds.toFixed(2),
          'flows/s': '',
          'peak RSS MB': MB(rerun.peakRssBytes),
          'ours ÷ this': '',
          target: `< ${TARGET.rerunSeconds} s`,
          ok: rerun.seconds < TARGET.rerunSeconds ? 'ok' : 'MISSED',
        });
      }
      const check = await checkLake(dataDir, generated);
      note(
        `lake check (after the rerun): ${fmt(check.rows)} rows in ${check.files} manifest files, ${check.partitions} date/hour partitions, ` +
          `${check.strayFiles} Parquet files not in the manifest; ${check.complete ? 'complete: equals the flows generated' : `INCOMPLETE: ${check.problem}`}`,
      );
      if (!check.complete) process.exitCode = 1;
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// d: DuckDB's read_csv of the already-unzipped CSV (the unzip is not timed)
const csvDir = mkdtempSync(path.join(os.tmpdir(), 'nf-bench-ingest-csv-'));
try {
  const t0 = process.hrtime.bigint();
  const bytes = await unzipAll(data.dir, csvDir);
  note(`reference input: unzipped to ${(bytes / 1e6).toFixed(0)} MB of CSV in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s (not timed)`);
  const duck = await measureChild(process.execPath, [path.join(here, 'lib', 'duckdb-read-csv.mjs'), csvDir], { cwd: repo });
  rows.push(referenceRow('duckdb read_csv (unzipped)', duck, TARGET.vsDuckdb));
} finally {
  rmSync(csvDir, { recursive: true, force: true });
}

// e: pandas, when Debian's python3-pandas is there
if (skipPandas) {
  note('pandas: skipped (BENCH_SKIP_PANDAS=1)');
} else if (spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status !== 0) {
  note(`pandas: skipped (${PYTHON} cannot import pandas; on Debian: apt-get install python3-pandas)`);
} else {
  const pandas = await measureChild(PYTHON, ['-c', PANDAS, data.dir], { cwd: repo });
  rows.push(referenceRow('pandas read_csv + concat', pandas, TARGET.vsPandas));
}

console.table(rows);

/** Runs the ingest command and parses its --json summary; resolves to the measurement or { error }. */
async function runIngest(args) {
  const m = await measureChild(process.execPath, args, { cwd: repo });
  if (m.code !== 0) {
    let failures = '';
    try {
      failures = `; failures: ${JSON.stringify(JSON.parse(m.stdout).failures).slice(0, 300)}`;
    } catch {
      // no summary on stdout: the stderr tail says why
    }
    return { error: `exit ${m.code}: ${tail(m.stderr || m.stdout)}${failures}` };
  }
  try {
    return { ...m, summary: JSON.parse(m.stdout) };
  } catch {
    return { error: `--json output is not one JSON document: ${tail(m.stdout, 2)}` };
  }
}

/** A reference row: its own read time, and ours as a multiple of it (target: at most `maxRatio`). */
function referenceRow(step, m, maxRatio) {
  if (m.code !== 0) return errorRow(step, `exit ${m.code}: ${tail(m.stderr || m.stdout)}`);
  const { rows: n, seconds } = JSON.parse(m.stdout);
  if (n !== generated) note(`${step}: read ${fmt(n)} rows, ${fmt(generated)} were generated`);
  const ratio = ours ? ours.seconds / seconds : undefined;
  return {
    step,
    flows: fmt(n),
    seconds: seconds.toFixed(2),
    'flows/s': fmt(n / seconds),
    'peak RSS MB': MB(m.peakRssBytes),
    'ours ÷ this': ratio === undefined ? '' : ratio.toFixed(2),
    target: maxRatio < 1 ? `ours ≤ ${maxRatio}× (≥ ${Math.round(1 / maxRatio)}× faster)` : `ours ≤ ${maxRatio.toFixed(1)}×`,
    ok: ratio === undefined ? 'n/a (no ingest run)' : ratio <= maxRatio ? 'ok' : 'MISSED',
  };
}

function errorRow(step, error) {
  process.exitCode = 1;
  return { step, flows: '', seconds: '', 'flows/s': '', 'peak RSS MB': '', 'ours ÷ this': '', target: '', ok: `ERROR: ${error}` };
}

/** A count that the summary may give as a number, an array (one entry each) or a by-reason object. */
function count(v) {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.values(v).reduce((a, b) => a + Number(b), 0);
  return Number(v ?? 0);
}
