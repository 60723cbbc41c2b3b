/**
 * The generator's own flow event: one observation of a flow by one internal interface (the NSG / ENI /
 * subnetwork that logs it), in a provider-neutral shape that every format writer maps to its wire format.
 */
import type { Host } from './topology.js';

export type Protocol = 6 | 17 | 1;
/** Azure-style state letters: Begin, Continuing, End, Deny. */
export type StateLetter = 'B' | 'C' | 'E' | 'D';

export interface GenFlow {
  /** Start, epoch ms. */
  time: number;
  /** Duration in ms (within the one-minute aggregation interval). */
  duration: number;
  /** The internal interface that observes (logs) the flow. */
  host: Host;
  srcIp: string;
  dstIp: string;
  /** 0 for ICMP. */
  srcPort: number;
  dstPort: number;
  protocol: Protocol;
  /** Relative to `host`: I = the flow comes in to it, O = it goes out of it. */
  direction: 'I' | 'O';
  allow: boolean;
  state: StateLetter;
  rule: string;
  /** Source → destination counters, and back. Begin flows have zeros (Azure writes no counters for B). */
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  /** Country codes of the two ends, `ZZ` for private addresses. */
  srcCountry: string;
  dstCountry: string;
}

export type FormatId = 'csv-zip' | 'azure-nsg' | 'azure-vnet' | 'aws-vpc' | 'gcp-vpc';
export const FORMAT_IDS: readonly FormatId[] = ['csv-zip', 'azure-nsg', 'azure-vnet', 'aws-vpc', 'gcp-vpc'];

export function isFormatId(s: string): s is FormatId {
  return (FORMAT_IDS as readonly string[]).includes(s);
}
