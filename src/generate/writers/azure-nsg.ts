/**
 * Azure NSG flow logs version 2, as Network Watcher writes them to the `insights-logs-networksecuritygroupflowevent`
 * container: one PT1H.json blob per NSG per hour at
 * `…/resourceId=/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/<RG>/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/<NSG>/y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=<MAC>/PT1H.json`
 * holding `{"records":[…]}`, one record per minute with flows grouped by rule, then by NIC MAC.
 * Tuples: `unixSeconds,src,dst,srcPort,dstPort,T|U|I,I|O,A|D,B|C|E,packetsS2D,bytesS2D,packetsD2S,bytesD2S`.
 * As Azure does, Begin tuples and denied tuples (`D,B`) have empty counters; ICMP has empty ports.
 */
import { hashString } from '../random.js';
import type { Segment } from '../topology.js';
import type { GenFlow } from '../types.js';
import { groupBy, objectsPerSegment, textChunks, type FormatWriter, type GeneratedObject, type HourBatch } from './common.js';

const LETTER = { 6: 'T', 17: 'U', 1: 'I' } as const;
const MINUTE = 60_000;

export const azureNsgWriter: FormatWriter = {
  objects(batch: HourBatch): GeneratedObject[] {
    return objectsPerSegment(batch, (seg, flows, { y, m, d, h }) => {
      const resourceId = nsgResourceId(seg);
      return {
        key: `insights-logs-networksecuritygroupflowevent/resourceId=${resourceId}/y=${y}/m=${m}/d=${d}/h=${h}/m=00/macAddress=${seg.hosts[0].mac}/PT1H.json`,
        contentType: 'application/json',
        records: flows.length,
        body: () => textChunks(blob(seg, resourceId, flows)),
      };
    });
  },
};

export function nsgResourceId(seg: Segment): string {
  return `/SUBSCRIPTIONS/${seg.subscription.azureId.toUpperCase()}/RESOURCEGROUPS/${seg.resourceGroup.toUpperCase()}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/${seg.nsgName.toUpperCase()}`;
}

/** A GUID-shaped id that is stable for a name. */
export function stableGuid(name: string): string {
  const h = [0, 1, 2, 3].map((i) => hashString(`${i}:${name}`).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function* blob(seg: Segment, resourceId: string, flows: GenFlow[]): Generator<string> {
  const systemId = stableGuid(`system/${resourceId}`);
  yield '{"records":[';
  let first = true;
  for (const [minute, group] of groupBy(flows, (f) => Math.floor(f.time / MINUTE))) {
    const rules: string[] = [];
    for (const [rule, byRule] of groupBy(group, (f) => f.rule)) {
      const macs: string[] = [];
      for (const [mac, tuples] of groupBy(byRule, (f) => f.host.mac)) {
        macs.push(`{"mac":"${mac}","flowTuples":[${tuples.map(tuple).join(',')}]}`);
      }
      rules.push(`{"rule":"${rule}","flows":[${macs.join(',')}]}`);
    }
    const time = new Date(minute * MINUTE).toISOString().replace('.000Z', '.0000000Z');
    yield `${first ? '\n' : ',\n'}{"time":"${time}","systemId":"${systemId}","macAddress":"${seg.hosts[0].mac}","category":"NetworkSecurityGroupFlowEvent","resourceId":"${resourceId}","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[${rules.join(',')}]}}`;
    first = false;
  }
  yield '\n]}\n';
}

function tuple(f: GenFlow): string {
  const ports = f.protocol === 1 ? ',' : `${f.srcPort},${f.dstPort}`;
  const head = `"${Math.floor(f.time / 1000)},${f.srcIp},${f.dstIp},${ports},${LETTER[f.protocol]},${f.direction},`;
  if (!f.allow) return `${head}D,B,,,,"`;
  if (f.state === 'B') return `${head}A,B,,,,"`;
  return `${head}A,${f.state},${f.packetsSent},${f.bytesSent},${f.packetsReceived},${f.bytesReceived}"`;
}
