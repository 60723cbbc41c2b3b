// Benchmark input for the Azure NSG flow-log parser (src/parsers/flow/azure-nsg.ts): one PT1H.json-style
// blob `{"records":[…]}` (records separated by `\r\n,` as Azure writes them) of NSG v2 records, one per
// minute, each with 4 rule groups of 1–2 MACs and hundreds to a couple of thousand tuples in all:
// inbound denies (B, empty counters), outbound allows with B/C/E states and counters, some UDP, some IPv6.
// `generate(n)` yields exactly n tuples (the benchmark's "records") in ~1 MB string chunks. Deterministic.
import { CHUNK, rng } from '../lib/rng.mjs';

export const id = 'azure-nsg';

const RULES = [
  ['DefaultRule_DenyAllInBound', 'deny-in'],
  ['UserRule_allow-https-in', 'allow-in'],
  ['DefaultRule_AllowInternetOutBound', 'allow-out'],
  ['DefaultRule_AllowVnetOutBound', 'allow-out'],
];
const SUB = '4A1B2C3D-0000-4E5F-8A9B-0C1D2E3F4A5B';
const RESOURCE_ID = `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/PROD-NETWORK-RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-TIER-NSG`;

export function* generate(records) {
  const r = rng(0xa2e);
  const perRecord = Math.min(2000, Math.max(200, Math.ceil(records / 60)));
  const base = Date.UTC(2024, 4, 6, 10, 0, 0) / 1000;
  const ip4 = () => `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const ip6 = () => `2001:db8:${Math.floor(r() * 65535).toString(16)}::${Math.floor(r() * 65535).toString(16)}`;
  let out = '{"records":[';
  let left = records;
  for (let rec = 0; left > 0; rec++) {
    const count = Math.min(perRecord, left);
    left -= count;
    const minute = base + rec * 60;
    const time = new Date((minute + 60) * 1000).toISOString().replace('Z', '0000Z');
    const mac = `000D3A${(0xf80000 + (rec % 4) * 17).toString(16).toUpperCase()}`;
    const local = `10.${rec % 4}.${(rec >> 2) & 255}.${4 + (rec % 8)}`;
    // split `count` tuples over 4 rules (deny-in gets the most, as on an Internet-facing NSG)
    const shares = [Math.floor(count * 0.4), Math.floor(count * 0.15), Math.floor(count * 0.35)];
    shares.push(count - shares[0] - shares[1] - shares[2]);
    const groups = [];
    for (let g = 0; g < RULES.length; g++) {
      const [rule, kind] = RULES[g];
      const tuples = [];
      for (let k = 0; k < shares[g]; k++) {
        const t = minute + Math.floor(r() * 60);
        const v6 = r() < 0.05;
        const remote = v6 ? ip6() : ip4();
        const me = v6 ? `fd00:${rec.toString(16)}::4` : local;
        const udp = r() < 0.1;
        const proto = udp ? 'U' : 'T';
        const eph = 1024 + Math.floor(r() * 64000);
        if (kind === 'deny-in') {
          const port = [22, 3389, 23, 445, 8080, 1433][Math.floor(r() * 6)];
          tuples.push(`"${t},${remote},${me},${eph},${port},${proto},I,D,B,,,,"`);
        } else {
          const inbound = kind === 'allow-in';
          const src = inbound ? remote : me;
          const dst = inbound ? me : remote;
          const sp = inbound ? eph : eph;
          const dp = inbound ? 443 : [443, 80, 53, 123][Math.floor(r() * 4)];
          const s = r();
          if (s < 0.3) tuples.push(`"${t},${src},${dst},${sp},${dp},${proto},${inbound ? 'I' : 'O'},A,B,,,,"`);
          else {
            const p1 = 1 + Math.floor(r() * 200), p2 = 1 + Math.floor(r() * 200);
            const st = s < 0.6 ? 'C' : 'E';
            tuples.push(`"${t},${src},${dst},${sp},${dp},${proto},${inbound ? 'I' : 'O'},A,${st},${p1},${p1 * (60 + Math.floor(r() * 1400))},${p2},${p2 * (60 + Math.floor(r() * 1400))}"`);
          }
        }
      }
      // one or two MAC groups per rule
      const half = g % 2 === 0 ? tuples.length : Math.ceil(tuples.length / 2);
      const macs = [`{"mac":"${mac}","flowTuples":[${tuples.slice(0, half).join(',')}]}`];
      if (half < tuples.length) macs.push(`{"mac":"${mac.slice(0, 10)}7E","flowTuples":[${tuples.slice(half).join(',')}]}`);
      groups.push(`{"rule":"${rule}","flows":[${macs.join(',')}]}`);
    }
    out +=
      `${rec === 0 ? '' : '\r\n,'}{"time":"${time}","systemId":"a0fca5ce-022c-47b1-9735-89943b42f2fa","macAddress":"${mac}",` +
      `"category":"NetworkSecurityGroupFlowEvent","resourceId":"${RESOURCE_ID}","operationName":"NetworkSecurityGroupFlowEvents",` +
      `"properties":{"Version":2,"flows":[${groups.join(',')}]}}`;
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  out += '\r\n]}';
  yield out;
}
