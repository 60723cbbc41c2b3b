// The ingest benchmark's input: generated csv-zip flow logs, cached under the OS temp folder by flow
// count (a rerun of the bench reuses them), and an unzipped copy for the DuckDB read_csv reference.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateFlowLogs, localObjectWriter, unwrap } from '../../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GENERATE = { format: 'csv-zip', hours: 24, start: '2026-11-02T00:00:00Z', seed: 7 };

/**
 * Returns { dir, summary, cached } for `total` generated flows: `dir` holds only the zips (the
 * generator's truth.json is moved beside it, so the ingest sees flow logs only). The summary file is
 * written last, so a half-generated cache (bench killed) is detected and regenerated; so is a cache
 * made by a different build of the generator.
 */
export async function generatedFlows(total) {
  const root = path.join(os.tmpdir(), `nf-bench-ingest-csv-zip-${total}`);
  const dir = path.join(root, 'src');
  const summaryFile = path.join(root, 'summary.json');
  const fingerprint = generatorFingerprint();
  if (existsSync(summaryFile)) {
    const cached = JSON.parse(readFileSync(summaryFile, 'utf8'));
    if (cached.fingerprint === fingerprint) return { dir, summary: cached.summary, cached: true };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const summary = await generateFlowLogs(localObjectWriter(dir), { ...GENERATE, flowsPerHour: Math.round(total / GENERATE.hours) });
  const truth = path.join(dir, 'truth.json');
  if (existsSync(truth)) renameSync(truth, path.join(root, 'truth.json'));
  const { anomalies: _anomalies, ...brief } = summary;
  writeFileSync(summaryFile, JSON.stringify({ fingerprint, summary: brief }));
  return { dir, summary: brief, cached: false };
}

/** Every file under `dir` whose name ends with `suffix`, recursively, sorted. */
export function filesUnder(dir, suffix) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}

/**
 * Inflates every zip under `srcDir` into `outDir` (one subfolder per zip, so entry names cannot
 * collide), through the library's own container reader. Returns the number of bytes written.
 */
export async function unzipAll(srcDir, outDir) {
  let bytes = 0;
  for (const zip of filesUnder(srcDir, '.zip')) {
    const target = path.join(outDir, path.relative(srcDir, zip).replace(/\.zip$/, ''));
    for await (const entry of unwrap(createReadStream(zip), path.basename(zip))) {
      const entryPath = entry.name.includes('!') ? entry.name.slice(entry.name.indexOf('!') + 1) : path.basename(entry.name);
      const file = path.join(target, entryPath);
      mkdirSync(path.dirname(file), { recursive: true });
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of entry.bytes) {
            bytes += chunk.byteLength;
            yield chunk;
          }
        })(),
      );
      await pipeline(counted, createWriteStream(file));
    }
  }
  return bytes;
}

/** A hash of the built generator, so a cache made by other generator code is not reused. */
function generatorFingerprint() {
  const hash = createHash('sha256');
  const dist = path.join(here, '..', '..', 'dist', 'generate');
  for (const file of filesUnder(dist, '.js')) hash.update(path.relative(dist, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}
