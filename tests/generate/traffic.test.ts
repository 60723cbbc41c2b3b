/** The traffic model itself: determinism, diurnal shape, heavy tails, service mix, truthful geography. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATE_FORMAT_IDS, TrafficModel, diurnalFactor, type GenerateFormatId, type GenFlow } from '../../src/generate/index.js';
import { PEER_COUNTRIES } from '../../src/generate/topology.js';
import { loadIpCountryDb, type IpCountryDb } from '../../src/sources/ip-country.js';
import { generateInto, listFiles, removeDir, tempDir } from './helpers.js';

const NO_ANOMALIES = Object.fromEntries(
  ['denied-spike', 'vertical-scan', 'horizontal-scan', 'persistent-connection', 'lateral-movement', 'exfiltration'].map((t) => [t, { enabled: false }]),
);

let db: IpCountryDb;
const perHour: number[] = [];
let flows: GenFlow[] = [];
let model: TrafficModel;

beforeAll(async () => {
  db = await loadIpCountryDb();
  model = new TrafficModel(db, { start: '2026-11-02T00:00:00Z', hours: 48, seed: 9, flowsPerHour: 2000, anomalies: NO_ANOMALIES });
  for (const h of model.hours()) {
    perHour.push(h.flows.length);
    for (let i = 1; i < h.flows.length; i++) expect(h.flows[i].time).toBeGreaterThanOrEqual(h.flows[i - 1].time);
    for (const f of h.flows) {
      expect(f.time).toBeGreaterThanOrEqual(h.start);
      expect(f.time).toBeLessThan(h.start + 3_600_000);
    }
    flows = flows.concat(h.flows);
  }
}, 60_000);

describe('diurnal pattern', () => {
  it('the hourly counts follow the curve: busiest afternoons, quiet nights, the mean as asked', () => {
    const mean = perHour.reduce((a, b) => a + b, 0) / perHour.length;
    expect(mean).toBeGreaterThan(1900);
    expect(mean).toBeLessThan(2100);
    const at = (hourOfDay: number) => (perHour[hourOfDay] + perHour[hourOfDay + 24]) / 2;
    expect(at(15)).toBeGreaterThan(3 * at(3));
    // Pearson correlation of counts with the curve
    const curve = perHour.map((_, h) => diurnalFactor(model.start + h * 3_600_000 + 1_800_000));
    const mc = curve.reduce((a, b) => a + b, 0) / curve.length;
    let num = 0;
    let dc = 0;
    let dn = 0;
    perHour.forEach((n, h) => {
      num += (n - mean) * (curve[h] - mc);
      dn += (n - mean) ** 2;
      dc += (curve[h] - mc) ** 2;
    });
    expect(num / Math.sqrt(dn * dc)).toBeGreaterThan(0.95);
  });
});

describe('baseline traffic', () => {
  it('external addresses are in the country the model says, per the IP-country data; internal ones are private (ZZ)', () => {
    let external = 0;
    for (const f of flows) {
      for (const [ip, cc] of [[f.srcIp, f.srcCountry], [f.dstIp, f.dstCountry]] as const) {
        if (cc === 'ZZ') {
          expect(ip.startsWith('10.')).toBe(true);
          expect(db.lookup(ip)).toBeNull();
        } else {
          external++;
          expect(db.lookup(ip), ip).toBe(cc);
        }
      }
    }
    expect(external).toBeGreaterThan(flows.length / 2);
    const countries = new Set(flows.flatMap((f) => [f.srcCountry, f.dstCountry]).filter((c) => c !== 'ZZ'));
    expect(countries.size).toBeGreaterThanOrEqual(28);
    for (const c of countries) expect(PEER_COUNTRIES.map(([k]) => k)).toContain(c);
  });

  it('talkers are heavy-tailed: the top 1% of external peers carry over a fifth of their flows', () => {
    const counts = new Map<string, number>();
    for (const f of flows) {
      const peer = f.srcCountry !== 'ZZ' ? f.srcIp : f.dstCountry !== 'ZZ' ? f.dstIp : null;
      if (peer) counts.set(peer, (counts.get(peer) ?? 0) + 1);
    }
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const total = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, Math.ceil(sorted.length / 100)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.2);
    const bytes = flows.map((f) => f.bytesSent + f.bytesReceived).sort((a, b) => b - a);
    const allBytes = bytes.reduce((a, b) => a + b, 0);
    expect(bytes.slice(0, Math.ceil(bytes.length / 100)).reduce((a, b) => a + b, 0) / allBytes).toBeGreaterThan(0.1);
  });

  it('has the service mix: protocols, well-known ports, ephemeral client ports, allow and deny, every flow state', () => {
    const protos = new Map<number, number>();
    for (const f of flows) protos.set(f.protocol, (protos.get(f.protocol) ?? 0) + 1);
    expect(protos.get(6)! / flows.length).toBeGreaterThan(0.7);
    expect(protos.get(17)).toBeGreaterThan(0);
    expect(protos.get(1)).toBeGreaterThan(0);
    const ports = new Set(flows.map((f) => f.dstPort));
    for (const p of [443, 80, 22, 3389, 53, 123, 1433, 5432, 6379, 8080, 25]) expect(ports, String(p)).toContain(p);
    for (const f of flows) {
      if (f.protocol === 1) expect([f.srcPort, f.dstPort]).toEqual([0, 0]);
      else if (f.direction === 'O' || f.srcCountry === 'ZZ') expect(f.srcPort).toBeGreaterThanOrEqual(32768);
      if (!f.allow) expect(f.state).toBe('D');
      if (f.state === 'B') expect(f.bytesSent + f.bytesReceived).toBe(0);
    }
    const denied = flows.filter((f) => !f.allow).length / flows.length;
    expect(denied).toBeGreaterThan(0.02);
    expect(denied).toBeLessThan(0.1);
    expect(new Set(flows.map((f) => f.state))).toEqual(new Set(['B', 'C', 'E', 'D']));
    expect(new Set(flows.map((f) => f.rule)).size).toBeGreaterThanOrEqual(6);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const first = (seed: number) => {
      const m = new TrafficModel(db, { start: '2026-11-02T10:00:00Z', hours: 1, seed, flowsPerHour: 500 });
      return JSON.stringify([...m.hours()].map((h) => h.flows.map((f) => [f.time, f.srcIp, f.dstIp, f.srcPort, f.dstPort, f.bytesSent])));
    };
    expect(first(1)).toBe(first(1));
    expect(first(1)).not.toBe(first(2));
  });

  it('floors the start to the hour, defaults it to the hours before now, and refuses bad options', () => {
    const m = new TrafficModel(db, { start: '2026-11-02T10:35:00Z', hours: 2 });
    expect(m.start).toBe(Date.parse('2026-11-02T10:00:00Z'));
    expect(m.end - m.start).toBe(2 * 3_600_000);
    const d = new TrafficModel(db, { hours: 3 });
    expect(d.end).toBe(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    expect(() => new TrafficModel(db, { hours: 0 })).toThrow(/hours must be/);
    expect(() => new TrafficModel(db, { flowsPerHour: -1 })).toThrow(/flows per hour/);
    expect(() => new TrafficModel(db, { seed: 1.5 })).toThrow(/seed must be/);
    expect(() => new TrafficModel(db, { start: 'yesterday' })).toThrow(/start is not a time/);
  });
});

describe('determinism of the written bytes', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));
  const write = async (format: GenerateFormatId, seed: number) => {
    const dir = tempDir(`det-${format}-${seed}`);
    dirs.push(dir);
    await generateInto(dir, { format, seed, hours: 2, flowsPerHour: 1500 });
    return new Map(listFiles(dir).map((k) => [k, readFileSync(path.join(dir, k))]));
  };

  it.each(GENERATE_FORMAT_IDS.map((f) => [f]))('%s: same seed → identical objects and bytes; another seed → different bytes', async (format) => {
    const a = await write(format, 5);
    const b = await write(format, 5);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, bytes] of a) expect(bytes.equals(b.get(k)!), k).toBe(true);
    const c = await write(format, 6);
    const differs = [...c].filter(([k, bytes]) => !a.get(k)?.equals(bytes)).length;
    expect(differs).toBeGreaterThan(0);
    expect(c.get('truth.json')!.equals(a.get('truth.json')!)).toBe(false);
  });
});
