/**
 * The original brief's CSV, zipped per hour: `YYYY/MM/DD/flows_YYYYMMDD_HH.zip` holding
 * `flows_YYYYMMDD_HH.csv` with the header below (Azure-flavoured names: subscription GUID, resource group,
 * NSG; the geo columns are the countries of the two addresses, `ZZ` for private ones).
 */
import type { GenFlow } from '../types.js';
import { HourSeconds, textChunks, utcParts, zipStream, type FormatWriter, type GeneratedObject, type HourBatch } from './common.js';

export const CSV_HEADER =
  'timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol,flow_direction,flow_decision,flow_state,packets,bytes,region,geo_src,geo_dst';

const PROTOCOL = { 6: 'TCP', 17: 'UDP', 1: 'ICMP' } as const;
const STATE = { B: 'Begin', C: 'Continuing', E: 'End', D: 'Deny' } as const;

export const csvZipWriter: FormatWriter = {
  objects(batch: HourBatch): GeneratedObject[] {
    const { y, m, d, h } = utcParts(batch.start);
    const base = `flows_${y}${m}${d}_${h}`;
    return [
      {
        key: `${y}/${m}/${d}/${base}.zip`,
        contentType: 'application/zip',
        records: batch.flows.length,
        body: () => zipStream(`${base}.csv`, batch.start, textChunks(lines(batch))),
      },
    ];
  },
};

function* lines(batch: HourBatch): Generator<string> {
  yield `${CSV_HEADER}\n`;
  const seconds = new HourSeconds(batch.start);
  for (const f of batch.flows) yield line(f, seconds);
}

function line(f: GenFlow, seconds: HourSeconds): string {
  const seg = f.host.segment;
  const icmp = f.protocol === 1;
  return `${seconds.at(f.time)}Z,${seg.subscription.azureId},${seg.resourceGroup},${seg.nsgName},${f.srcIp},${icmp ? '' : f.srcPort},${f.dstIp},${icmp ? '' : f.dstPort},${PROTOCOL[f.protocol]},${f.direction === 'I' ? 'Inbound' : 'Outbound'},${f.allow ? 'Allow' : 'Deny'},${STATE[f.state]},${f.packetsSent + f.packetsReceived},${f.bytesSent + f.bytesReceived},${seg.region.azure},${f.srcCountry},${f.dstCountry}\n`;
}
