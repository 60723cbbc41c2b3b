/**
 * The AWS VPC (and Transit Gateway) flow-log field catalogue: every documented field name of versions 2–8,
 * the ids the parser's hot paths switch on, and the layouts (field lists compiled to per-position ids) for
 * the default format and the documented all-fields orders. Data only; the parser is aws-vpc.ts.
 */
import { protocolFromNumber } from '../../model/protocol.js';

const F_OTHER = 0; // text attribute (known or unknown name)
export const F_INT_ATTR = 1; // integer attribute (tcp-flags, traffic-path, packets-lost-*, …)
export const F_VERSION = 2;
export const F_ACCOUNT = 3;
export const F_INTERFACE = 4;
export const F_SRCADDR = 5;
export const F_DSTADDR = 6;
export const F_SRCPORT = 7;
export const F_DSTPORT = 8;
export const F_PROTOCOL = 9;
export const F_PACKETS = 10;
export const F_BYTES = 11;
export const F_START = 12;
export const F_END = 13;
export const F_ACTION = 14;
export const F_LOG_STATUS = 15;
export const F_VPC = 16;
export const F_REGION = 17;
export const F_FLOW_DIRECTION = 18;
export const F_TGW_ID = 19;
export const F_TGW_ATTACHMENT = 20;

/** Default format (version 2). */
export const AWS_V2_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol',
  'packets', 'bytes', 'start', 'end', 'action', 'log-status',
] as const;
const V3_FIELDS = ['vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr'];
const V4_FIELDS = ['region', 'az-id', 'sublocation-type', 'sublocation-id'];
const V5_FIELDS = ['pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path'];
const V7_FIELDS = [
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id',
  'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn',
  'ecs-task-arn', 'ecs-task-id',
];
const V8_FIELDS = ['reject-reason'];
/** Transit Gateway flow logs, default format (all fields, documented order). */
export const AWS_TGW_FIELDS = [
  'version', 'resource-type', 'account-id', 'tgw-id', 'tgw-attachment-id', 'tgw-src-vpc-account-id',
  'tgw-dst-vpc-account-id', 'tgw-src-vpc-id', 'tgw-dst-vpc-id', 'tgw-src-subnet-id', 'tgw-dst-subnet-id',
  'tgw-src-eni', 'tgw-dst-eni', 'tgw-src-az-id', 'tgw-dst-az-id', 'tgw-pair-attachment-id', 'srcaddr',
  'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'log-status', 'type',
  'packets-lost-no-route', 'packets-lost-blackhole', 'packets-lost-mtu-exceeded', 'packets-lost-ttl-expired',
  'tcp-flags', 'region', 'flow-direction', 'pkt-src-aws-service', 'pkt-dst-aws-service',
] as const;

const FIELD_IDS = new Map<string, number>([
  ['version', F_VERSION], ['account-id', F_ACCOUNT], ['interface-id', F_INTERFACE], ['srcaddr', F_SRCADDR],
  ['dstaddr', F_DSTADDR], ['srcport', F_SRCPORT], ['dstport', F_DSTPORT], ['protocol', F_PROTOCOL],
  ['packets', F_PACKETS], ['bytes', F_BYTES], ['start', F_START], ['end', F_END], ['action', F_ACTION],
  ['log-status', F_LOG_STATUS], ['vpc-id', F_VPC], ['region', F_REGION], ['flow-direction', F_FLOW_DIRECTION],
  ['tgw-id', F_TGW_ID], ['tgw-attachment-id', F_TGW_ATTACHMENT],
  ['tcp-flags', F_INT_ATTR], ['traffic-path', F_INT_ATTR], ['packets-lost-no-route', F_INT_ATTR],
  ['packets-lost-blackhole', F_INT_ATTR], ['packets-lost-mtu-exceeded', F_INT_ATTR],
  ['packets-lost-ttl-expired', F_INT_ATTR],
]);

/** Every documented field name (VPC v2–v8 and Transit Gateway). */
export const AWS_KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([
  ...AWS_V2_FIELDS, ...V3_FIELDS, ...V4_FIELDS, ...V5_FIELDS, ...V7_FIELDS, ...V8_FIELDS, ...AWS_TGW_FIELDS,
]);

export interface Layout {
  /** Hyphenated field names. */
  names: string[];
  ids: Uint8Array;
  count: number;
  /** Index of log-status, or -1. */
  statusIdx: number;
  /** The default (v2) field list, in its order: the fast path applies. */
  isV2: boolean;
  /** For auto layouts: a shape check that the line fits (index that must be `vpc-…`/`tgw-…` or `-`). */
  guardIdx: number;
  guardPrefix: string;
}

export function normalizeName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.indexOf('_') === -1 ? n : n.replace(/_/g, '-');
}

export function makeLayout(rawNames: readonly string[], guardIdx = -1, guardPrefix = ''): Layout {
  const names = rawNames.map(normalizeName);
  const ids = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) ids[i] = FIELD_IDS.get(names[i]) ?? F_OTHER;
  return {
    names, ids, count: names.length, statusIdx: names.indexOf('log-status'),
    isV2: names.join(' ') === AWS_V2_FIELDS.join(' '),
    guardIdx, guardPrefix,
  };
}

const DEFAULT_LAYOUT = makeLayout(AWS_V2_FIELDS);
const V3_ALL = [...AWS_V2_FIELDS, ...V3_FIELDS];
const V4_ALL = [...V3_ALL, ...V4_FIELDS];
const V5_ALL = [...V4_ALL, ...V5_FIELDS];
const V7_ALL = [...V5_ALL, ...V7_FIELDS];
const V8_ALL = [...V7_ALL, ...V8_FIELDS];
/** Auto layouts by field count (lines without a header or --aws-fields). */
export const AUTO_LAYOUTS = new Map<number, Layout>([
  [14, DEFAULT_LAYOUT],
  [V3_ALL.length, makeLayout(V3_ALL, 14, 'vpc-')],
  [V4_ALL.length, makeLayout(V4_ALL, 14, 'vpc-')],
  [V5_ALL.length, makeLayout(V5_ALL, 14, 'vpc-')],
  [V7_ALL.length, makeLayout(V7_ALL, 14, 'vpc-')],
  [V8_ALL.length, makeLayout(V8_ALL, 14, 'vpc-')],
  [AWS_TGW_FIELDS.length, makeLayout(AWS_TGW_FIELDS, 3, 'tgw-')],
]);

/** `6` → `TCP`, … for every protocol number, so the hot path allocates no strings. */
export const PROTOCOLS: string[] = [];
for (let i = 0; i < 256; i++) PROTOCOLS.push(protocolFromNumber(i) as string);

export const SOURCE_FORMATS: string[] = [];
for (let i = 0; i < 100; i++) SOURCE_FORMATS.push(`aws-vpc-v${i}`);

export const MAX_FIELDS = 256;

/**
 * `{version: v, 'log-status': 'OK'}` for the default format, shared (frozen) by all records with nothing else
 * in their attributes: saves one object per record.
 */
export const SHARED_ATTRS: Record<string, unknown>[] = [];
for (let i = 0; i < 100; i++) SHARED_ATTRS.push(Object.freeze({ version: i, 'log-status': 'OK' }));
