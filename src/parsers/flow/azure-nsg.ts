/**
 * Azure NSG flow logs, versions 1 and 2 (Network Watcher, category `NetworkSecurityGroupFlowEvent`).
 *
 * Input: the PT1H.json blob `{"records":[…]}`, a top-level array of records, or one record per line
 * (NDJSON, as Elastic's fixtures have them). A record:
 *   {time, systemId, macAddress, category, resourceId, operationName,
 *    properties: {Version, flows: [{rule, flows: [{mac, flowTuples: ["…", …]}]}]}}
 * One output row per tuple:
 *   v1 `unixSeconds,srcIP,dstIP,srcPort,dstPort,protocol,direction,decision`
 *   v2 adds `,flowState,packetsS2D,bytesS2D,packetsD2S,bytesD2S` (Begin tuples have empty counters).
 *
 * Mapping (see also azure-common.ts for resource ids, MACs and shared attributes):
 *   timestamp         the tuple's time (seconds → ms; 12–14 digit values are read as ms), not the record's
 *                     `time` (kept in attributes.time)
 *   subscription_id   from resourceId, lower-cased GUID; resource_group, nsg_name: from resourceId, as written
 *   rule_name         flows[].rule
 *   protocol          T → TCP, U → UDP (other letters/numbers through protocolFromText)
 *   src_port/dst_port empty → null; null for ICMP/ICMPv6 (a non-zero value kept in attributes, see azure-common)
 *   flow_direction    I → Inbound, O → Outbound;  flow_decision A → Allow, D → Deny
 *   flow_state        B → Begin, C → Continuing, E → End, D → Deny; a v2 tuple without state whose decision
 *                     is D → Deny (DESIGN); v1 has no state → null
 *   packets_sent/bytes_sent = S2D counters, packets_received/bytes_received = D2S; packets, bytes = sums;
 *                     empty counters (B tuples, v1) → directional null, totals 0
 *   region            null (the blob does not say)
 *   source_format     `azure-nsg-v<properties.Version>`; when Version is missing or unknown, v1 or v2 by the
 *                     tuple's field count (with a warning on the record)
 *   attributes        the record's other top-level fields by their names (`time` as written, `systemId`,
 *                     `category`, `operationName`, `macAddress` normalized, anything unknown) plus `mac`
 *                     (the flow group's MAC, normalized to `00-0D-3A-F8-78-56`). `resourceId` and
 *                     `properties` have columns of their own and are not repeated.
 * A tuple that cannot be read is rejected with an error diagnostic naming the record's line and the JSON
 * path (`properties.flows[0].flows[1].flowTuples[3]`); the other tuples are kept.
 */
import { diagnostic, newFlowRecord, type FlowDecision, type FlowDirection, type FlowState } from '../../model/index.js';
import { protocolFromText } from '../../model/protocol.js';
import type { FlowFormat } from '../types.js';
import {
  asObject,
  badTuple,
  describe,
  EMPTY,
  icmpPortAttributes,
  INVALID,
  macAttribute,
  recordAttributes,
  resourceColumns,
  AddressCache,
  MAX_TUPLE_FIELDS,
  parseAzureJson,
  quote,
  readEpochMs,
  readUint,
  scanTuple,
  starts,
  type Sink,
} from './azure-common.js';

const V1_FIELDS = 8;
const V2_FIELDS = 13;

/** Record-level context shared by all tuples of one record. */
interface RecordContext {
  line: number;
  /** `azure-nsg-v1` / `-v2`, or null when the record's Version is unknown (then by tuple field count). */
  format: string | null;
  subscription: string | null;
  resourceGroup: string | null;
  nsg: string | null;
  /** The record's top-level fields other than resourceId/properties (attributes of every tuple). */
  base: Record<string, unknown>;
}

