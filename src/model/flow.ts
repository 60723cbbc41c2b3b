/**
 * The normalized flow record: one row of the `flows` table (see DESIGN.md).
 * Column names follow the original CSV schema so that a CSV row maps one to one.
 *
 * Conventions every parser follows:
 * - times are epoch milliseconds (UTC); `timestamp` is null only when the input format has no time at all
 *   (e.g. an AWS custom format without `start`), and ingest decides what to do with such rows;
 * - `packets` and `bytes` add both directions and are 0 where the format has no counters for the row
 *   (Azure `B` tuples, AWS custom formats without them); the directional counters are null there;
 * - text fields that the format does not carry are null, never the empty string.
 */
export type FlowDirection = 'Inbound' | 'Outbound';
export type FlowDecision = 'Allow' | 'Deny';
export type FlowState = 'Begin' | 'Continuing' | 'End' | 'Deny';
export type Provider = 'azure' | 'aws' | 'gcp' | 'generic';

export interface FlowRecord {
  timestamp: number | null;
  end_time: number | null;
  subscription_id: string | null;
  resource_group: string | null;
  nsg_name: string | null;
  rule_name: string | null;
  src_ip: string | null;
  dst_ip: string | null;
  src_port: number | null;
  dst_port: number | null;
  /** `TCP`, `UDP`, `ICMP`, `ICMPv6`, else the IANA protocol number as text. */
  protocol: string | null;
  flow_direction: FlowDirection | null;
  flow_decision: FlowDecision | null;
  flow_state: FlowState | null;
  packets: number;
  bytes: number;
  packets_sent: number | null;
  bytes_sent: number | null;
  packets_received: number | null;
  bytes_received: number | null;
  region: string | null;
  /** ISO 3166-1 alpha-2, `ZZ` for private/reserved; filled by the analyzer where the input lacks it. */
  geo_src: string | null;
  geo_dst: string | null;
  provider: Provider;
  /** Format id with version, e.g. `azure-nsg-v2`, `aws-vpc-v5`, `csv`. */
  source_format: string;
  /** Every other field of the input, by its original name. */
  attributes: Record<string, unknown> | null;
  source_object: string;
  /** 1-based line of the input where the record starts (for JSON blobs: the line where its element starts). */
  source_line: number;
}

/** Column order of the `flows` table and of CSV output. */
export const FLOW_COLUMNS = [
  'timestamp',
  'end_time',
  'subscription_id',
  'resource_group',
  'nsg_name',
  'rule_name',
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'protocol',
  'flow_direction',
  'flow_decision',
  'flow_state',
  'packets',
  'bytes',
  'packets_sent',
  'bytes_sent',
  'packets_received',
  'bytes_received',
  'region',
  'geo_src',
  'geo_dst',
  'provider',
  'source_format',
  'attributes',
  'source_object',
  'source_line',
] as const satisfies readonly (keyof FlowRecord)[];

/**
 * A record with every field present, in one fixed order, so that all records share one hidden class
 * (this matters at millions of records per second). Parsers fill the fields they know.
 */
export function newFlowRecord(provider: Provider, sourceFormat: string, sourceObject: string, sourceLine: number): FlowRecord {
  return {
    timestamp: null,
    end_time: null,
    subscription_id: null,
    resource_group: null,
    nsg_name: null,
    rule_name: null,
    src_ip: null,
    dst_ip: null,
    src_port: null,
    dst_port: null,
    protocol: null,
    flow_direction: null,
    flow_decision: null,
    flow_state: null,
    packets: 0,
    bytes: 0,
    packets_sent: null,
    bytes_sent: null,
    packets_received: null,
    bytes_received: null,
    region: null,
    geo_src: null,
    geo_dst: null,
    provider,
    source_format: sourceFormat,
    attributes: null,
    source_object: sourceObject,
    source_line: sourceLine,
  };
}
