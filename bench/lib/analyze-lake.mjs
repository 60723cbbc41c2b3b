// The analyzer benchmarks' lake (bench/analyze.mjs, bench/dashboard.mjs): generated csv-zip flows ingested
// once and kept under NF_BENCH_DIR (default <tmp>/nf-bench-analyze)/<flows>/, reused while the parameters,
// the built generator and the lake layout are the same.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BENCH_HOURS = 48;
export const BENCH_START = Date.parse('2026-11-02T00:00:00Z');

/** The generator settings of the bench lake of `total` flows. */
export function benchGenerate(total) {
  return { format: 'csv-zip', hours: BENCH_HOURS, start: new Date(BENCH_START).toISOString(), seed: 11, flowsPerHour: Math.round(total / BENCH_HOURS) };
}

/**
 * The cached lake: { dataDir, cached }. A `ready.json` written last holds the parameters and a hash of the
 * built generator and ingest; a lake without it, or with other parameters, is rebuilt from scratch.
 */
export async function benchLake(total) {
  const GENERATE = benchGenerate(total);
  const root = path.join(process.env.NF_BENCH_DIR ?? path.join(os.tmpdir(), 'nf-bench-analyze'), String(total));
  const dataDir = path.join(root, 'data');
  const ready = path.join(root, 'ready.json');
  const key = JSON.stringify({ ...GENERATE, build: buildFingerprint() });
  if (existsSync(ready) && readFileSync(ready, 'utf8') === key) return { dataDir, cached: true };
  rmSync(root, { recursive: true, force: true });
  const sourceDir = path.join(root, 'source');
  mkdirSync(sourceDir, { recursive: true });
  await lib.generateFlowLogs(lib.localObjectWriter(sourceDir), GENERATE);
  // the truth file is not a flow log: keep it out of the ingest's way
  rmSync(path.join(sourceDir, 'truth.json'), { force: true });
  const summary = await lib.ingest({ source: sourceDir, dataDir });
  if (summary.failures.length > 0) throw new Error(`ingest of the bench lake failed: ${JSON.stringify(summary.failures).slice(0, 300)}`);
  rmSync(sourceDir, { recursive: true, force: true });
  writeFileSync(ready, key);
  return { dataDir, cached: false };
}

/** A hash of the built generator and of the lake's layout (schema, rollups), so a lake of other data is not reused. */
function buildFingerprint() {
  const hash = createHash('sha256');
  const dist = path.join(here, '..', '..', 'dist');
  const generator = readdirSync(path.join(dist, 'generate'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join('generate', f));
  for (const file of [...generator.sort(), 'store/schema.js', 'store/rollups.js']) hash.update(file).update(readFileSync(path.join(dist, file)));
  return hash.digest('hex').slice(0, 16);
}

