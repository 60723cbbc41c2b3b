/**
 * GCP VPC flow logs as a Cloud Logging sink exports them to Cloud Storage: NDJSON LogEntries, one object per
 * log per hour, `compute.googleapis.com/vpc_flows/YYYY/MM/DD/HH:00:00_HH:59:59_S0.json`.
 * VPC Flow Logs only record delivered traffic, so denied flows go where GCP puts them: Firewall Rules Logging
 * entries (`disposition: DENIED`) in `compute.googleapis.com/firewall/…` with the same naming.
 * Allowed flows are reported by the observing VM's side (`SRC` for outbound, `DEST` for inbound), with that
 * side's instance and VPC details; `bytes_sent`/`packets_sent` hold both directions' counts added.
 */
import type { Host } from '../topology.js';
import type { GenFlow } from '../types.js';
import { HourSeconds, textChunks, utcParts, type FormatWriter, type GeneratedObject, type HourBatch } from './common.js';

export const gcpVpcWriter: FormatWriter = {
  objects(batch: HourBatch): GeneratedObject[] {
    const { y, m, d, h } = utcParts(batch.start);
    const name = `${y}/${m}/${d}/${h}:00:00_${h}:59:59_S0.json`;
    const allowed = batch.flows.filter((f) => f.allow);
    const denied = batch.flows.filter((f) => !f.allow);
    const out: GeneratedObject[] = [];
    if (allowed.length > 0) {
      out.push({ key: `compute.googleapis.com/vpc_flows/${name}`, contentType: 'application/json', records: allowed.length, body: () => textChunks(entries(batch, allowed, flowEntry)) });
    }
    if (denied.length > 0) {
      out.push({ key: `compute.googleapis.com/firewall/${name}`, contentType: 'application/json', records: denied.length, body: () => textChunks(entries(batch, denied, firewallEntry)) });
    }
    return out;
  },
};

type EntryWriter = (f: GenFlow, seconds: HourSeconds, insertId: string) => string;

function* entries(batch: HourBatch, flows: GenFlow[], write: EntryWriter): Generator<string> {
  const seconds = new HourSeconds(batch.start);
  const prefix = (batch.start / 1000).toString(36);
  for (let i = 0; i < flows.length; i++) yield write(flows[i], seconds, `${prefix}${i.toString(36).padStart(6, '0')}`);
}

function time(ms: number, seconds: HourSeconds): string {
  const frac = ms % 1000;
  return `${seconds.at(ms)}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

function connection(f: GenFlow): string {
  return f.protocol === 1
    ? `{"dest_ip":"${f.dstIp}","protocol":1,"src_ip":"${f.srcIp}"}`
    : `{"dest_ip":"${f.dstIp}","dest_port":${f.dstPort},"protocol":${f.protocol},"src_ip":"${f.srcIp}","src_port":${f.srcPort}}`;
}

function instance(h: Host): string {
  const seg = h.segment;
  return `{"project_id":"${seg.subscription.gcpProject}","region":"${seg.region.gcp}","vm_name":"${h.name}","zone":"${seg.region.gcp}-b"}`;
}

function vpc(h: Host): string {
  const seg = h.segment;
  return `{"project_id":"${seg.subscription.gcpProject}","subnetwork_name":"${seg.subnetName}","vpc_name":"${seg.vnetName}"}`;
}

function resource(h: Host): string {
  const seg = h.segment;
  return `{"labels":{"location":"${seg.region.gcp}-b","project_id":"${seg.subscription.gcpProject}","subnetwork_id":"${1000000 + seg.index}","subnetwork_name":"${seg.subnetName}"},"type":"gce_subnetwork"}`;
}

const flowEntry: EntryWriter = (f, seconds, insertId) => {
  const h = f.host;
  const start = time(f.time, seconds);
  const end = time(f.time + f.duration, seconds);
  const side = f.direction === 'O' ? 'src' : 'dest';
  const packets = Math.max(1, f.packetsSent + f.packetsReceived);
  const bytes = Math.max(40, f.bytesSent + f.bytesReceived);
  return `{"insertId":"${insertId}","jsonPayload":{"bytes_sent":"${bytes}","connection":${connection(f)},"end_time":"${end}","packets_sent":"${packets}","reporter":"${f.direction === 'O' ? 'SRC' : 'DEST'}","${side}_instance":${instance(h)},"${side}_vpc":${vpc(h)},"start_time":"${start}"},"logName":"projects/${h.segment.subscription.gcpProject}/logs/compute.googleapis.com%2Fvpc_flows","receiveTimestamp":"${end}","resource":${resource(h)},"timestamp":"${end}"}\n`;
};

const firewallEntry: EntryWriter = (f, seconds, insertId) => {
  const h = f.host;
  const at = time(f.time, seconds);
  const ingress = f.direction === 'I';
  return `{"insertId":"${insertId}","jsonPayload":{"connection":${connection(f)},"disposition":"DENIED","instance":${instance(h)},"rule_details":{"action":"DENY","direction":"${ingress ? 'INGRESS' : 'EGRESS'}","priority":65534,"reference":"network:${h.segment.vnetName}/firewall:${ingress ? 'deny-all-ingress' : 'deny-smtp-egress'}"},"vpc":${vpc(h)}},"logName":"projects/${h.segment.subscription.gcpProject}/logs/compute.googleapis.com%2Ffirewall","receiveTimestamp":"${at}","resource":${resource(h)},"timestamp":"${at}"}\n`;
};