function handleRecord(rec: Record<string, unknown>, line: number, path: string, sink: Sink): void {
  const object = sink.object;
  const props = asObject(rec.properties);
  if (props === null) {
    sink.diagnostics.push(
      diagnostic(object, line, `${path}properties`, 'missing-field',
        `line ${line}: ${path}properties is ${describe(rec.properties)}, not an object with flows; record skipped`),
    );
    return;
  }
  const flows = props.flows;
  if (!Array.isArray(flows)) {
    sink.diagnostics.push(
      diagnostic(object, line, `${path}properties.flows`, 'missing-field',
        `line ${line}: ${path}properties.flows is ${describe(flows)}, not an array; record skipped`),
    );
    return;
  }

  let format: string | null = null;
  const version = props.Version;
  if (version === 1 || version === '1') format = 'azure-nsg-v1';
  else if (version === 2 || version === '2') format = 'azure-nsg-v2';
  else {
    sink.diagnostics.push(
      version === undefined
        ? diagnostic(object, line, `${path}properties.Version`, 'missing-field',
          `line ${line}: ${path}properties.Version is missing; the version is taken from each tuple's field count`, 'warning')
        : diagnostic(object, line, `${path}properties.Version`, 'unknown-version',
          `line ${line}: ${path}properties.Version ${quote(version)} is not 1 or 2; the version is taken from each tuple's field count`, 'warning'),
    );
  }

  const { subscription, resourceGroup, name: nsg } = resourceColumns(rec.resourceId, sink, line, `${path}resourceId`, 'NSG');
  const base = recordAttributes(rec, ['resourceId', 'properties'], sink, line, path);
  const ctx: RecordContext = { line, format, subscription, resourceGroup, nsg, base };

  let tuplesSeen = 0;
  for (let i = 0; i < flows.length; i++) {
    const rulePath = `${path}properties.flows[${i}]`;
    const ruleGroup = asObject(flows[i]);
    if (ruleGroup === null || !Array.isArray(ruleGroup.flows)) {
      sink.diagnostics.push(
        diagnostic(object, line, rulePath, 'missing-field',
          `line ${line}: ${rulePath} is ${describe(flows[i])} without a flows array; skipped`),
      );
      continue;
    }
    let rule: string | null = null;
    if (typeof ruleGroup.rule === 'string' && ruleGroup.rule !== '') rule = ruleGroup.rule;
    else {
      sink.diagnostics.push(
        diagnostic(object, line, `${rulePath}.rule`, 'missing-field',
          `line ${line}: ${rulePath}.rule is ${describe(ruleGroup.rule)}; rule_name left empty`, 'warning'),
      );
    }
    const macGroups = ruleGroup.flows as unknown[];
    for (let j = 0; j < macGroups.length; j++) {
      const groupPath = `${rulePath}.flows[${j}]`;
      const group = asObject(macGroups[j]);
      if (group === null || !Array.isArray(group.flowTuples)) {
        sink.diagnostics.push(
          diagnostic(object, line, groupPath, 'missing-field',
            `line ${line}: ${groupPath} is ${describe(macGroups[j])} without a flowTuples array; skipped`),
        );
        continue;
      }
      const attributes: Record<string, unknown> = { ...base };
      if (group.mac !== undefined) attributes.mac = macAttribute(group.mac, sink, line, `${groupPath}.mac`);
      Object.freeze(attributes);
      const tuples = group.flowTuples as unknown[];
      tuplesSeen += tuples.length;
      readTuples(tuples, ctx, rule, attributes, `${groupPath}.flowTuples`, sink);
    }
  }
  if (tuplesSeen === 0) {
    sink.diagnostics.push(diagnostic(object, line, `${path}properties.flows`, 'no-flows', `line ${line}: a record without flow tuples`, 'info'));
  }
}

