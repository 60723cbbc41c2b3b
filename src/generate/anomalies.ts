/**
 * Injected, labelled anomalies. Each one has a window [start, end), the entities a detector should name,
 * and a generator of its flows for any slice of time (the writer works hour by hour). The truth written to
 * `truth.json` counts the flows actually generated.
 */
import type { IpCountryDb } from '../sources/ip-country.js';
import { finish, makeFlow, RULES } from './traffic.js';
import { Random } from './random.js';
import type { Host, Peer, Topology } from './topology.js';
import type { GenFlow } from './types.js';

export const ANOMALY_TYPES = [
  'denied-spike', 'vertical-scan', 'horizontal-scan', 'persistent-connection', 'lateral-movement', 'exfiltration',
] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export function isAnomalyType(s: string): s is AnomalyType {
  return (ANOMALY_TYPES as readonly string[]).includes(s);
}

/** One line of truth.json. */
export interface AnomalyTruth {
  type: AnomalyType;
  /** ISO 8601 UTC; the anomaly's flows all start in [start, end). */
  start: string;
  end: string;
  entities: { src_ips: string[]; dst_ips: string[]; ports: number[]; country?: string };
  description: string;
  /** Flow records of the anomaly in the data (every format writes one record per generated flow). */
  flows: number;
}

export interface AnomalyOptions {
  /** Start of the anomaly (epoch ms or ISO text); default: spread over the window. */
  start?: number | string;
  /** false leaves it out. */
  enabled?: boolean;
}

export interface AnomalySettings {
  /** Per type. */
  anomalies?: Partial<Record<AnomalyType, AnomalyOptions>>;
  /** Country of the exfiltration peer (default KP: rare in the baseline, present in the data). */
  exfiltrationCountry?: string;
}

/** Where each anomaly starts by default, as a fraction of the window, and how long it lasts. */
const DEFAULTS: Record<AnomalyType, { at: number; minutes: number }> = {
  'denied-spike': { at: 0.2, minutes: 30 },
  'vertical-scan': { at: 0.35, minutes: 10 },
  'horizontal-scan': { at: 0.5, minutes: 15 },
  'persistent-connection': { at: 0.55, minutes: 6 * 60 },
  'lateral-movement': { at: 0.7, minutes: 20 },
  exfiltration: { at: 0.85, minutes: 60 },
};

const MINUTE = 60_000;
const LATERAL_PORTS = [22, 3389, 445, 5985];
const SPIKE_PORTS = [22, 3389, 445, 23];
const BOTNET_COUNTRIES = ['CN', 'RU', 'BR', 'VN', 'IN', 'ID', 'TR', 'UA'];

export interface PlannedAnomaly {
  type: AnomalyType;
  start: number;
  end: number;
  truth: AnomalyTruth;
  /** Appends the anomaly's flows that start in [from, to) (a slice inside one hour). */
  generate(from: number, to: number, random: Random, out: GenFlow[]): void;
}

