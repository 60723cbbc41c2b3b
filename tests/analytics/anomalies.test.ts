/**
 * detectAnomalies on generated flow logs with labelled anomalies: each injected anomaly is found with the
 * right entities, the evidence agrees with a plain loop over the parsed records, every record's drill-down
 * filter selects exactly its `flows`, and the options (types, thresholds, baseline, maxAnomalies) work.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyCounts, anomalyTimeline, detectAnomalies } from '../../src/analytics/anomalies.js';
import { ANOMALY_KINDS, SEVERITIES, type Anomaly, type AnomalyKind } from '../../src/analytics/anomaly-types.js';
import { scoreAnomalies, type LabelledAnomaly } from '../../src/analytics/anomaly-score.js';
import type { Filter } from '../../src/model/filter.js';
import type { FlowRecord } from '../../src/model/index.js';
import { NetworkflowError } from '../../src/model/errors.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { buildAnalyticsLake, matchesFilter, type AnalyticsLake } from '../helpers/analytics-lake.js';

type Rec = FlowRecord & { timestamp: number };
const HOUR = 3_600_000;

let lake: AnalyticsLake;
let store: FlowStore;
let truth: (LabelledAnomaly & { type: string; start: string; end: string })[];
let found: Anomaly[];

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 48, flowsPerHour: 1500, seed: 31, start: '2026-11-02T00:00:00Z' });
  truth = JSON.parse(await readFile(path.join(lake.dataDir, '..', 'source', 'truth.json'), 'utf8')) as typeof truth;
  store = await FlowStore.open(lake.dataDir);
  found = await detectAnomalies(store);
}, 120_000);

afterAll(async () => {
  store?.close();
  await lake?.cleanup();
});

const label = (type: string) => {
  const l = truth.find((t) => t.type === type);
  if (!l) throw new Error(`no ${type} in truth.json`);
  return { ...l, since: Date.parse(l.start), until: Date.parse(l.end) };
};
const only = (type: AnomalyKind, pick: (a: Anomaly) => boolean = () => true) => {
  const list = found.filter((a) => a.type === type && pick(a));
  expect(list, `${type} detections`).toHaveLength(1);
  return list[0];
};

/** The Filter semantics anomaly filters use (ip with side, port on the destination, country, decision, time), written apart from filter-sql.ts. */
function selects(r: Rec, f: Filter): boolean {
  const { port, country, ...rest } = f;
  if (port && (r.dst_port === null || !port.includes(r.dst_port))) return false;
  if (country && !country.includes(r.geo_src ?? '') && !country.includes(r.geo_dst ?? '')) return false;
  return matchesFilter(r, rest);
}