function readTuples(
  tuples: unknown[],
  ctx: RecordContext,
  rule: string | null,
  attributes: Record<string, unknown>,
  tuplesPath: string,
  sink: Sink,
): void {
  const object = sink.object;
  const line = ctx.line;
  const out = sink.records;
  const st = starts; // a local: cheaper than the imported binding in the hot loop
  const srcAddresses = new AddressCache(), dstAddresses = new AddressCache();
  for (let k = 0; k < tuples.length; k++) {
    const t = tuples[k];
    if (typeof t !== 'string') {
      sink.diagnostics.push(
        diagnostic(object, line, `${tuplesPath}[${k}]`, 'bad-tuple', `line ${line}, ${tuplesPath}[${k}]: ${describe(t)} is not a tuple string; skipped`),
      );
      continue;
    }
    const n = scanTuple(t);
    if (n !== V1_FIELDS && n !== V2_FIELDS) {
      sink.diagnostics.push(
        diagnostic(object, line, `${tuplesPath}[${k}]`, 'wrong-field-count',
          `line ${line}, ${tuplesPath}[${k}]: ${n > MAX_TUPLE_FIELDS ? `more than ${MAX_TUPLE_FIELDS}` : n} fields (expected ${V1_FIELDS} or ${V2_FIELDS}) in tuple ${quote(t)}; tuple skipped`),
      );
      continue;
    }
    // 0 time
    const ts = readEpochMs(t, 0, st[1] - 1);
    if (ts === INVALID) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-timestamp', 'time', t, 0, st[1] - 1);
      continue;
    }
    // 1, 2 addresses
    // The group's own address recurs in most tuples: reuse the last source/destination when the text matches.
    const src = srcAddresses.at(t, st[1], st[2] - 1);
    if (src === null) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-ip', 'source IP', t, st[1], st[2] - 1);
      continue;
    }
    const dst = dstAddresses.at(t, st[2], st[3] - 1);
    if (dst === null) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-ip', 'destination IP', t, st[2], st[3] - 1);
      continue;
    }
    // 5 protocol (before ports: ICMP has none)
    let protocol: string | null;
    const pa = st[5], pb = st[6] - 1;
    const pc = pb - pa === 1 ? t.charCodeAt(pa) : 0;
    if (pc === 84) protocol = 'TCP';
    else if (pc === 85) protocol = 'UDP';
    else protocol = protocolFromText(t.slice(pa, pb));
    if (protocol === null) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-protocol', 'protocol', t, pa, pb);
      continue;
    }
    // 3, 4 ports: empty → null; ICMP ports are meaningless → null
    const sp = readUint(t, st[3], st[4] - 1);
    if (sp === INVALID || sp > 65535) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-port', 'source port', t, st[3], st[4] - 1);
      continue;
    }
    const dp = readUint(t, st[4], st[5] - 1);
    if (dp === INVALID || dp > 65535) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-port', 'destination port', t, st[4], st[5] - 1);
      continue;
    }
    const icmp = protocol === 'ICMP' || protocol === 'ICMPv6';
    // 6 direction
    let direction: FlowDirection;
    const dc = st[7] - st[6] === 2 ? t.charCodeAt(st[6]) : 0;
    if (dc === 73) direction = 'Inbound';
    else if (dc === 79) direction = 'Outbound';
    else {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-direction', 'direction (I/O)', t, st[6], st[7] - 1);
      continue;
    }
    // 7 decision
    let decision: FlowDecision;
    const ea = st[7], eb = st[8] - 1;
    const ec = eb - ea === 1 ? t.charCodeAt(ea) : 0;
    if (ec === 65) decision = 'Allow';
    else if (ec === 68) decision = 'Deny';
    else {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-decision', 'decision (A/D)', t, ea, eb);
      continue;
    }
    let state: FlowState | null = null;
    let ps = EMPTY, bs = EMPTY, pr = EMPTY, br = EMPTY;
    if (n === V2_FIELDS) {
      // 8 state
      const sa = st[8], sb = st[9] - 1;
      if (sb === sa) state = decision === 'Deny' ? 'Deny' : null;
      else {
        const sc = sb - sa === 1 ? t.charCodeAt(sa) : 0;
        if (sc === 66) state = 'Begin';
        else if (sc === 67) state = 'Continuing';
        else if (sc === 69) state = 'End';
        else if (sc === 68) state = 'Deny';
        else {
          badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-flow-state', 'flow state (B/C/E)', t, sa, sb);
          continue;
        }
      }
      // 9–12 counters
      ps = readUint(t, st[9], st[10] - 1);
      bs = readUint(t, st[10], st[11] - 1);
      pr = readUint(t, st[11], st[12] - 1);
      br = readUint(t, st[12], st[13] - 1);
      if (ps === INVALID || bs === INVALID || pr === INVALID || br === INVALID) {
        const f = ps === INVALID ? 9 : bs === INVALID ? 10 : pr === INVALID ? 11 : 12;
        badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-counter', COUNTER_NAMES[f - 9], t, st[f], st[f + 1] - 1);
        continue;
      }
    }
    const r = newFlowRecord('azure', ctx.format ?? (n === V2_FIELDS ? 'azure-nsg-v2' : 'azure-nsg-v1'), object, line);
    r.timestamp = ts;
    r.subscription_id = ctx.subscription;
    r.resource_group = ctx.resourceGroup;
    r.nsg_name = ctx.nsg;
    r.rule_name = rule;
    r.src_ip = src;
    r.dst_ip = dst;
    r.src_port = sp === EMPTY || icmp ? null : sp;
    r.dst_port = dp === EMPTY || icmp ? null : dp;
    r.protocol = protocol;
    r.flow_direction = direction;
    r.flow_decision = decision;
    r.flow_state = state;
    if (ps !== EMPTY) r.packets_sent = ps;
    if (bs !== EMPTY) r.bytes_sent = bs;
    if (pr !== EMPTY) r.packets_received = pr;
    if (br !== EMPTY) r.bytes_received = br;
    r.packets = (ps === EMPTY ? 0 : ps) + (pr === EMPTY ? 0 : pr);
    r.bytes = (bs === EMPTY ? 0 : bs) + (br === EMPTY ? 0 : br);
    r.attributes = icmp ? icmpPortAttributes(attributes, sp, dp) : attributes;
    out.push(r);
  }
}