export function planAnomalies(
  topology: Topology, db: IpCountryDb, seed: number, windowStart: number, windowEnd: number,
  flowsPerHour: number, settings: AnomalySettings = {},
): PlannedAnomaly[] {
  const random = new Random(seed).fork('anomalies');
  const plans: PlannedAnomaly[] = [];
  const hosts = topology.hosts;
  const byRole = (role: Host['role']) => topology.byRole.get(role) as Host[];
  /** A new external address of a country, drawn from the anomaly's own generator. */
  const freshPeer = (r: Random, country: string): Peer => ({ ip: db.randomAddress(country, () => r.next()), country });
  for (const type of ANOMALY_TYPES) {
    const opt = settings.anomalies?.[type] ?? {};
    // draw the entities even when disabled, so that turning one off does not change the others
    const entitiesRandom = random.fork(type);
    if (opt.enabled === false) continue;
    const d = DEFAULTS[type];
    let start: number;
    if (opt.start === undefined) {
      // its place in the window, moved earlier if that leaves too little room for its duration
      start = windowStart + Math.floor(((windowEnd - windowStart) * d.at) / MINUTE) * MINUTE;
      start = Math.max(windowStart, Math.min(start, windowEnd - d.minutes * MINUTE));
    } else {
      start = Math.min(Math.max(toMs(opt.start), windowStart), windowEnd - MINUTE);
    }
    const end = Math.min(start + d.minutes * MINUTE, windowEnd);
    const r = entitiesRandom;
    const base = { type, start, end };
    const truth = (entities: AnomalyTruth['entities'], description: string): AnomalyTruth => ({
      type, start: new Date(start).toISOString(), end: new Date(end).toISOString(), entities, description, flows: 0,
    });
    const span = end - start;
    switch (type) {
      case 'denied-spike': {
        const target = r.pick(byRole('web'));
        const bots: Peer[] = [];
        for (let i = 0; i < 150; i++) bots.push(freshPeer(r, BOTNET_COUNTRIES[i % BOTNET_COUNTRIES.length]));
        const rate = Math.max(3000, flowsPerHour * 1.5) / (30 * MINUTE); // flows per ms
        plans.push({
          ...base,
          truth: truth(
            { src_ips: unique(bots.map((b) => b.ip)), dst_ips: [target.ip], ports: [...SPIKE_PORTS].sort((a, b) => a - b) },
            `denied-flow spike: ${bots.length} external addresses hammer ${target.ip} on ${SPIKE_PORTS.join('/')}, all denied by ${RULES.denyAllIn}`,
          ),
          generate(from, to, rg, out) {
            const n = rg.poisson(rate * (to - from));
            for (let i = 0; i < n; i++) {
              const b = rg.pick(bots);
              const f = makeFlow(from + Math.floor(rg.next() * (to - from)), target, 'I', b.ip, b.country, rg.int(1024, 65535), target.ip, 'ZZ', rg.pick(SPIKE_PORTS), 6, false, RULES.denyAllIn);
              out.push(finish(f, rg, 0, 0));
            }
          },
        });
        break;
      }
      case 'vertical-scan': {
        const target = r.pick(byRole('web'));
        const scanner = freshPeer(r, r.pick(['RU', 'CN', 'NL', 'US']));
        const ports = Array.from({ length: 1024 }, (_, i) => i + 1);
        // each port probed once, in a shuffled order, evenly over the window
        const order = shuffle(ports.slice(), r);
        const srcPort = r.int(40000, 60000);
        plans.push({
          ...base,
          truth: truth(
            { src_ips: [scanner.ip], dst_ips: [target.ip], ports, country: scanner.country },
            `vertical port scan: ${scanner.ip} probes ports 1-1024 of ${target.ip} (one SYN each, denied except 80/443)`,
          ),
          generate(from, to, rg, out) {
            order.forEach((port, i) => {
              const t = start + Math.floor((i * span) / order.length);
              if (t < from || t >= to) return;
              const allow = port === 80 || port === 443;
              const f = makeFlow(t, target, 'I', scanner.ip, scanner.country, srcPort, target.ip, 'ZZ', port, 6, allow, allow ? RULES.allowHttpsIn : RULES.denyAllIn);
              out.push(finish(f, rg, 60, allow ? 60 : 0, allow ? 'E' : undefined));
            });
          },
        });
        break;
      }
      case 'horizontal-scan': {
        const scanner = freshPeer(r, r.pick(['CN', 'RU', 'KR', 'BR']));
        const port = 3389;
        const targets = shuffle(hosts.slice(), r);
        plans.push({
          ...base,
          truth: truth(
            { src_ips: [scanner.ip], dst_ips: targets.map((h) => h.ip).sort(), ports: [port], country: scanner.country },
            `horizontal scan: ${scanner.ip} probes TCP ${port} on all ${targets.length} internal hosts, twice each, denied`,
          ),
          generate(from, to, rg, out) {
            for (let k = 0; k < targets.length * 2; k++) {
              const t = start + Math.floor((k * span) / (targets.length * 2));
              if (t < from || t >= to) continue;
              const h = targets[k % targets.length];
              const f = makeFlow(t, h, 'I', scanner.ip, scanner.country, rg.int(40000, 60000), h.ip, 'ZZ', port, 6, false, RULES.denyAllIn);
              out.push(finish(f, rg, 0, 0));
            }
          },
        });
        break;
      }
      case 'persistent-connection': {
        const host = r.pick(byRole('worker'));
        const c2 = freshPeer(r, r.pick(['RO', 'MD', 'SC', 'PA']));
        const srcPort = r.int(49152, 65535);
        const dstPort = 8443;
        plans.push({
          ...base,
          truth: truth(
            { src_ips: [host.ip], dst_ips: [c2.ip], ports: [dstPort], country: c2.country },
            `persistent connection: ${host.ip}:${srcPort} → ${c2.ip}:${dstPort} (same 5-tuple) reported every minute for ${Math.round(span / MINUTE)} minutes`,
          ),
          generate(from, to, rg, out) {
            const minutes = Math.ceil(span / MINUTE);
            for (let m = 0; m < minutes; m++) {
              const t = start + m * MINUTE + 1000; // one observation per interval, a second into it
              if (t < from || t >= to || t >= end) continue;
              const state = m === 0 ? 'B' : m === minutes - 1 ? 'E' : 'C';
              const f = makeFlow(t, host, 'O', host.ip, 'ZZ', srcPort, c2.ip, c2.country, dstPort, 6, true, RULES.allowInternetOut);
              finish(f, rg, 1500, 900, state);
              f.duration = 59_000;
              out.push(f);
            }
          },
        });
        break;
      }
      case 'lateral-movement': {
        const source = r.pick(byRole('app'));
        const targets = shuffle(hosts.filter((h) => h !== source), r).slice(0, 40);
        const probes: { host: Host; port: number }[] = [];
        for (const h of targets) for (const p of shuffle(LATERAL_PORTS.slice(), r).slice(0, r.int(1, 3))) probes.push({ host: h, port: p });
        plans.push({
          ...base,
          truth: truth(
            { src_ips: [source.ip], dst_ips: targets.map((h) => h.ip).sort(), ports: unique(probes.map((p) => p.port)).sort((a, b) => a - b) },
            `lateral movement: ${source.ip} connects to ${targets.length} internal hosts on 22/3389/445/5985 (${probes.length} connections)`,
          ),
          generate(from, to, rg, out) {
            probes.forEach((p, k) => {
              const t = start + Math.floor((k * span) / probes.length);
              if (t < from || t >= to) return;
              const f = makeFlow(t, p.host, 'I', source.ip, 'ZZ', rg.int(49152, 65535), p.host.ip, 'ZZ', p.port, 6, true, RULES.allowVnetIn);
              out.push(finish(f, rg, 3000, 5000, 'E'));
            });
          },
        });
        break;
      }
      case 'exfiltration': {
        const country = settings.exfiltrationCountry ?? 'KP';
        const source = r.pick(byRole('sql'));
        const dest = freshPeer(r, country);
        const count = 40;
        plans.push({
          ...base,
          truth: truth(
            { src_ips: [source.ip], dst_ips: [dest.ip], ports: [443], country },
            `exfiltration: ${source.ip} uploads ${count} large transfers (100 MB-1 GB each) to ${dest.ip} in ${country}, a country not otherwise seen`,
          ),
          generate(from, to, rg, out) {
            for (let k = 0; k < count; k++) {
              const t = start + Math.floor((k * span) / count);
              if (t < from || t >= to) continue;
              const f = makeFlow(t, source, 'O', source.ip, 'ZZ', rg.int(49152, 65535), dest.ip, country, 443, 6, true, RULES.allowInternetOut);
              f.state = 'E';
              f.duration = rg.int(30_000, 59_000);
              f.bytesSent = rg.int(100_000_000, 1_000_000_000);
              f.packetsSent = Math.ceil(f.bytesSent / 1400);
              f.bytesReceived = Math.ceil(f.bytesSent / 50);
              f.packetsReceived = Math.ceil(f.packetsSent / 2);
              out.push(f);
            }
          },
        });
        break;
      }
    }
  }
  return plans;
}

function toMs(v: number | string): number {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${String(v)}`);
  return ms;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function shuffle<T>(xs: T[], r: Random): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
