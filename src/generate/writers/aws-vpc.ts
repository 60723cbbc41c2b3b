/**
 * AWS VPC flow logs delivered to S3: default format (version 2) with its header line, gzip, one file per VPC
 * flow log per hour at
 * `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`.
 * Records are one per flow (AWS logs each direction separately; the generator writes the observing ENI's
 * view with both directions' counts added, at least one packet). ICMP has ports 0, as AWS writes.
 */
import { hashString } from '../random.js';
import type { GenFlow } from '../types.js';
import { objectsPerSegment, gzipStream, textChunks, type FormatWriter, type GeneratedObject, type HourBatch } from './common.js';

export const AWS_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

export const awsVpcWriter: FormatWriter = {
  objects(batch: HourBatch): GeneratedObject[] {
    return objectsPerSegment(batch, (seg, flows, { y, m, d, h }) => {
      const account = seg.subscription.awsAccount;
      const region = seg.region.aws;
      const stamp = `${y}${m}${d}T${h}00Z`;
      const hash = hashString(`${seg.awsFlowLogId}/${stamp}`).toString(16).padStart(8, '0');
      return {
        key: `AWSLogs/${account}/vpcflowlogs/${region}/${y}/${m}/${d}/${account}_vpcflowlogs_${region}_${seg.awsFlowLogId}_${stamp}_${hash}.log.gz`,
        contentType: 'application/gzip',
        records: flows.length,
        body: () => gzipStream(textChunks(lines(flows, account))),
      };
    });
  },
};

function* lines(flows: GenFlow[], account: string): Generator<string> {
  yield `${AWS_HEADER}\n`;
  for (const f of flows) {
    const start = Math.floor(f.time / 1000);
    const end = Math.floor((f.time + f.duration) / 1000);
    const packets = Math.max(1, f.packetsSent + f.packetsReceived);
    const bytes = Math.max(40, f.bytesSent + f.bytesReceived);
    yield `2 ${account} ${f.host.eni} ${f.srcIp} ${f.dstIp} ${f.srcPort} ${f.dstPort} ${f.protocol} ${packets} ${bytes} ${start} ${end} ${f.allow ? 'ACCEPT' : 'REJECT'} OK\n`;
  }
}