const COUNTER_NAMES = ['packets source→destination', 'bytes source→destination', 'packets destination→source', 'bytes destination→source'];

/** Signs of NSG flow-log content (JSON keys/values); none of them occurs in VNet flow logs. */
function detect(head: string): number {
  let i = 0;
  while (i < head.length && (head.charCodeAt(i) <= 32)) i++;
  const c = head.charCodeAt(i);
  if (c !== 123 && c !== 91) return 0; // JSON object or array only
  if (head.includes('"flowLogVersion"') || head.includes('"flowRecords"') || head.includes('"flowGroups"')) return 0;
  const tuples = head.includes('"flowTuples"');
  const version = head.includes('"Version"');
  // Without flowTuples, the NSG name alone is not enough: it must be the `resourceId` or `operationName` of a
  // record (an Elastic ECS document quotes the same names under other keys, e.g. `operation_name`).
  const nsg =
    (head.includes('"resourceId"') && /networksecuritygroups/i.test(head)) ||
    /"operationName"\s*:\s*"NetworkSecurityGroupFlowEvents?"/i.test(head);
  if (tuples && (nsg || version)) return 0.95;
  if (tuples || nsg) return 0.7;
  return 0;
}

export const azureNsgFormat: FlowFormat = {
  id: 'azure-nsg',
  description: 'Azure NSG flow logs, versions 1 and 2 (PT1H.json blobs, arrays or one record per line)',
  provider: 'azure',
  detect,
  parse: (input, options) => parseAzureJson(input, options, 'properties', handleRecord),
};
