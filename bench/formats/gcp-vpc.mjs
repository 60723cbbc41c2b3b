// Benchmark input for the GCP VPC flow-log parser (src/parsers/flow/gcp-vpc.ts):
// NDJSON Cloud Logging LogEntries shaped like a Cloud Storage sink export of `compute.googleapis.com/vpc_flows`
// (~1 KB each): SRC and DEST reporters, string-typed counters, instance/VPC/location details, some IPv6,
// some UDP/ICMP, occasionally a missing rtt_msec. Deterministic (fixed-seed PRNG).
import { CHUNK, rng } from '../lib/rng.mjs';

export const id = 'gcp-vpc';

const PROJECTS = ['my-sample-project', 'prod-network-4711', 'analytics-eu-2210'];
const ZONES = ['us-east1-b', 'us-central1-a', 'europe-west1-c', 'asia-southeast1-b'];
const VMS = ['kibana', 'elasticsearch', 'web-1', 'web-2', 'db-primary', 'cache-7f9c'];
const COUNTRIES = [['usa', 'America', 15169], ['deu', 'Europe', 3320], ['jpn', 'Asia', 2516], ['bra', 'America', 28573]];

function pad(n, w) {
  return String(n).padStart(w, '0');
}

function iso(ms, nanos) {
  return `${new Date(ms).toISOString().slice(0, 19)}.${pad(ms % 1000, 3)}${pad(nanos, 6)}Z`;
}

export function* generate(records) {
  const r = rng(0x9c9);
  const base = Date.UTC(2024, 4, 6, 10, 0, 0);
  let out = '';
  for (let i = 0; i < records; i++) {
    const project = PROJECTS[i % PROJECTS.length];
    const zone = ZONES[(i >>> 3) % ZONES.length];
    const region = zone.slice(0, -2);
    const reporter = r() < 0.5 ? 'SRC' : 'DEST';
    const v6 = r() < 0.05;
    const internal = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const external = v6
      ? `2001:db8:${(i & 0xffff).toString(16)}::${Math.floor(r() * 65535).toString(16)}`
      : `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const local = v6 ? `fd20:${(i & 0xffff).toString(16)}::${(i >>> 4).toString(16)}` : internal;
    const p = r();
    const proto = p < 0.8 ? 6 : p < 0.97 ? 17 : v6 ? 58 : 1;
    const hasPorts = proto === 6 || proto === 17;
    const svcPort = [443, 80, 9200, 5601, 22, 53][i % 6];
    const ephemeral = 32768 + Math.floor(r() * 28000);
    const srcIp = reporter === 'SRC' ? local : external;
    const dstIp = reporter === 'SRC' ? external : local;
    const start = base + Math.floor(i / 8) * 5 + Math.floor(r() * 4000);
    const end = start + Math.floor(r() * 5000);
    const packets = 1 + Math.floor(r() * 400);
    const bytes = packets * (40 + Math.floor(r() * 1400));
    const vm = VMS[i % VMS.length];
    const [country, continent, asn] = COUNTRIES[i % COUNTRIES.length];
    const conn = hasPorts
      ? `{"dest_ip":"${dstIp}","dest_port":${reporter === 'SRC' ? svcPort : ephemeral},"protocol":${proto},"src_ip":"${srcIp}","src_port":${reporter === 'SRC' ? ephemeral : svcPort}}`
      : `{"dest_ip":"${dstIp}","protocol":${proto},"src_ip":"${srcIp}"}`;
    const side = reporter === 'SRC' ? 'src' : 'dest';
    const other = reporter === 'SRC' ? 'dest' : 'src';
    const rtt = proto === 6 && r() < 0.9 ? `"rtt_msec":"${1 + Math.floor(r() * 250)}",` : '';
    const insertId = `${(i * 2654435761 >>> 0).toString(36)}${pad(i % 1000, 3)}`;
    const nanos = Math.floor(r() * 1e6);
    out +=
      `{"insertId":"${insertId}","jsonPayload":{"bytes_sent":"${bytes}","connection":${conn},` +
      `"${other}_location":{"asn":${asn},"continent":"${continent}","country":"${country}"},` +
      `"${side}_instance":{"project_id":"${project}","region":"${region}","vm_name":"${vm}","zone":"${zone}"},` +
      `"${side}_vpc":{"project_id":"${project}","subnetwork_name":"default","vpc_name":"default"},` +
      `"end_time":"${iso(end, nanos)}","packets_sent":"${packets}","reporter":"${reporter}",${rtt}` +
      `"start_time":"${iso(start, nanos)}"},` +
      `"logName":"projects/${project}/logs/compute.googleapis.com%2Fvpc_flows",` +
      `"receiveTimestamp":"${iso(end + 30000, nanos)}",` +
      `"resource":{"labels":{"location":"${zone}","project_id":"${project}","subnetwork_id":"758019854043528829","subnetwork_name":"default"},"type":"gce_subnetwork"},` +
      `"timestamp":"${iso(end + 29000, nanos)}"}\n`;
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}
