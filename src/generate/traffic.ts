/**
 * Baseline traffic: flows per hour following a diurnal curve, a mix of services with realistic protocols and
 * ports, heavy-tailed talkers (Zipf over peers) and sizes (Pareto), and allow/deny decided by each NSG's rules.
 */
import type { Host, Peer, Role, Topology } from './topology.js';
import type { GenFlow, Protocol, StateLetter } from './types.js';
import { Random, WeightedPicker } from './random.js';

export const HOUR_MS = 3_600_000;

/** Relative traffic rate at a time: mean 1 over a day, peak ~15:00 UTC, trough ~03:00 UTC (ratio ≈ 4:1). */
export function diurnalFactor(epochMs: number): number {
  const hourOfDay = (epochMs % 86_400_000) / HOUR_MS;
  return 1 + 0.6 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
}

export const RULES = {
  allowHttpsIn: 'UserRule_AllowWebInbound',
  allowSshAdmin: 'UserRule_AllowSshFromAdmins',
  allowVnetIn: 'DefaultRule_AllowVnetInBound',
  denyAllIn: 'DefaultRule_DenyAllInBound',
  allowInternetOut: 'DefaultRule_AllowInternetOutBound',
  allowVnetOut: 'DefaultRule_AllowVnetOutBound',
  denySmtpOut: 'UserRule_DenySmtpOutbound',
} as const;

type Kind =
  | 'web-in' | 'http-in' | 'https-out' | 'http-out' | 'dns-internal' | 'dns-out' | 'ntp-out' | 'sql' | 'postgres'
  | 'cache' | 'app' | 'admin-ssh' | 'admin-rdp' | 'ssh-in-admin' | 'noise-in' | 'icmp-internal' | 'icmp-in' | 'smtp-out';

const KINDS: ReadonlyArray<readonly [Kind, number]> = [
  ['web-in', 34], ['http-in', 6], ['https-out', 14], ['http-out', 3], ['dns-internal', 8], ['dns-out', 2],
  ['ntp-out', 2], ['sql', 5], ['postgres', 5], ['cache', 6], ['app', 6], ['admin-ssh', 1.5], ['admin-rdp', 1],
  ['ssh-in-admin', 0.5], ['noise-in', 4], ['icmp-internal', 1], ['icmp-in', 0.5], ['smtp-out', 0.5],
];
const KIND_PICKER = new WeightedPicker(KINDS.map(([, w]) => w));
const NOISE_PORTS = [22, 23, 445, 3389, 1433, 3306, 5900, 8080, 8443, 25, 21, 6379, 9200, 2375];

/** Builds one flow with the fields every generator sets; counters and state are filled by `finish`. */
export function makeFlow(
  time: number, host: Host, direction: 'I' | 'O', srcIp: string, srcCountry: string, srcPort: number,
  dstIp: string, dstCountry: string, dstPort: number, protocol: Protocol, allow: boolean, rule: string,
): GenFlow {
  return {
    time, duration: 0, host, srcIp, dstIp, srcPort, dstPort, protocol, direction, allow,
    state: allow ? 'E' : 'D', rule, packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, srcCountry, dstCountry,
  };
}

/**
 * Sets state, duration and counters. `up`/`down` are typical bytes each way (scaled by a Pareto draw, so
 * a few flows are very large). Denied flows carry the attempt's packets only.
 */
export function finish(f: GenFlow, random: Random, up: number, down: number, state?: StateLetter): GenFlow {
  if (!f.allow) {
    f.state = 'D';
    f.packetsSent = random.int(1, 3);
    f.bytesSent = f.packetsSent * (f.protocol === 6 ? 60 : f.protocol === 17 ? random.int(60, 120) : 84);
    f.duration = random.int(0, 2000);
    return f;
  }
  const x = random.next();
  f.state = state ?? (x < 0.68 ? 'E' : x < 0.88 ? 'C' : 'B');
  f.duration = random.int(10, 59_000);
  if (f.state === 'B') return f; // Azure writes Begin tuples without counters
  const scale = random.pareto(1, 1.3);
  f.bytesSent = Math.max(40, Math.round(up * scale * (0.5 + random.next())));
  f.bytesReceived = Math.max(0, Math.round(down * scale * (0.5 + random.next())));
  f.packetsSent = Math.max(1, Math.ceil(f.bytesSent / 1100));
  f.packetsReceived = f.bytesReceived === 0 ? 0 : Math.max(1, Math.ceil(f.bytesReceived / 1300));
  return f;
}

function ephemeral(random: Random, host: Host | null): number {
  return host?.role === 'windows' || host?.role === 'sql' ? random.int(49152, 65535) : random.int(32768, 60999);
}

/** Generates the baseline flows of one hour into `out` (unsorted). */
export class BaselineTraffic {
  constructor(
    private readonly topology: Topology,
    private readonly flowsPerHour: number,
  ) {}

  private peer(random: Random): Peer {
    return this.topology.peers[this.topology.peerPicker.pick(random)];
  }