describe('on generated data with labelled anomalies', () => {
  it('finds every labelled anomaly and nothing else', () => {
    const report = scoreAnomalies(found, truth);
    expect(report.falsePositives.map((a) => a.summary)).toEqual([]);
    expect(report.missed.map((m) => `${m.kind} missed ${m.label.type}`)).toEqual([]);
    for (const kind of ANOMALY_KINDS) expect(report.byKind[kind].detections, kind).toBeGreaterThan(0);
  });

  it('denied spike: the target, and the denied flows of the window counted as a loop counts them', () => {
    const l = label('denied-spike');
    const a = only('denied-spike');
    expect(a.entities.dstIps).toContain(l.entities.dst_ips[0]);
    expect(a.start).toBeLessThanOrEqual(l.since);
    expect(a.end).toBeGreaterThanOrEqual(l.until);
    const denied = lake.records.filter((r) => r.flow_decision === 'Deny' && r.timestamp >= a.start && r.timestamp < a.end).length;
    expect(a.evidence.observed).toBe(denied);
    expect(a.filter).toMatchObject({ decision: ['Deny'], since: a.start, until: a.end });
    // the bots: most of the named sources are the labelled ones
    expect(a.entities.srcIps.filter((ip) => l.entities.src_ips.includes(ip)).length).toBeGreaterThan(0);
  });

  it('vertical scan: scanner, target and the number of distinct ports probed', () => {
    const l = label('vertical-scan');
    const a = only('vertical-scan');
    expect(a.entities.srcIps).toEqual(l.entities.src_ips);
    expect(a.entities.dstIps).toEqual(l.entities.dst_ips);
    const mine = lake.records.filter((r) => r.src_ip === l.entities.src_ips[0] && r.dst_ip === l.entities.dst_ips[0]);
    expect(a.evidence.portCount).toBe(new Set(mine.map((r) => r.dst_port)).size);
    expect(a.start).toBe(Math.min(...mine.map((r) => r.timestamp)));
    expect(a.end).toBe(Math.floor(Math.max(...mine.map((r) => r.timestamp)) / 1000) * 1000 + 1000);
    expect(a.severity).not.toBe('low');
  });

  it('horizontal scan: scanner, port, and the most hosts probed in one window', () => {
    const l = label('horizontal-scan');
    const a = only('horizontal-scan');
    expect(a.entities.srcIps).toEqual(l.entities.src_ips);
    expect(a.entities.ports).toEqual(l.entities.ports);
    const perHour = new Map<number, Set<string>>();
    for (const r of lake.records) {
      if (r.src_ip !== l.entities.src_ips[0] || r.dst_port !== l.entities.ports?.[0]) continue;
      const w = Math.floor(r.timestamp / HOUR);
      perHour.set(w, (perHour.get(w) ?? new Set()).add(r.dst_ip as string));
    }
    expect(a.evidence.maxTargetsPerWindow).toBe(Math.max(...[...perHour.values()].map((s) => s.size)));
    expect(a.entities.dstIps.every((ip) => l.entities.dst_ips.includes(ip))).toBe(true);
  });

  it('persistent connection: the 5-tuple and its consecutive 10-minute intervals', () => {
    const l = label('persistent-connection');
    const a = only('persistent-connection');
    expect(a.entities).toMatchObject({ srcIps: l.entities.src_ips, dstIps: l.entities.dst_ips, ports: l.entities.ports });
    const tuple = lake.records.filter((r) => r.src_ip === l.entities.src_ips[0] && r.dst_ip === l.entities.dst_ips[0]);
    const intervals = new Set(tuple.map((r) => Math.floor(r.timestamp / 600_000)));
    expect(a.evidence.consecutiveIntervals).toBe(Math.max(...intervals) - Math.min(...intervals) + 1);
    expect(a.evidence.external).toBe(true);
    expect(a.entities.countries).toEqual([l.entities.country]);
  });

  it('lateral movement: the internal source and the hosts it reached on admin ports', () => {
    const l = label('lateral-movement');
    const a = only('lateral-movement');
    expect(a.entities.srcIps).toEqual(l.entities.src_ips);
    expect(a.entities.ports).toEqual(l.entities.ports);
    expect(a.severity === 'high' || a.severity === 'critical').toBe(true);
    const reached = new Set(lake.records.filter((r) => r.src_ip === l.entities.src_ips[0] && [22, 3389, 445, 5985, 5986].includes(r.dst_port ?? -1)).map((r) => r.dst_ip));
    expect(reached.size).toBe(l.entities.dst_ips.length);
  });

  it('exfiltration: a bytes spike from the source, a rare country and a new external talker', () => {
    const l = label('exfiltration');
    const spike = only('traffic-spike', (a) => a.start < l.until && a.end > l.since);
    expect(spike.evidence.measure).toBe('bytes');
    expect(spike.entities.srcIps[0]).toBe(l.entities.src_ips[0]);
    const rare = only('rare-country', (a) => a.entities.countries.includes(l.entities.country as string));
    const toCountry = lake.records.filter((r) => r.geo_dst === l.entities.country);
    expect(rare.evidence.flows).toBe(toCountry.length);
    expect(rare.evidence.baselineFlows).toBe(0);
    const talker = only('new-external-talker', (a) => a.entities.dstIps.includes(l.entities.dst_ips[0]));
    expect(talker.evidence.bytes).toBe(toCountry.reduce((s, r) => s + (r.bytes ?? 0), 0));
    expect(talker.severity).toBe('critical');
  });

  it("every record's filter selects exactly its flows, within its window", () => {
    for (const a of found) {
      const loop = lake.records.filter((r) => selects(r, a.filter)).length;
      expect(a.flows, a.summary).toBe(loop);
      expect(a.flows).toBeGreaterThan(0);
      expect(a.filter.since).toBe(a.start);
      expect(a.filter.until).toBe(a.end);
    }
  });

  it('records are well formed, unique and strongest first', () => {
    expect(new Set(found.map((a) => a.id)).size).toBe(found.length);
    for (let i = 1; i < found.length; i++) expect(found[i - 1].score).toBeGreaterThanOrEqual(found[i].score);
    for (const a of found) {
      expect(a.start).toBeLessThan(a.end);
      expect(a.score).toBeGreaterThanOrEqual(1);
      expect(SEVERITIES).toContain(a.severity);
      expect(a.summary.length).toBeGreaterThan(10);
      expect([...a.entities.srcIps].sort()).toEqual(a.entities.srcIps);
    }
  });

  it('is deterministic', async () => {
    expect(await detectAnomalies(store)).toEqual(found);
  });

  it('summarises counts and timestamps', () => {
    const timeline = anomalyTimeline(found);
    expect(timeline.count).toBe(found.length);
    expect(timeline.timestamps).toEqual(found.map((a) => a.start).sort((x, y) => x - y));
    const counts = anomalyCounts(found);
    expect(Object.values(counts.byType).reduce((s, n) => s + n, 0)).toBe(found.length);
    expect(counts.byType['vertical-scan']).toBe(1);
    expect(Object.keys(counts.bySeverity)).toEqual([...SEVERITIES]);
  });
});

