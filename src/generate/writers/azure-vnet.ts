/**
 * Azure VNet flow logs (flowLogVersion 4) in the `insights-logs-flowlogflowevent` container: one PT1H.json blob
 * per flow log target (here: each subnet) per hour at
 * `…/flowLogResourceID=/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_<REGION>/FLOWLOGS/<NAME>/y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=<MAC>/PT1H.json`,
 * one record per minute, flows grouped by ACL then rule.
 * Tuples: `unixMillis,src,dst,srcPort,dstPort,protocolNumber,I|O,B|C|E|D,encryption,packetsS2D,bytesS2D,packetsD2S,bytesD2S`
 * (Begin and Deny tuples carry zero counters, as v4 writes them).
 */
import type { Segment } from '../topology.js';
import type { GenFlow } from '../types.js';
import { groupBy, objectsPerSegment, textChunks, type FormatWriter, type GeneratedObject, type HourBatch } from './common.js';
import { stableGuid } from './azure-nsg.js';

const MINUTE = 60_000;

export const azureVnetWriter: FormatWriter = {
  objects(batch: HourBatch): GeneratedObject[] {
    return objectsPerSegment(batch, (seg, flows, { y, m, d, h }) => {
      const flowLogId = flowLogResourceId(seg);
      return {
        key: `insights-logs-flowlogflowevent/flowLogResourceID=${flowLogId}/y=${y}/m=${m}/d=${d}/h=${h}/m=00/macAddress=${seg.hosts[0].mac}/PT1H.json`,
        contentType: 'application/json',
        records: flows.length,
        body: () => textChunks(blob(seg, flowLogId, flows)),
      };
    });
  },
};

function flowLogResourceId(seg: Segment): string {
  return `/SUBSCRIPTIONS/${seg.subscription.azureId.toUpperCase()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_${seg.region.azure.toUpperCase()}/FLOWLOGS/${`fl-${seg.vnetName}-${seg.subnetName}`.toUpperCase()}`;
}

function* blob(seg: Segment, flowLogId: string, flows: GenFlow[]): Generator<string> {
  const guid = stableGuid(`flowlog/${flowLogId}`);
  const aclId = stableGuid(`acl/${seg.nsgName}/${seg.subscription.azureId}`);
  const target = `/subscriptions/${seg.subscription.azureId}/resourceGroups/${seg.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${seg.vnetName}/subnets/${seg.subnetName}`;
  yield '{"records":[';
  let first = true;
  for (const [minute, group] of groupBy(flows, (f) => Math.floor(f.time / MINUTE))) {
    const rules: string[] = [];
    for (const [rule, byRule] of groupBy(group, (f) => f.rule)) rules.push(`{"rule":"${rule}","flowTuples":[${byRule.map(tuple).join(',')}]}`);
    const time = new Date(minute * MINUTE).toISOString().replace('.000Z', '.0000000Z');
    yield `${first ? '\n' : ',\n'}{"time":"${time}","flowLogVersion":4,"flowLogGUID":"${guid}","macAddress":"${seg.hosts[0].mac}","category":"FlowLogFlowEvent","flowLogResourceID":"${flowLogId}","targetResourceID":"${target}","operationName":"FlowLogFlowEvent","flowRecords":{"flows":[{"aclID":"${aclId}","flowGroups":[${rules.join(',')}]}]}}`;
    first = false;
  }
  yield '\n]}\n';
}

function tuple(f: GenFlow): string {
  const ports = f.protocol === 1 ? ',' : `${f.srcPort},${f.dstPort}`;
  const head = `"${f.time},${f.srcIp},${f.dstIp},${ports},${f.protocol},${f.direction},`;
  if (!f.allow) return `${head}D,NX,0,0,0,0"`;
  if (f.state === 'B') return `${head}B,NX,0,0,0,0"`;
  return `${head}${f.state},NX,${f.packetsSent},${f.bytesSent},${f.packetsReceived},${f.bytesReceived}"`;
}