  private role(random: Random, role: Role): Host {
    return random.pick(this.topology.byRole.get(role) as Host[]);
  }

  hour(hourStart: number, random: Random, out: GenFlow[]): void {
    const n = random.poisson(this.flowsPerHour * diurnalFactor(hourStart + HOUR_MS / 2));
    for (let i = 0; i < n; i++) {
      const t = hourStart + Math.floor(random.next() * HOUR_MS);
      out.push(this.flow(KINDS[KIND_PICKER.pick(random)][0], t, random));
    }
  }

  private flow(kind: Kind, t: number, r: Random): GenFlow {
    const topo = this.topology;
    switch (kind) {
      case 'web-in':
      case 'http-in': {
        const h = this.role(r, 'web');
        const p = this.peer(r);
        const port = kind === 'web-in' ? 443 : 80;
        return finish(makeFlow(t, h, 'I', p.ip, p.country, r.int(1024, 65535), h.ip, 'ZZ', port, 6, true, RULES.allowHttpsIn), r, 1800, 24000);
      }
      case 'https-out':
      case 'http-out': {
        const h = r.pick(topo.hosts);
        const p = this.peer(r);
        return finish(makeFlow(t, h, 'O', h.ip, 'ZZ', ephemeral(r, h), p.ip, p.country, kind === 'https-out' ? 443 : 80, 6, true, RULES.allowInternetOut), r, 2500, 60000);
      }
      case 'dns-internal': {
        const dns = this.role(r, 'dns');
        const c = r.pick(topo.hosts);
        return finish(makeFlow(t, dns, 'I', c.ip, 'ZZ', ephemeral(r, c), dns.ip, 'ZZ', 53, 17, true, RULES.allowVnetIn), r, 70, 180, 'E');
      }
      case 'dns-out':
      case 'ntp-out': {
        const h = kind === 'dns-out' ? this.role(r, 'dns') : r.pick(topo.hosts);
        const p = this.peer(r);
        return finish(makeFlow(t, h, 'O', h.ip, 'ZZ', ephemeral(r, h), p.ip, p.country, kind === 'dns-out' ? 53 : 123, 17, true, RULES.allowInternetOut), r, 76, kind === 'dns-out' ? 200 : 76, 'E');
      }
      case 'sql':
      case 'postgres':
      case 'cache':
      case 'app': {
        const server = this.role(r, kind === 'app' ? 'app' : kind);
        const client = this.role(r, kind === 'app' ? 'web' : 'app');
        const port = kind === 'sql' ? 1433 : kind === 'postgres' ? 5432 : kind === 'cache' ? 6379 : 8080;
        return finish(makeFlow(t, server, 'I', client.ip, 'ZZ', ephemeral(r, client), server.ip, 'ZZ', port, 6, true, RULES.allowVnetIn), r, 900, kind === 'cache' ? 2000 : 16000);
      }
      case 'admin-ssh':
      case 'admin-rdp': {
        const jump = this.role(r, 'jump');
        const target = kind === 'admin-ssh' ? r.pick(topo.hosts) : this.role(r, 'windows');
        return finish(makeFlow(t, target, 'I', jump.ip, 'ZZ', ephemeral(r, jump), target.ip, 'ZZ', kind === 'admin-ssh' ? 22 : 3389, 6, true, RULES.allowVnetIn), r, 6000, 40000);
      }
      case 'ssh-in-admin': {
        const jump = this.role(r, 'jump');
        const a = r.pick(topo.admins);
        return finish(makeFlow(t, jump, 'I', a.ip, a.country, r.int(1024, 65535), jump.ip, 'ZZ', 22, 6, true, RULES.allowSshAdmin), r, 8000, 50000);
      }
      case 'noise-in': {
        const h = r.pick(topo.hosts);
        const p = this.peer(r);
        const port = r.chance(0.8) ? r.pick(NOISE_PORTS) : r.int(1, 65535);
        return finish(makeFlow(t, h, 'I', p.ip, p.country, r.int(1024, 65535), h.ip, 'ZZ', port, r.chance(0.9) ? 6 : 17, false, RULES.denyAllIn), r, 0, 0);
      }
      case 'icmp-internal': {
        const a = r.pick(topo.hosts);
        const b = r.pick(topo.hosts);
        return finish(makeFlow(t, b, 'I', a.ip, 'ZZ', 0, b.ip, 'ZZ', 0, 1, true, RULES.allowVnetIn), r, 84, 84, 'E');
      }
      case 'icmp-in': {
        const h = this.role(r, 'web');
        const p = this.peer(r);
        return finish(makeFlow(t, h, 'I', p.ip, p.country, 0, h.ip, 'ZZ', 0, 1, false, RULES.denyAllIn), r, 0, 0);
      }
      case 'smtp-out': {
        const h = r.pick(topo.hosts);
        const p = this.peer(r);
        return finish(makeFlow(t, h, 'O', h.ip, 'ZZ', ephemeral(r, h), p.ip, p.country, 25, 6, false, RULES.denySmtpOut), r, 0, 0);
      }
    }
  }
}
