/**
 * Azure VNet flow logs (Network Watcher, flowLogVersion 4, category `FlowLogFlowEvent`).
 *
 * Input: the PT1H.json blob `{"records":[…]}`, a top-level array of records, or one record per line. A record:
 *   {time, flowLogVersion, flowLogGUID, macAddress, category, flowLogResourceID, targetResourceID, operationName,
 *    flowRecords: {flows: [{aclID, flowGroups: [{rule, flowTuples: ["…", …]}]}]}}
 * One output row per tuple
 *   `unixMillis,srcIP,dstIP,srcPort,dstPort,protocolNumber,direction,flowState,encryption,
 *    packetsS2D,bytesS2D,packetsD2S,bytesD2S`.
 *
 * Mapping (see also azure-common.ts for resource ids, MACs and shared attributes):
 *   timestamp         the tuple's time (ms; 10–11 digit values are read as seconds), not the record's `time`
 *   subscription_id   from targetResourceID, lower-cased GUID; resource_group from targetResourceID, as written
 *   nsg_name          the name of the flow log's target resource, as written: a VNet (`myVNet`), a NIC, or for
 *                     a subnet `vnet/subnet` (Azure's name for a child resource)
 *   rule_name         flowGroups[].rule
 *   protocol          IANA number: 6 → TCP, 17 → UDP, 1 → ICMP, 58 → ICMPv6, others as the number's text
 *   src_port/dst_port empty → null; null for ICMP/ICMPv6 (a non-zero value kept in attributes, see azure-common)
 *   flow_direction    I → Inbound, O → Outbound
 *   flow_state        B → Begin, C → Continuing, E → End, D → Deny
 *   flow_decision     Deny for state D, otherwise Allow
 *   packets_sent/bytes_sent = S2D, packets_received/bytes_received = D2S; packets, bytes = sums
 *   region            null (the blob does not say)
 *   source_format     `azure-vnet-v<flowLogVersion>` (`azure-vnet` with a warning when the record has none)
 *   attributes        the record's other top-level fields by their names (`time` as written, `flowLogGUID`,
 *                     `macAddress` normalized to `00-22-48-7B-C2-05`, `category`, `flowLogResourceID`,
 *                     `targetResourceID`, `operationName`, anything unknown) plus `aclID` and the tuple's
 *                     `encryption` (`X`, `NX`, `NX_HW_NOT_SUPPORTED`, …).
 * A tuple that cannot be read is rejected with an error diagnostic naming the record's line and the JSON
 * path (`flowRecords.flows[0].flowGroups[1].flowTuples[3]`); the other tuples are kept.
 */
