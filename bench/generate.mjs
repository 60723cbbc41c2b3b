// Generator throughput: flows/s per format, writing to a temporary folder.
//   npx tsc -p tsconfig.build.json && node bench/generate.mjs
// BENCH_FLOWS (default 1,000,000) sets the total; BENCH_FORMATS=csv-zip,aws-vpc picks formats.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateFlowLogs, localObjectWriter, GENERATE_FORMAT_IDS } from '../dist/index.js';

const total = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const formats = process.env.BENCH_FORMATS?.split(',') ?? GENERATE_FORMAT_IDS;
const hours = 24; // whole days, so the diurnal curve averages out to the asked mean
const TARGET = 170_000; // 10M flows in under a minute

const rows = [];
for (const format of formats) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `nf-bench-gen-${format}-`));
  try {
    const s = await generateFlowLogs(localObjectWriter(dir), {
      format, hours, start: '2026-11-02T00:00:00Z', seed: 7, flowsPerHour: Math.round(total / hours),
    });
    const rate = Math.round(s.flows / s.seconds);
    rows.push({ format, flows: s.flows, objects: s.objects, MB: +(s.bytes / 1e6).toFixed(1), seconds: +s.seconds.toFixed(2), 'flows/s': rate, target: rate >= TARGET ? 'ok' : `< ${TARGET}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.table(rows);
