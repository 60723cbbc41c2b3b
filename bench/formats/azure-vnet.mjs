// Benchmark input for the Azure VNet flow-log parser (src/parsers/flow/azure-vnet.ts): one PT1H.json-style
// blob `{"records":[…]}` (records separated by `\r\n,` as Azure writes them) of flowLogVersion 4 records,
// one per minute, each with 2 ACLs and 4 rule groups holding hundreds to a couple of thousand tuples in all:
// B/C/E/D states, ms timestamps, protocols 6/17/1, NX/X encryption, some IPv6.
// `generate(n)` yields exactly n tuples (the benchmark's "records") in ~1 MB string chunks. Deterministic.
import { CHUNK, rng } from '../lib/rng.mjs';

export const id = 'azure-vnet';

const SUB = '4a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b';
const FLOWLOG_ID = '/SUBSCRIPTIONS/4A1B2C3D-0000-4E5F-8A9B-0C1D2E3F4A5B/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/PRODVNETFLOWLOG';
const TARGET_ID = `/subscriptions/${SUB}/resourceGroups/prod-network-rg/providers/Microsoft.Network/virtualNetworks/prod-vnet`;
const ACLS = [
  ['00000000-1234-abcd-ef00-c1c2c3c4c5c6', [['DefaultRule_AllowInternetOutBound', 'out'], ['UserRule_allow-https', 'in']]],
  ['01020304-abcd-ef00-1234-102030405060', [['BlockHighRiskTCPPortsFromInternet', 'deny'], ['Internet', 'deny']]],
];

export function* generate(records) {
  const r = rng(0x7e4);
  const perRecord = Math.min(2000, Math.max(200, Math.ceil(records / 60)));
  const base = Date.UTC(2024, 4, 6, 10, 0, 0);
  const ip4 = () => `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const ip6 = () => `2001:db8:${Math.floor(r() * 65535).toString(16)}::${Math.floor(r() * 65535).toString(16)}`;
  let out = '{"records":[';
  let left = records;
  for (let rec = 0; left > 0; rec++) {
    const count = Math.min(perRecord, left);
    left -= count;
    const minute = base + rec * 60_000;
    const time = new Date(minute + 60_000).toISOString().replace('Z', '0000Z');
    const mac = `002248${(0x7bc205 + rec * 3).toString(16).toUpperCase()}`;
    const local = `10.${rec % 4}.${(rec >> 2) & 255}.${4 + (rec % 8)}`;
    const shares = [Math.floor(count * 0.45), Math.floor(count * 0.15), Math.floor(count * 0.1)];
    shares.push(count - shares[0] - shares[1] - shares[2]);
    let g = 0;
    const acls = [];
    for (const [aclID, rules] of ACLS) {
      const groups = [];
      for (const [rule, kind] of rules) {
        const tuples = [];
        for (let k = 0; k < shares[g]; k++) {
          const t = minute + Math.floor(r() * 60_000);
          const v6 = r() < 0.05;
          const remote = v6 ? ip6() : ip4();
          const me = v6 ? `fd00:${rec.toString(16)}::6` : local;
          const pr = r();
          const proto = pr < 0.85 ? 6 : pr < 0.97 ? 17 : v6 ? 58 : 1;
          const icmp = proto === 1 || proto === 58;
          const eph = 1024 + Math.floor(r() * 64000);
          const enc = r() < 0.8 ? 'NX' : 'X';
          if (kind === 'deny') {
            const port = [22, 119, 3389, 445, 23][Math.floor(r() * 5)];
            tuples.push(`"${t},${remote},${me},${icmp ? 0 : eph},${icmp ? 0 : port},${proto},I,D,NX,0,0,0,0"`);
          } else {
            const inbound = kind === 'in';
            const src = inbound ? remote : me;
            const dst = inbound ? me : remote;
            const dp = inbound ? 443 : [443, 80, 53, 123][Math.floor(r() * 4)];
            const s = r();
            const st = s < 0.35 ? 'B' : s < 0.6 ? 'C' : 'E';
            const p1 = st === 'B' ? 0 : 1 + Math.floor(r() * 200), p2 = st === 'B' ? 0 : 1 + Math.floor(r() * 200);
            tuples.push(
              `"${t},${src},${dst},${icmp ? 0 : eph},${icmp ? 0 : dp},${proto},${inbound ? 'I' : 'O'},${st},${enc},${p1},${p1 * (60 + Math.floor(r() * 1400))},${p2},${p2 * (60 + Math.floor(r() * 1400))}"`,
            );
          }
        }
        groups.push(`{"rule":"${rule}","flowTuples":[${tuples.join(',')}]}`);
        g++;
      }
      acls.push(`{"aclID":"${aclID}","flowGroups":[${groups.join(',')}]}`);
    }
    out +=
      `${rec === 0 ? '' : '\r\n,'}{"time":"${time}","flowLogVersion":4,"flowLogGUID":"66aa66aa-bb77-cc88-dd99-00ee00ee00ee",` +
      `"macAddress":"${mac}","category":"FlowLogFlowEvent","flowLogResourceID":"${FLOWLOG_ID}","targetResourceID":"${TARGET_ID}",` +
      `"operationName":"FlowLogFlowEvent","flowRecords":{"flows":[${acls.join(',')}]}}`;
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  out += '\r\n]}';
  yield out;
}
