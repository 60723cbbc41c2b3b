/**
 * Detection quality on generated scenarios the detectors were not tuned on (seeds 211 and 212; tuning used
 * seeds 101-127 and 201, whose one false positive led to bytes spikes needing three buckets): per detector
 * type, precision ≥ 0.95 and recall ≥ 0.9 against the generator's truth.json, on each seed and over both.
 * `npm run bench` measures the same on ten more unseen seeds (301-310) and prints the table.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../src/analytics/anomalies.js';
import { mergeQuality, scoreAnomalies, type LabelledAnomaly, type QualityReport } from '../../src/analytics/anomaly-score.js';
import { ANOMALY_KINDS } from '../../src/analytics/anomaly-types.js';
import { generateFlowLogs, localObjectWriter, type GenerateFormatId } from '../../src/generate/index.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FlowStore } from '../../src/store/flow-store.js';

const PRECISION_FLOOR = 0.95;
const RECALL_FLOOR = 0.9;

const SCENARIOS: { seed: number; format: GenerateFormatId; hours: number; flowsPerHour: number }[] = [
  { seed: 211, format: 'csv-zip', hours: 48, flowsPerHour: 2000 },
  { seed: 212, format: 'aws-vpc', hours: 24, flowsPerHour: 3000 },
];

const roots: string[] = [];
const reports: QualityReport[] = [];

afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

function assertFloors(report: QualityReport, where: string): void {
  for (const kind of ANOMALY_KINDS) {
    const s = report.byKind[kind];
    expect(s.expected + s.detections, `${where}: ${kind} was neither expected nor detected`).toBeGreaterThan(0);
    if (s.precision !== null) expect(s.precision, `${where}: ${kind} precision (${s.truePositives}/${s.detections})`).toBeGreaterThanOrEqual(PRECISION_FLOOR);
    if (s.recall !== null) expect(s.recall, `${where}: ${kind} recall (${s.found}/${s.expected})`).toBeGreaterThanOrEqual(RECALL_FLOOR);
  }
}

describe('anomaly detection quality on unseen seeds', () => {
  for (const sc of SCENARIOS) {
    it(`seed ${sc.seed} (${sc.format}, ${sc.hours} h × ${sc.flowsPerHour} flows/h) meets the floors`, async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), `nf-quality-${sc.seed}-`));
      roots.push(root);
      await generateFlowLogs(localObjectWriter(path.join(root, 'source')), { ...sc, start: '2026-10-05T00:00:00Z' });
      await ingest({ source: path.join(root, 'source'), dataDir: path.join(root, 'data'), concurrency: 0 });
      const truth = JSON.parse(await readFile(path.join(root, 'source', 'truth.json'), 'utf8')) as LabelledAnomaly[];
      const store = await FlowStore.open(path.join(root, 'data'));
      try {
        const report = scoreAnomalies(await detectAnomalies(store), truth);
        reports.push(report);
        assertFloors(report, `seed ${sc.seed}`);
      } finally {
        store.close();
      }
    }, 120_000);
  }

  it('meets the floors over both seeds, every labelled type expected', () => {
    expect(reports).toHaveLength(SCENARIOS.length);
    const merged = mergeQuality(reports);
    assertFloors(merged, 'both seeds');
    for (const kind of ANOMALY_KINDS) expect(merged.byKind[kind].expected, kind).toBeGreaterThanOrEqual(SCENARIOS.length);
  });
});