describe('options', () => {
  it('runs only the detectors asked; a denied spike that a scan explains shows when scans are not asked', async () => {
    const scanTime = label('vertical-scan');
    const deniedOnly = await detectAnomalies(store, {}, { types: ['denied-spike'] });
    expect(new Set(deniedOnly.map((a) => a.type))).toEqual(new Set(['denied-spike']));
    const atScan = (list: Anomaly[]) => list.filter((a) => a.type === 'denied-spike' && a.start < scanTime.until && a.end > scanTime.since);
    expect(atScan(deniedOnly)).toHaveLength(1);
    expect(atScan(deniedOnly)[0].entities.srcIps[0]).toBe(scanTime.entities.src_ips[0]);
    expect(atScan(found)).toHaveLength(0);
  });

  it('takes thresholds, and rejects unknown or invalid ones', async () => {
    const strict = await detectAnomalies(store, {}, { types: ['vertical-scan', 'lateral-movement'], thresholds: { verticalMinPorts: 5000, lateralMinHosts: 41 } });
    expect(strict).toEqual([]);
    await expect(detectAnomalies(store, {}, { thresholds: { nope: 1 } as never })).rejects.toThrow(/nope.*does not exist/);
    await expect(detectAnomalies(store, {}, { thresholds: { spikeMinZ: -1 } })).rejects.toThrow(NetworkflowError);
    await expect(detectAnomalies(store, {}, { thresholds: { baselineFraction: 1.5 } })).rejects.toThrow(/baselineFraction/);
    await expect(detectAnomalies(store, {}, { thresholds: { spikeBucketMinutes: 7 } })).rejects.toThrow(/divide a day/);
    await expect(detectAnomalies(store, {}, { thresholds: { lateralPorts: [] } })).rejects.toThrow(/lateralPorts/);
    await expect(detectAnomalies(store, {}, { types: ['nope' as AnomalyKind] })).rejects.toThrow(/anomaly type 'nope' does not exist/);
  });

  it('keeps the strongest maxAnomalies', async () => {
    const top = await detectAnomalies(store, {}, { thresholds: { maxAnomalies: 3 } });
    expect(top).toEqual(found.slice(0, 3));
  });

  it('compares novelty with an explicit baseline', async () => {
    const l = label('exfiltration');
    // a baseline that contains the exfiltration: its country and address are no longer new
    const list = await detectAnomalies(store, {}, { types: ['rare-country', 'new-external-talker'], baseline: { since: l.since, until: l.until } });
    expect(list.some((a) => a.entities.countries.includes(l.entities.country as string))).toBe(false);
    await expect(detectAnomalies(store, {}, { baseline: { since: 5, until: 5 } })).rejects.toThrow(/baseline/);
  });

  it('takes the baseline from earlier data when the analysed window starts late enough', async () => {
    const l = label('exfiltration');
    const since = Date.parse('2026-11-03T00:00:00Z');
    const rares = await detectAnomalies(store, { since }, { types: ['rare-country'] });
    const rare = rares.find((a) => a.entities.countries.includes(l.entities.country as string));
    // the data before the window (a day; up to 7 are looked at) is the baseline, the whole window is examined
    const first = Math.min(...lake.records.filter((r) => r.timestamp >= since).map((r) => r.timestamp));
    expect(rare?.summary).toContain(`(${new Date(first - 7 * 24 * HOUR).toISOString().replace('.000Z', 'Z')} – ${new Date(first).toISOString().replace('.000Z', 'Z')})`);
    const talkers = await detectAnomalies(store, { since }, { types: ['new-external-talker'] });
    const c2 = label('persistent-connection').entities.dst_ips[0];
    expect(talkers.some((a) => a.entities.dstIps.includes(c2))).toBe(true);
  });

  it('analyses only the filtered flows and narrows each drill-down inside the filter', async () => {
    const l = label('vertical-scan');
    const target = l.entities.dst_ips[0];
    const filter: Filter = { ip: [target], ipSide: 'dst', since: Date.parse('2026-11-02T12:00:00Z'), until: Date.parse('2026-11-03T00:00:00Z') };
    const list = await detectAnomalies(store, filter, { types: ['vertical-scan'] });
    expect(list).toHaveLength(1);
    // the analysis filter's ip stays (one condition per field); the window narrows to the scan
    expect(list[0].filter).toMatchObject({ ip: [target], ipSide: 'dst', since: list[0].start, until: list[0].end });
    expect(list[0].flows).toBe(lake.records.filter((r) => selects(r, list[0].filter)).length);
    expect(await detectAnomalies(store, { ...filter, since: 0, until: 1 })).toEqual([]);
  });
});
