/**
 * The detectors' rules on hand-written AWS VPC flow logs, where each case is built to sit on one side of a
 * rule: habitual fan-out (a jump host) against a burst, responses that must not count as probed ports,
 * persistence by one long record and by recurring intervals, internal against external severity.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../src/analytics/anomalies.js';
import type { Anomaly } from '../../src/analytics/anomaly-types.js';
import { ingest } from '../../src/ingest/ingest.js';
import { FlowStore } from '../../src/store/flow-store.js';

const T0 = Date.parse('2026-11-10T00:00:00Z') / 1000;
const HOUR = 3600;
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

interface Flow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  at: number;
  end?: number;
  packets?: number;
  action?: 'ACCEPT' | 'REJECT';
}
const flows: Flow[] = [];
const add = (f: Flow) => flows.push(f);

// A. 10.0.0.5 (a jump host) reaches 15 hosts on 22 every hour, then 60 in hour 8; 10.0.0.6 reaches 12 every
// hour; 10.0.0.9 reaches 12 hosts on 3389 once, in hour 3.
for (let h = 0; h <= 8; h++) {
  const n = h === 8 ? 60 : 15;
  for (let i = 1; i <= n; i++) add({ src: '10.0.0.5', dst: `10.0.${h === 8 ? 2 : 1}.${i}`, sport: 40000 + i, dport: 22, at: T0 + h * HOUR + i * 10, packets: 20 });
  for (let i = 1; i <= 12; i++) add({ src: '10.0.0.6', dst: `10.0.3.${i}`, sport: 41000 + i, dport: 22, at: T0 + h * HOUR + 600 + i, packets: 20 });
}
for (let i = 1; i <= 12; i++) add({ src: '10.0.0.9', dst: `10.0.4.${i}`, sport: 42000 + i, dport: 3389, at: T0 + 3 * HOUR + i * 30, packets: 30 });
// B. 80 responses of a web server to one client (service port → ephemeral ports), and a real vertical scan
for (let i = 0; i < 80; i++) add({ src: '10.0.0.20', dst: '10.0.0.30', sport: 443, dport: 40000 + i, at: T0 + HOUR + i * 20, packets: 8 });
for (let p = 1; p <= 60; p++) add({ src: '203.0.113.5', dst: '10.0.0.20', sport: 55555, dport: p, at: T0 + 2 * HOUR + p * 5, packets: 1, action: 'REJECT' });
// C. one record lasting two hours to an external address
add({ src: '10.0.0.40', dst: '8.8.4.4', sport: 50000, dport: 443, at: T0 + 4 * HOUR, end: T0 + 6 * HOUR, packets: 5000 });
// D. an internal 5-tuple every 10 minutes for three hours, one interval missing
for (let k = 0; k < 18; k++) if (k !== 9) add({ src: '10.0.0.41', dst: '10.0.0.42', sport: 40001, dport: 5432, at: T0 + k * 600 + 30, packets: 40 });
// E. an external address probing 25 hosts on 22, denied
for (let i = 1; i <= 25; i++) add({ src: '203.0.113.9', dst: `10.0.5.${i}`, sport: 50000 + i, dport: 22, at: T0 + 5 * HOUR + i * 7, packets: 1, action: 'REJECT' });

let root: string;
let store: FlowStore;
let found: Anomaly[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-anomaly-rules-'));
  const lines = flows
    .sort((a, b) => a.at - b.at)
    .map((f) => `2 123456789012 eni-0abc ${f.src} ${f.dst} ${f.sport} ${f.dport} 6 ${f.packets ?? 10} ${(f.packets ?? 10) * 500} ${f.at} ${f.end ?? f.at + 30} ${f.action ?? 'ACCEPT'} OK`);
  await writeFile(path.join(root, 'flows.log'), `${HEADER}\n${lines.join('\n')}\n`);
  await ingest({ source: path.join(root, 'flows.log'), dataDir: path.join(root, 'data'), concurrency: 0 });
  store = await FlowStore.open(path.join(root, 'data'));
  found = await detectAnomalies(store, {}, { types: ['vertical-scan', 'horizontal-scan', 'lateral-movement', 'persistent-connection'] });
}, 60_000);

afterAll(async () => {
  store?.close();
  await rm(root, { recursive: true, force: true });
});

const of = (type: Anomaly['type'], src: string) => found.filter((a) => a.type === type && a.entities.srcIps.includes(src));

describe('fan-out', () => {
  it('leaves a habitual fan-out alone and reports its window of three times the usual', () => {
    const jump = of('lateral-movement', '10.0.0.5');
    expect(jump).toHaveLength(1);
    expect(jump[0].evidence).toMatchObject({ maxTargetsPerWindow: 60, habitualFanout: 15 });
    expect(jump[0].start).toBe((T0 + 8 * HOUR + 10) * 1000);
    expect(of('lateral-movement', '10.0.0.6')).toEqual([]);
  });

  it('reports a one-off fan-out over the threshold', () => {
    const [a] = of('lateral-movement', '10.0.0.9');
    expect(a.evidence).toMatchObject({ maxTargetsPerWindow: 12, habitualFanout: null });
    expect(a.entities.ports).toEqual([3389]);
    expect(a.flows).toBe(12);
  });

  it('does not count responses as probed ports, and counts a scan', () => {
    expect(of('vertical-scan', '10.0.0.20')).toEqual([]);
    const [scan] = of('vertical-scan', '203.0.113.5');
    expect(scan.evidence).toMatchObject({ portCount: 60, denied: 60 });
    expect(scan.entities.dstIps).toEqual(['10.0.0.20']);
  });

  it('reports an external horizontal scan but not answered allowed fan-out', () => {
    const [h] = of('horizontal-scan', '203.0.113.9');
    expect(h.evidence.maxTargetsPerWindow).toBe(25);
    expect(h.entities.ports).toEqual([22]);
    expect(found.filter((a) => a.type === 'horizontal-scan')).toHaveLength(1);
  });
});

describe('persistence', () => {
  it('reports one record lasting longer than the minimum, with its external end', () => {
    const [p] = of('persistent-connection', '10.0.0.40');
    expect(p.evidence).toMatchObject({ longestRecordMinutes: 120, external: true, dstPort: 443 });
    expect(p.end - p.start).toBe(2 * HOUR * 1000);
    expect(p.severity).not.toBe('low');
    expect(p.entities.countries).toEqual(['US']);
  });

  it('reports a recurring internal 5-tuple across a missing interval, at low severity', () => {
    const [p] = of('persistent-connection', '10.0.0.41');
    expect(p.evidence).toMatchObject({ consecutiveIntervals: 18, external: false, srcPort: 40001, dstPort: 5432 });
    expect(p.severity).toBe('low');
    expect(p.flows).toBe(17);
  });

  it('needs the run to be long enough', async () => {
    const list = await detectAnomalies(store, {}, { types: ['persistent-connection'], thresholds: { persistentMinIntervals: 19, persistentMinDurationMinutes: 121 } });
    expect(list).toEqual([]);
  });
});
