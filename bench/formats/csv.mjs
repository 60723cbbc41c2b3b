// Benchmark input for the generic CSV flow format (src/parsers/flow/csv.ts, export csvFormat):
// the product brief's schema with geo columns, ISO timestamps that repeat within a second (a busy NSG
// logs many flows per second), varied IPs/ports/protocols, some ICMP rows without ports.
// Rows average ~140 bytes (a subscription GUID alone is 36). Deterministic (seeded PRNG).
import { CHUNK, rng } from '../lib/rng.mjs';

export const id = 'csv';

const HEADER =
  'timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol,' +
  'flow_direction,flow_decision,flow_state,packets,bytes,region,geo_src,geo_dst\n';

const SUBSCRIPTIONS = [
  '8c1b5b2e-3f4a-4d6e-9a1b-2c3d4e5f6a7b',
  '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
  'a9b8c7d6-e5f4-4321-9876-5a4b3c2d1e0f',
];
const GROUPS = ['rg-prod', 'rg-web', 'rg-data', 'rg-shared'];
const NSGS = ['nsg-web', 'nsg-app', 'nsg-db', 'nsg-bastion', 'nsg-aks'];
const REGIONS = ['westeurope', 'eastus', 'northeurope', 'eastus2'];
const GEOS = ['US', 'DE', 'NL', 'GB', 'FR', 'CN', 'BR', 'IN', 'JP', 'ZZ'];
const DST_PORTS = [443, 443, 443, 80, 22, 3389, 53, 1433, 5432, 8080, 6443];
const STATES = ['Begin', 'Continuing', 'End', 'Continuing', 'End'];

export function* generate(records) {
  const rnd = rng(0x5eed);
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  let t = Date.UTC(2024, 4, 1, 12, 0, 0);
  let ts = new Date(t).toISOString().slice(0, 19) + 'Z';
  let leftInSecond = 0;
  let out = HEADER;
  for (let i = 0; i < records; i++) {
    if (leftInSecond === 0) {
      t += 1000;
      ts = new Date(t).toISOString().slice(0, 19) + 'Z';
      leftInSecond = 1 + Math.floor(rnd() * 60);
    }
    leftInSecond--;
    const proto = rnd();
    const protocol = proto < 0.7 ? 'TCP' : proto < 0.95 ? 'UDP' : 'ICMP';
    const inbound = rnd() < 0.55;
    const priv = `10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    const pub = `${20 + Math.floor(rnd() * 180)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    const src = inbound ? pub : priv;
    const dst = inbound ? priv : pub;
    const sport = protocol === 'ICMP' ? '' : String(1024 + Math.floor(rnd() * 64511));
    const dport = protocol === 'ICMP' ? '' : String(pick(DST_PORTS));
    const deny = rnd() < 0.12;
    const state = deny ? 'Deny' : pick(STATES);
    const packets = deny ? 1 : 1 + Math.floor(rnd() * 200);
    const bytes = packets * (40 + Math.floor(rnd() * 1400));
    const gs = inbound ? pick(GEOS) : 'ZZ';
    const gd = inbound ? 'ZZ' : pick(GEOS);
    out +=
      `${ts},${pick(SUBSCRIPTIONS)},${pick(GROUPS)},${pick(NSGS)},${src},${sport},${dst},${dport},${protocol},` +
      `${inbound ? 'Inbound' : 'Outbound'},${deny ? 'Deny' : 'Allow'},${state},${packets},${bytes},${pick(REGIONS)},${gs},${gd}\n`;
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}