import { diagnostic, newFlowRecord, type FlowDecision, type FlowDirection, type FlowState } from '../../model/index.js';
import { protocolFromNumber } from '../../model/protocol.js';
import type { FlowFormat } from '../types.js';
import {
  asObject,
  badTuple,
  describe,
  icmpPortAttributes,
  INVALID,
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

const FIELDS = 13;

interface RecordContext {
  line: number;
  format: string;
  subscription: string | null;
  resourceGroup: string | null;
  target: string | null;
}

function handleRecord(rec: Record<string, unknown>, line: number, path: string, sink: Sink): void {
  const object = sink.object;
  const flowRecords = asObject(rec.flowRecords);
  const flows = flowRecords === null ? undefined : flowRecords.flows;
  if (!Array.isArray(flows)) {
    const field = flowRecords === null ? `${path}flowRecords` : `${path}flowRecords.flows`;
    sink.diagnostics.push(
      diagnostic(object, line, field, 'missing-field',
        `line ${line}: ${field} is ${describe(flowRecords === null ? rec.flowRecords : flows)}, not ${flowRecords === null ? 'an object with flows' : 'an array'}; record skipped`),
    );
    return;
  }

  let format = 'azure-vnet';
  const version = rec.flowLogVersion;
  if ((typeof version === 'number' && Number.isInteger(version) && version > 0) || (typeof version === 'string' && /^\d{1,3}$/.test(version))) {
    format = `azure-vnet-v${version}`;
  } else {
    sink.diagnostics.push(
      version === undefined
        ? diagnostic(object, line, `${path}flowLogVersion`, 'missing-field', `line ${line}: ${path}flowLogVersion is missing; source_format is azure-vnet without a version`, 'warning')
        : diagnostic(object, line, `${path}flowLogVersion`, 'unknown-version',
          `line ${line}: ${path}flowLogVersion ${quote(version)} is not a version number; source_format is azure-vnet without a version`, 'warning'),
    );
  }

  const { subscription, resourceGroup, name: target } = resourceColumns(rec.targetResourceID, sink, line, `${path}targetResourceID`, 'target');
  const base = recordAttributes(rec, ['flowRecords', 'flowLogVersion'], sink, line, path);
  const ctx: RecordContext = { line, format, subscription, resourceGroup, target };

  let tuplesSeen = 0;
  for (let i = 0; i < flows.length; i++) {
    const aclPath = `${path}flowRecords.flows[${i}]`;
    const acl = asObject(flows[i]);
    if (acl === null || !Array.isArray(acl.flowGroups)) {
      sink.diagnostics.push(
        diagnostic(object, line, aclPath, 'missing-field', `line ${line}: ${aclPath} is ${describe(flows[i])} without a flowGroups array; skipped`),
      );
      continue;
    }
    const aclBase: Record<string, unknown> = { ...base };
    if (acl.aclID !== undefined) aclBase.aclID = acl.aclID;
    const groups = acl.flowGroups as unknown[];
    for (let j = 0; j < groups.length; j++) {
      const groupPath = `${aclPath}.flowGroups[${j}]`;
      const group = asObject(groups[j]);
      if (group === null || !Array.isArray(group.flowTuples)) {
        sink.diagnostics.push(
          diagnostic(object, line, groupPath, 'missing-field', `line ${line}: ${groupPath} is ${describe(groups[j])} without a flowTuples array; skipped`),
        );
        continue;
      }
      let rule: string | null = null;
      if (typeof group.rule === 'string' && group.rule !== '') rule = group.rule;
      else {
        sink.diagnostics.push(
          diagnostic(object, line, `${groupPath}.rule`, 'missing-field', `line ${line}: ${groupPath}.rule is ${describe(group.rule)}; rule_name left empty`, 'warning'),
        );
      }
      const tuples = group.flowTuples as unknown[];
      tuplesSeen += tuples.length;
      readTuples(tuples, ctx, rule, aclBase, `${groupPath}.flowTuples`, sink);
    }
  }
  if (tuplesSeen === 0) {
    sink.diagnostics.push(diagnostic(object, line, `${path}flowRecords.flows`, 'no-flows', `line ${line}: a record without flow tuples`, 'info'));
  }
}

/** Attributes per encryption value within one flow group (a handful of distinct values at most). */
function attributesFor(cache: (string | Record<string, unknown>)[], aclBase: Record<string, unknown>, t: string, a: number, b: number): Record<string, unknown> {
  for (let i = 0; i < cache.length; i += 2) {
    const enc = cache[i] as string;
    if (enc.length === b - a && t.startsWith(enc, a)) return cache[i + 1] as Record<string, unknown>;
  }
  const enc = t.slice(a, b);
  const attrs: Record<string, unknown> = { ...aclBase };
  if (enc !== '') attrs.encryption = enc;
  Object.freeze(attrs);
  if (cache.length < 16) cache.push(enc, attrs);
  return attrs;
}

function readTuples(
  tuples: unknown[],
  ctx: RecordContext,
  rule: string | null,
  aclBase: Record<string, unknown>,
  tuplesPath: string,
  sink: Sink,
): void {
  const object = sink.object;
  const line = ctx.line;
  const out = sink.records;
  const st = starts; // a local: cheaper than the imported binding in the hot loop
  const srcAddresses = new AddressCache(), dstAddresses = new AddressCache();
  const cache: (string | Record<string, unknown>)[] = [];
  for (let k = 0; k < tuples.length; k++) {
    const t = tuples[k];
    if (typeof t !== 'string') {
      sink.diagnostics.push(
        diagnostic(object, line, `${tuplesPath}[${k}]`, 'bad-tuple', `line ${line}, ${tuplesPath}[${k}]: ${describe(t)} is not a tuple string; skipped`),
      );
      continue;
    }
    const n = scanTuple(t);
    if (n !== FIELDS) {
      sink.diagnostics.push(
        diagnostic(object, line, `${tuplesPath}[${k}]`, 'wrong-field-count',
          `line ${line}, ${tuplesPath}[${k}]: ${n > MAX_TUPLE_FIELDS ? `more than ${MAX_TUPLE_FIELDS}` : n} fields (expected ${FIELDS}) in tuple ${quote(t)}; tuple skipped`),
      );
      continue;
    }
    const ts = readEpochMs(t, 0, st[1] - 1);
    if (ts === INVALID) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-timestamp', 'time', t, 0, st[1] - 1);
      continue;
    }
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
    // 5 protocol number (before ports: ICMP has none)
    const pn = readUint(t, st[5], st[6] - 1);
    const protocol = pn === 6 ? 'TCP' : pn === 17 ? 'UDP' : pn < 0 ? null : protocolFromNumber(pn);
    if (protocol === null) {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-protocol', 'protocol number', t, st[5], st[6] - 1);
      continue;
    }
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
    const icmp = pn === 1 || pn === 58;
    let direction: FlowDirection;
    const dc = st[7] - st[6] === 2 ? t.charCodeAt(st[6]) : 0;
    if (dc === 73) direction = 'Inbound';
    else if (dc === 79) direction = 'Outbound';
    else {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-direction', 'direction (I/O)', t, st[6], st[7] - 1);
      continue;
    }
    let state: FlowState;
    let decision: FlowDecision = 'Allow';
    const sc = st[8] - st[7] === 2 ? t.charCodeAt(st[7]) : 0;
    if (sc === 66) state = 'Begin';
    else if (sc === 67) state = 'Continuing';
    else if (sc === 69) state = 'End';
    else if (sc === 68) {
      state = 'Deny';
      decision = 'Deny';
    } else {
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-flow-state', 'flow state (B/C/E/D)', t, st[7], st[8] - 1);
      continue;
    }
    const ps = readUint(t, st[9], st[10] - 1);
    const bs = readUint(t, st[10], st[11] - 1);
    const pr = readUint(t, st[11], st[12] - 1);
    const br = readUint(t, st[12], st[13] - 1);
    if (ps === INVALID || bs === INVALID || pr === INVALID || br === INVALID) {
      const f = ps === INVALID ? 9 : bs === INVALID ? 10 : pr === INVALID ? 11 : 12;
      badTuple(sink, line, `${tuplesPath}[${k}]`, 'bad-counter', COUNTER_NAMES[f - 9], t, st[f], st[f + 1] - 1);
      continue;
    }
    const r = newFlowRecord('azure', ctx.format, object, line);
    r.timestamp = ts;
    r.subscription_id = ctx.subscription;
    r.resource_group = ctx.resourceGroup;
    r.nsg_name = ctx.target;
    r.rule_name = rule;
    r.src_ip = src;
    r.dst_ip = dst;
    r.src_port = sp < 0 || icmp ? null : sp;
    r.dst_port = dp < 0 || icmp ? null : dp;
    r.protocol = protocol;
    r.flow_direction = direction;
    r.flow_decision = decision;
    r.flow_state = state;
    // Counters: empty → null (not seen in v4, where Begin/Deny tuples carry zeros, but harmless).
    if (ps >= 0) r.packets_sent = ps;
    if (bs >= 0) r.bytes_sent = bs;
    if (pr >= 0) r.packets_received = pr;
    if (br >= 0) r.bytes_received = br;
    r.packets = (ps < 0 ? 0 : ps) + (pr < 0 ? 0 : pr);
    r.bytes = (bs < 0 ? 0 : bs) + (br < 0 ? 0 : br);
    const attributes = attributesFor(cache, aclBase, t, st[8], st[9] - 1);
    r.attributes = icmp ? icmpPortAttributes(attributes, sp, dp) : attributes;
    out.push(r);
  }
}

const COUNTER_NAMES = ['packets source→destination', 'bytes source→destination', 'packets destination→source', 'bytes destination→source'];

/** Signs of VNet flow-log content: keys that NSG flow logs do not have. */
function detect(head: string): number {
  let i = 0;
  while (i < head.length && head.charCodeAt(i) <= 32) i++;
  const c = head.charCodeAt(i);
  if (c !== 123 && c !== 91) return 0; // JSON object or array only
  let signs = 0;
  if (head.includes('"flowLogVersion"')) signs++;
  if (head.includes('"flowRecords"')) signs++;
  if (head.includes('"flowGroups"')) signs++;
  if (signs === 0) return 0;
  return signs >= 2 || head.includes('"flowTuples"') ? 0.95 : 0.7;
}

export const azureVnetFormat: FlowFormat = {
  id: 'azure-vnet',
  description: 'Azure VNet flow logs, flowLogVersion 4 (PT1H.json blobs, arrays or one record per line)',
  provider: 'azure',
  detect,
  parse: (input, options) => parseAzureJson(input, options, 'flowRecords', handleRecord),
};
