// Anomaly detection quality: precision and recall per detector type against the generator's truth.json on
// ten scenarios the detectors were not tuned on (seeds 301-310; tuning used 101-127), across the five
// formats, rates from 800 to 30,000 flows/hour, 24 to 96 hours and different start dates (so different
// weekdays and hours of day for each anomaly). Also prints detection time per scenario.
//   npx tsc -p tsconfig.build.json && node bench/anomaly-quality.mjs
// BENCH_QUALITY_SCENARIOS=3 runs only the first three.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANOMALY_KINDS, FlowStore, detectAnomalies, generateFlowLogs, ingest, localObjectWriter, mergeQuality, scoreAnomalies } from '../dist/index.js';

const TARGET = { precision: 0.95, recall: 0.9 };
const SCENARIOS = [
  { seed: 301, format: 'csv-zip', hours: 48, flowsPerHour: 5000, start: '2026-09-07T00:00:00Z' },
  { seed: 302, format: 'azure-nsg', hours: 48, flowsPerHour: 3000, start: '2026-09-12T06:00:00Z' },
  { seed: 303, format: 'aws-vpc', hours: 24, flowsPerHour: 10000, start: '2026-09-20T13:00:00Z' },
  { seed: 304, format: 'gcp-vpc', hours: 36, flowsPerHour: 2000, start: '2026-10-01T00:00:00Z' },
  { seed: 305, format: 'azure-vnet', hours: 72, flowsPerHour: 1500, start: '2026-10-10T18:00:00Z' },
  { seed: 306, format: 'csv-zip', hours: 96, flowsPerHour: 2500, start: '2026-10-19T00:00:00Z' },
  { seed: 307, format: 'aws-vpc', hours: 48, flowsPerHour: 800, start: '2026-10-24T09:00:00Z' },
  { seed: 308, format: 'csv-zip', hours: 24, flowsPerHour: 30000, start: '2026-11-01T00:00:00Z' },
  { seed: 309, format: 'azure-nsg', hours: 60, flowsPerHour: 6000, start: '2026-11-05T03:00:00Z' },
  { seed: 310, format: 'gcp-vpc', hours: 48, flowsPerHour: 4000, start: '2026-11-14T21:00:00Z' },
].slice(0, Number(process.env.BENCH_QUALITY_SCENARIOS ?? 10));

const reports = [];
const runs = [];
for (const sc of SCENARIOS) {
  const root = mkdtempSync(path.join(os.tmpdir(), `nf-bench-quality-${sc.seed}-`));
  try {
    const gen = await generateFlowLogs(localObjectWriter(path.join(root, 'source')), sc);
    await ingest({ source: path.join(root, 'source'), dataDir: path.join(root, 'data'), concurrency: 0 });
    const truth = JSON.parse(readFileSync(path.join(root, 'source', 'truth.json'), 'utf8'));
    const store = await FlowStore.open(path.join(root, 'data'));
    try {
      const t0 = performance.now();
      const found = await detectAnomalies(store);
      const ms = performance.now() - t0;
      const report = scoreAnomalies(found, truth);
      reports.push(report);
      runs.push({
        seed: sc.seed, format: sc.format, hours: sc.hours, 'flows/h': sc.flowsPerHour, flows: gen.flows, anomalies: found.length,
        'false pos.': report.falsePositives.length, missed: report.missed.length, 'detect ms': Math.round(ms),
      });
      console.log(`seed ${sc.seed} ${sc.format} ${sc.hours} h × ${sc.flowsPerHour}/h: ${found.length} anomalies, ${report.falsePositives.length} false positives, ${report.missed.length} missed, detection ${Math.round(ms)} ms`);
      for (const a of report.falsePositives) console.log(`  seed ${sc.seed} false positive: ${a.type}: ${a.summary}`);
      for (const m of report.missed) console.log(`  seed ${sc.seed} missed: ${m.kind} did not find ${m.label.type} (${m.label.start})`);
    } finally {
      store.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
console.log('Anomaly detection quality, per scenario:');
console.table(runs);
const merged = mergeQuality(reports);
const fmt = (v) => (v === null ? '-' : v.toFixed(3));
console.log(`Per detector type over ${SCENARIOS.length} unseen scenarios (targets: precision ≥ ${TARGET.precision}, recall ≥ ${TARGET.recall}):`);
console.table(
  ANOMALY_KINDS.map((kind) => {
    const s = merged.byKind[kind];
    const ok = (s.precision === null || s.precision >= TARGET.precision) && (s.recall === null || s.recall >= TARGET.recall);
    return { type: kind, detections: s.detections, 'true pos.': s.truePositives, precision: fmt(s.precision), expected: s.expected, found: s.found, recall: fmt(s.recall), target: ok ? 'met' : 'NOT met' };
  }),
);
