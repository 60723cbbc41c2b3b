// Benchmark input for the AWS VPC flow-log parser (src/parsers/flow/aws-vpc.ts, export `awsVpcFormat`):
// an S3-style file in the default version 2 format (header line, then ~100-byte space-separated records):
// a few accounts and ENIs, mostly TCP with some UDP/ICMP, ~3% IPv6, ~15% REJECT, 60-second capture windows.
// NODATA/SKIPDATA records are not generated (they are diagnostics, not records), so the output holds exactly
// `records` records. Deterministic (fixed-seed PRNG).
import { CHUNK, rng } from '../lib/rng.mjs';

export const id = 'aws-vpc';

const ACCOUNTS = ['123456789010', '210987654321', '555566667777'];
const ENIS = Array.from({ length: 64 }, (_, i) => `eni-${(0x1235b8ca123456789n + BigInt(i * 7919)).toString(16).slice(0, 17)}`);
const SERVICE_PORTS = [443, 80, 22, 3389, 5432, 3306, 8080, 53, 123, 6379];

export function* generate(records) {
  const r = rng(0xa75);
  const base = Math.floor(Date.UTC(2024, 4, 6, 10, 0, 0) / 1000);
  let out = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
  for (let i = 0; i < records; i++) {
    const account = ACCOUNTS[i % ACCOUNTS.length];
    const eni = ENIS[(i >>> 2) % ENIS.length];
    const v6 = r() < 0.03;
    const local = v6
      ? `2001:db8:1234:a1${(i & 0xff).toString(16).padStart(2, '0')}::${((i >>> 8) & 0xffff).toString(16)}`
      : `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const remote = v6
      ? `2600:1f18:${Math.floor(r() * 65535).toString(16)}::${Math.floor(r() * 65535).toString(16)}`
      : `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const p = r();
    const proto = p < 0.82 ? 6 : p < 0.97 ? 17 : v6 ? 58 : 1;
    const hasPorts = proto === 6 || proto === 17;
    const svc = SERVICE_PORTS[i % SERVICE_PORTS.length];
    const eph = 32768 + Math.floor(r() * 28000);
    const inbound = r() < 0.5;
    const src = inbound ? remote : local;
    const dst = inbound ? local : remote;
    const sport = hasPorts ? (inbound ? eph : svc) : 0;
    const dport = hasPorts ? (inbound ? svc : eph) : 0;
    const packets = 1 + Math.floor(r() * 400);
    const bytes = packets * (40 + Math.floor(r() * 1400));
    const start = base + Math.floor(i / 50) + Math.floor(r() * 60);
    const end = start + 60;
    const action = r() < 0.15 ? 'REJECT' : 'ACCEPT';
    out += `2 ${account} ${eni} ${src} ${dst} ${sport} ${dport} ${proto} ${packets} ${bytes} ${start} ${end} ${action} OK\n`;
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}
