/** Every labelled anomaly is in the data where truth.json says, read back through the CSV parser. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_TYPES, type AnomalyTruth, type AnomalyType, type GenerateSummary } from '../../src/generate/index.js';
import type { FlowRecord } from '../../src/model/index.js';
import { generateInto, readBack, removeDir, tempDir } from './helpers.js';

const HOURS = 12;
let dir = '';
let summary: GenerateSummary;
let records: FlowRecord[] = [];

beforeAll(async () => {
  dir = tempDir('anomalies');
  summary = await generateInto(dir, { hours: HOURS, seed: 3, flowsPerHour: 2000, format: 'csv-zip' });
  const rb = await readBack(dir);
  expect(rb.diagnostics).toEqual([]);
  records = rb.records;
}, 60_000);
afterAll(() => removeDir(dir));

const truthOf = (type: AnomalyType): AnomalyTruth => summary.anomalies.find((a) => a.type === type)!;
const inWindow = (a: AnomalyTruth) => (r: FlowRecord) => (r.timestamp as number) >= Date.parse(a.start) && (r.timestamp as number) < Date.parse(a.end);
const MINUTE = 60_000;

describe('truth.json', () => {
  it('lists every anomaly type once, inside the window, with flows counted', () => {
    expect(summary.anomalies.map((a) => a.type)).toEqual([...ANOMALY_TYPES]);
    const w0 = Date.parse('2026-11-02T00:00:00Z');
    for (const a of summary.anomalies) {
      expect(Date.parse(a.start)).toBeGreaterThanOrEqual(w0);
      expect(Date.parse(a.end)).toBeLessThanOrEqual(w0 + HOURS * 3_600_000);
      expect(Date.parse(a.end)).toBeGreaterThan(Date.parse(a.start));
      expect(a.flows, a.type).toBeGreaterThan(0);
      expect(a.entities.src_ips.length).toBeGreaterThan(0);
      expect(a.entities.dst_ips.length).toBeGreaterThan(0);
      expect(a.entities.ports.length).toBeGreaterThan(0);
      expect(a.description.length).toBeGreaterThan(20);
    }
    // spread over the window in the default order
    const starts = summary.anomalies.map((a) => Date.parse(a.start));
    expect([...starts].sort((x, y) => x - y)).toEqual(starts);
  });
});

describe('the anomalies are in the data', () => {
  it('denied-flow spike: every labelled flow is a deny from a listed source to the target, far above the usual deny rate', () => {
    const a = truthOf('denied-spike');
    const bots = new Set(a.entities.src_ips);
    const hits = records.filter((r) => inWindow(a)(r) && bots.has(r.src_ip!) && a.entities.dst_ips.includes(r.dst_ip!));
    expect(hits.length).toBe(a.flows);
    expect(hits.every((r) => r.flow_decision === 'Deny' && a.entities.ports.includes(r.dst_port!))).toBe(true);
    expect(hits.length).toBeGreaterThanOrEqual(3000);
    const deniesIn = (from: number, to: number) => records.filter((r) => r.flow_decision === 'Deny' && r.timestamp! >= from && r.timestamp! < to).length;
    const s = Date.parse(a.start);
    const e = Date.parse(a.end);
    expect(deniesIn(s, e)).toBeGreaterThan(5 * deniesIn(s - 2 * (e - s), s - (e - s)));
  });

  it('vertical scan: the source hits at least 1000 distinct ports of the one host within the window', () => {
    const a = truthOf('vertical-scan');
    const hits = records.filter((r) => inWindow(a)(r) && r.src_ip === a.entities.src_ips[0] && r.dst_ip === a.entities.dst_ips[0]);
    expect(new Set(hits.map((r) => r.dst_port)).size).toBeGreaterThanOrEqual(1000);
    expect(hits.length).toBe(a.flows);
    // and not outside its window
    expect(records.filter((r) => !inWindow(a)(r) && r.src_ip === a.entities.src_ips[0]).length).toBe(0);
  });

  it('horizontal scan: the source probes every listed host on the one port', () => {
    const a = truthOf('horizontal-scan');
    const hits = records.filter((r) => inWindow(a)(r) && r.src_ip === a.entities.src_ips[0] && r.dst_port === a.entities.ports[0]);
    expect(new Set(hits.map((r) => r.dst_ip))).toEqual(new Set(a.entities.dst_ips));
    expect(a.entities.dst_ips.length).toBeGreaterThanOrEqual(80);
    expect(hits.every((r) => r.flow_decision === 'Deny')).toBe(true);
  });

  it('persistent connection: the same 5-tuple in every minute of the window', () => {
    const a = truthOf('persistent-connection');
    const hits = records.filter((r) => r.src_ip === a.entities.src_ips[0] && r.dst_ip === a.entities.dst_ips[0] && r.dst_port === a.entities.ports[0]);
    const minutes = (Date.parse(a.end) - Date.parse(a.start)) / MINUTE;
    expect(minutes).toBe(360);
    expect(hits.length).toBe(minutes);
    expect(new Set(hits.map((r) => Math.floor(r.timestamp! / MINUTE))).size).toBe(minutes);
    expect(new Set(hits.map((r) => r.src_port)).size).toBe(1);
    expect(hits.every(inWindow(a))).toBe(true);
    expect(hits[0].geo_dst).toBe(a.entities.country);
  });

  it('lateral movement: one internal host to many internal hosts on 22/3389/445/5985', () => {
    const a = truthOf('lateral-movement');
    const hits = records.filter((r) => inWindow(a)(r) && r.src_ip === a.entities.src_ips[0] && [22, 3389, 445, 5985].includes(r.dst_port!));
    expect(new Set(hits.map((r) => r.dst_ip))).toEqual(new Set(a.entities.dst_ips));
    expect(a.entities.dst_ips.length).toBe(40);
    expect(hits.every((r) => r.dst_ip!.startsWith('10.') && r.geo_dst === 'ZZ')).toBe(true);
    expect(hits.length).toBe(a.flows);
  });

  it('exfiltration: gigabytes to a country no other flow goes to', () => {
    const a = truthOf('exfiltration');
    expect(a.entities.country).toBe('KP');
    const hits = records.filter((r) => r.dst_ip === a.entities.dst_ips[0]);
    expect(hits.length).toBe(a.flows);
    expect(hits.every((r) => inWindow(a)(r) && r.src_ip === a.entities.src_ips[0] && r.geo_dst === 'KP')).toBe(true);
    expect(hits.reduce((n, r) => n + r.bytes, 0)).toBeGreaterThan(4e9);
    expect(records.filter((r) => r.geo_dst === 'KP' || r.geo_src === 'KP').length).toBe(hits.length);
  });
});

describe('anomaly options', () => {
  it('moves an anomaly to a given start, leaves one out, and keeps the others where they were', async () => {
    const d = tempDir('anomaly-options');
    try {
      const s = await generateInto(d, {
        hours: HOURS, seed: 3, flowsPerHour: 0, format: 'csv-zip', exfiltrationCountry: 'IR',
        anomalies: { 'vertical-scan': { start: '2026-11-02T01:00:00Z' }, 'horizontal-scan': { enabled: false } },
      });
      expect(s.anomalies.map((a) => a.type)).not.toContain('horizontal-scan');
      const v = s.anomalies.find((a) => a.type === 'vertical-scan')!;
      expect(v.start).toBe('2026-11-02T01:00:00.000Z');
      expect(v.entities).toEqual(truthOf('vertical-scan').entities);
      expect(s.anomalies.find((a) => a.type === 'lateral-movement')).toEqual(truthOf('lateral-movement'));
      expect(s.anomalies.find((a) => a.type === 'exfiltration')!.entities.country).toBe('IR');
      // with no baseline traffic, the data is exactly the anomalies
      expect(s.flows).toBe(s.anomalies.reduce((n, a) => n + a.flows, 0));
      // a start outside the window is clamped into it
      const c = await generateInto(d, { hours: 2, seed: 3, flowsPerHour: 0, anomalies: { exfiltration: { start: '2020-01-01T00:00:00Z' } } });
      expect(c.anomalies.find((a) => a.type === 'exfiltration')!.start).toBe('2026-11-02T00:00:00.000Z');
    } finally {
      removeDir(d);
    }
  });

  it('rejects an unknown exfiltration country and an unreadable start', async () => {
    const d = tempDir('anomaly-bad');
    try {
      await expect(generateInto(d, { hours: 1, flowsPerHour: 0, exfiltrationCountry: 'QQ' })).rejects.toThrow(/cannot place the anomalies.*'QQ'/);
      await expect(generateInto(d, { hours: 1, flowsPerHour: 0, anomalies: { exfiltration: { start: 'soon' } } })).rejects.toThrow(/not a time: soon/);
    } finally {
      removeDir(d);
    }
  });
});
