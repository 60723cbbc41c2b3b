import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, FlowRecord } from '../../../src/model/index.js';
import { awsVpcFormat, parseAwsHeader } from '../../../src/parsers/flow/aws-vpc.js';
import { normalizeIp } from '../../../src/parsers/ip.js';
import { protocolFromNumber } from '../../../src/model/protocol.js';
import { describeShared, sharedFixture } from '../../helpers/fixtures.js';
import { collect, collectFile, type Collected } from '../../helpers/parse.js';

const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const V2_LINE = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';

const parse = (text: string, options: Parameters<typeof collect>[2] = {}, chunk?: number) => collect(awsVpcFormat, text, options, chunk);
const reasons = (r: Collected) => r.diagnostics.map((d) => `${d.line}:${d.severity}:${d.reason}`);

// ------------------------------------------------------------------------------------------------
// Conformance against the Elastic samples (expected files are Elastic ECS events: values compared, not names)

const AWS = 'flowlogs/aws-vpc';
const TRANSIT_GATEWAY_FIELDS = // from PROVENANCE.md (the AWS docs' custom transit-gateway example)
  'version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status';

type Event = Record<string, unknown>;

/** A value from an expected event, by dotted path: flat keys (beats) or nested objects (integrations). */
function get(ev: Event, path: string): unknown {
  if (path in ev) return ev[path];
  let cur: unknown = ev;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function vpcflowFields(ev: Event): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (k.startsWith('aws.vpcflow.')) out[k.slice('aws.vpcflow.'.length)] = v;
  const nested = get(ev, 'aws.vpcflow');
  if (nested && typeof nested === 'object') Object.assign(out, nested);
  return out;
}

/** Elastic's aws.vpcflow key → AWS field name. */
function awsName(key: string): string | null {
  if (key === 'sublocation' || key === 'tcp_flags_array') return null; // Elastic additions
  if (key === 'pkt_src_service') return 'pkt-src-aws-service'; // Elastic renames these two
  if (key === 'pkt_dst_service') return 'pkt-dst-aws-service';
  return key.replace(/_/g, '-');
}

const iso = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : undefined);

/** The AWS field value of a record as text (columns for mapped fields, attributes for the rest). */
function recordField(r: FlowRecord, name: string): unknown {
  switch (name) {
    case 'account-id': return r.subscription_id;
    case 'interface-id': return r.nsg_name;
    case 'vpc-id': return r.resource_group;
    case 'action': return r.flow_decision === 'Allow' ? 'ACCEPT' : r.flow_decision === 'Deny' ? 'REJECT' : (r.attributes?.action ?? '-');
    default: {
      const v = r.attributes?.[name];
      return v === undefined || v === null ? '-' : String(v);
    }
  }
}

function compareRecord(r: FlowRecord, ev: Event): void {
  const ctx = `line ${r.source_line}`;
  expect(r.src_ip, ctx).toBe(get(ev, 'source.ip') ?? null);
  expect(r.dst_ip, ctx).toBe(get(ev, 'destination.ip') ?? null);
  const icmp = r.protocol === 'ICMP' || r.protocol === 'ICMPv6';
  // Deliberate difference: AWS writes port 0 for ICMP; Elastic keeps 0, we store null (ICMP has no ports).
  expect(r.src_port, ctx).toBe(icmp && get(ev, 'source.port') === 0 ? null : (get(ev, 'source.port') ?? null));
  expect(r.dst_port, ctx).toBe(icmp && get(ev, 'destination.port') === 0 ? null : (get(ev, 'destination.port') ?? null));
  const iana = get(ev, 'network.iana_number');
  expect(r.protocol, ctx).toBe(iana === undefined ? null : protocolFromNumber(Number(iana)));
  expect(r.packets, ctx).toBe(get(ev, 'network.packets') ?? 0);
  expect(r.bytes, ctx).toBe(get(ev, 'network.bytes') ?? 0);
  // Elastic: @timestamp = end, event.start = start. Ours: timestamp = start, end_time = end.
  expect(r.timestamp, ctx).toBe(iso(get(ev, 'event.start')) ?? null);
  expect(r.end_time, ctx).toBe(iso(get(ev, 'event.end')) ?? null);
  const account = get(ev, 'cloud.account.id') ?? vpcflowFields(ev).account_id;
  expect(r.subscription_id, ctx).toBe(account ?? null);
  const dir = get(ev, 'network.direction');
  expect(r.flow_direction, ctx).toBe(dir === 'ingress' ? 'Inbound' : dir === 'egress' ? 'Outbound' : null);
  const outcome = get(ev, 'event.outcome');
  if (outcome !== undefined) expect(r.flow_decision, ctx).toBe(outcome === 'allow' || outcome === 'success' ? 'Allow' : 'Deny');
  // Elastic writes `-` as cloud.region where the field is `-`; we write null.
  const region = get(ev, 'cloud.region');
  expect(r.region, ctx).toBe(region === undefined || region === '-' ? null : region);
  const az = get(ev, 'cloud.availability_zone');
  if (az !== undefined && az !== '-') expect(r.attributes?.['az-id'], ctx).toBe(az);
  for (const [key, value] of Object.entries(vpcflowFields(ev))) {
    const name = awsName(key);
    if (name === null) continue;
    if (name === 'protocol') expect(r.protocol, ctx).toBe(protocolFromNumber(Number(value)));
    else expect(recordField(r, name), `${ctx} ${name}`).toBe(String(value));
  }
}

/** NODATA/SKIPDATA: Elastic emits events; we emit info diagnostics whose detail holds the fields (deliberate). */
function compareNoData(d: Diagnostic, ev: Event): void {
  const ctx = `line ${d.line}`;
  const detail = d.detail as Record<string, unknown>;
  expect(d.severity).toBe('info');
  const status = vpcflowFields(ev).log_status;
  expect(d.reason, ctx).toBe(String(status).toLowerCase());
  const start = iso(get(ev, 'event.start'));
  if (start !== undefined) expect(Number(detail.start) * 1000, ctx).toBe(start);
  const end = iso(get(ev, 'event.end'));
  if (end !== undefined) expect(Number(detail.end) * 1000, ctx).toBe(end);
  const src = get(ev, 'source.ip');
  if (src !== undefined) expect(detail.srcaddr, ctx).toBe(src);
  const dst = get(ev, 'destination.ip');
  if (dst !== undefined) expect(detail.dstaddr, ctx).toBe(dst);
  const bytes = get(ev, 'network.bytes');
  if (bytes !== undefined) expect(detail.bytes, ctx).toBe(bytes);
  for (const [key, value] of Object.entries(vpcflowFields(ev))) {
    const name = awsName(key);
    if (name === null) continue;
    const v = detail[name];
    expect(v === null || v === undefined ? '-' : String(v), `${ctx} ${name}`).toBe(String(value));
  }
}

/** Matches expected events to our output by line text (event.original = the input line). */
function compareFile(file: string, got: Collected): { records: number; noData: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const raw = JSON.parse(readFileSync(`${file}-expected.json`, 'utf8')) as { expected: Event[] } | Event[];
  const expected = Array.isArray(raw) ? raw : raw.expected;
  let records = 0, noData = 0;
  for (const ev of expected) {
    const original = String(get(ev, 'event.original'));
    // event.original is the input line, or for `{"message": …}` lines the message
    const lineNo = lines.findIndex((l) => l === original || (l.startsWith('{') && (JSON.parse(l) as Event).message === original)) + 1;
    expect(lineNo, original).toBeGreaterThan(0);
    const offset = get(ev, 'log.offset');
    if (typeof offset === 'number') expect(Buffer.byteLength(lines.slice(0, lineNo - 1).map((l) => `${l}\n`).join(''))).toBe(offset);
    const status = vpcflowFields(ev).log_status;
    if (status === 'NODATA' || status === 'SKIPDATA') {
      const d = got.diagnostics.find((x) => x.line === lineNo);
      expect(d, `diagnostic for line ${lineNo}`).toBeDefined();
      compareNoData(d!, ev);
      noData++;
    } else {
      const r = got.records.find((x) => x.source_line === lineNo);
      expect(r, `record for line ${lineNo}`).toBeDefined();
      compareRecord(r!, ev);
      records++;
    }
  }
  expect(got.records.length).toBe(records);
  expect(got.diagnostics.filter((d) => d.severity === 'info').length).toBe(noData);
  expect(got.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  return { records, noData };
}

describeShared('aws-vpc: Elastic samples', () => {
  const cases: [string, number, number, Partial<Parameters<typeof collect>[2]>?][] = [
    ['elastic-beats/accept-reject-traffic.log', 4, 0],
    ['elastic-beats/no-data-skip-data.log', 0, 2],
    ['elastic-beats/tcp-flag-sequence-skip-data.log', 0, 2],
    ['elastic-beats/custom-nat-gateway.log', 2, 0],
    ['elastic-beats/custom-transit-gateway.log', 1, 0, { awsFields: [TRANSIT_GATEWAY_FIELDS] }],
    ['elastic-integrations/test-extra-samples.log', 5, 2],
    ['elastic-integrations/test-tcp-flag-sequence.log', 1, 2],
    // test-v5-all-fields: no header, 29 fields = the documented v5 all-fields order (auto layout).
    ['elastic-integrations/test-v5-all-fields.log', 1, 0],
    // test-v8-samples: 40 fields (v8 all-fields order); its log-status is NODATA → an info diagnostic here.
    ['elastic-integrations/test-v8-samples.log', 0, 1],
    // TGW default format (36 fields). Elastic emits events for its SKIPDATA/NODATA rows; we emit diagnostics.
    ['elastic-integrations/test-tgw-samples.log', 3, 7],
    ['elastic-integrations/test-with-message-field.log', 0, 1],
  ];
  for (const [name, records, noData, options] of cases) {
    it(`${name}: values match the expected events`, async () => {
      const file = sharedFixture(AWS, name);
      const got = await collectFile(awsVpcFormat, file, options);
      expect(compareFile(file, got)).toEqual({ records, noData });
    });
  }

  it('accept-reject-traffic: header line skipped, ICMP without ports, v2 attributes', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-beats/accept-reject-traffic.log'));
    expect(got.records.map((r) => r.source_line)).toEqual([2, 3, 4, 5]);
    const icmp = got.records[2];
    expect([icmp.protocol, icmp.src_port, icmp.dst_port, icmp.flow_decision]).toEqual(['ICMP', null, null, 'Allow']);
    expect(got.records[0].attributes).toEqual({ version: 2, 'log-status': 'OK' });
    expect(got.records[0].source_format).toBe('aws-vpc-v2');
    expect(got.records[0].flow_direction).toBeNull();
  });

  it('custom-transit-gateway: without --aws-fields it is an unknown custom format', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-beats/custom-transit-gateway.log'));
    expect(got.records).toEqual([]);
    expect(reasons(got)).toEqual(['1:error:unknown-custom-format']);
    expect(got.diagnostics[0].message).toContain('--aws-fields');
    const r = (await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-beats/custom-transit-gateway.log'), { awsFields: TRANSIT_GATEWAY_FIELDS.split(' ') })).records[0];
    expect([r.source_format, r.resource_group, r.nsg_name, r.timestamp, r.attributes?.['tcp-flags']]).toEqual(['aws-vpc-v3', 'vpc-abcdefab012345678', 'eni-33333333333333333', null, 3]);
  });

  it('custom-nat-gateway: no version or times, `-` instance-id omitted', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-beats/custom-nat-gateway.log'));
    expect(got.records[0].source_format).toBe('aws-vpc-custom');
    expect(got.records[0].timestamp).toBeNull();
    expect(got.records[0].attributes).toEqual({ 'pkt-srcaddr': '10.0.1.5', 'pkt-dstaddr': '203.0.113.5' });
    expect(got.records[1].attributes?.['instance-id']).toBe('i-01234567890123456');
  });

  it('test-v5-all-fields: 9-digit start taken as epoch seconds (1975), v5 fields', async () => {
    const [r] = (await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-integrations/test-v5-all-fields.log'))).records;
    expect(r.timestamp).toBe(164000066000);
    expect([r.source_format, r.region, r.flow_direction, r.resource_group]).toEqual(['aws-vpc-v5', 'us-east-1', 'Inbound', 'vpc-09676f97xxxxxb8a7']);
    expect(r.attributes).toMatchObject({ 'traffic-path': 1, 'tcp-flags': 1, 'pkt-src-aws-service': 'AMAZON', 'az-id': 'use1-az5' });
    expect(r.attributes).not.toHaveProperty('sublocation-id');
  });

  it('test-tgw-samples: attachment and gateway stand in for ENI and VPC; no decision', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-integrations/test-tgw-samples.log'));
    const r = got.records[0];
    expect([r.nsg_name, r.resource_group, r.flow_decision, r.source_line]).toEqual(['tgw-attach-0123abcd', 'tgw-0a12bc34de56f7890', null, 3]);
    expect(r.attributes?.['tgw-src-eni']).toBe('eni-0ee5f66aa7bcc89d0');
  });

  it('test-ecs-samples (no expected file): 4 OK records, 4 NODATA and 2 SKIPDATA diagnostics', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-integrations/test-ecs-samples.log'));
    expect(got.records.map((r) => r.source_line)).toEqual([1, 4, 5, 6]);
    expect(reasons(got)).toEqual(['2:info:nodata', '3:info:skipdata', '7:info:nodata', '8:info:skipdata', '9:info:nodata', '10:info:nodata']);
    const r = got.records[0];
    expect([r.source_format, r.src_ip, r.dst_ip, r.protocol, r.flow_decision, r.flow_direction, r.nsg_name]).toEqual(['aws-vpc-v3', '1.128.0.0', '2a02:cf40::', 'UDP', 'Deny', 'Inbound', null]);
    expect(r.attributes).toMatchObject({ 'ecs-cluster-name': 'frontend-cluster', 'ecs-task-id': '6adbd0d6-211', 'ecs-service-name': 'payments-service' });
    expect(got.diagnostics[0].detail).toMatchObject({ 'ecs-cluster-name': 'orders-cluster', 'log-status': 'NODATA', srcport: 63715 });
  });

  it('bad.log: an error diagnostic, no crash', async () => {
    const got = await collectFile(awsVpcFormat, sharedFixture(AWS, 'elastic-beats/bad.log'));
    expect(got.records).toEqual([]);
    expect(reasons(got)).toEqual(['1:error:unknown-custom-format']);
    expect(got.diagnostics[0].message).toContain('Phony unsupported log format.');
  });

  it('detect() recognizes every sample except bad.log', () => {
    for (const name of ['elastic-beats/accept-reject-traffic.log', 'elastic-beats/no-data-skip-data.log', 'elastic-beats/custom-nat-gateway.log',
      'elastic-beats/custom-transit-gateway.log', 'elastic-beats/tcp-flag-sequence-skip-data.log', 'elastic-integrations/test-extra-samples.log',
      'elastic-integrations/test-v5-all-fields.log', 'elastic-integrations/test-v8-samples.log', 'elastic-integrations/test-tgw-samples.log',
      'elastic-integrations/test-ecs-samples.log', 'elastic-integrations/test-with-message-field.log', 'elastic-integrations/test-tcp-flag-sequence.log']) {
      expect(awsVpcFormat.detect(readFileSync(sharedFixture(AWS, name), 'utf8')), name).toBeGreaterThanOrEqual(0.6);
    }
    expect(awsVpcFormat.detect(readFileSync(sharedFixture(AWS, 'elastic-beats/bad.log'), 'utf8'))).toBe(0);
  });

  it('detect() says no to the Azure and GCP samples', () => {
    for (const name of ['flowlogs/azure-nsg/elastic-integrations/testdata.log', 'flowlogs/azure-nsg/elastic-integrations/test-nsg.log',
      'flowlogs/azure-vnet/elastic-integrations/test-vnet.log', 'flowlogs/gcp-vpc/elastic-beats/vpc-flow-log-entries.first7.json.log']) {
      expect(awsVpcFormat.detect(readFileSync(sharedFixture(name), 'utf8').slice(0, 64 * 1024)), name).toBe(0);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Edge cases

describe('aws-vpc: default format', () => {
  it('maps every v2 field', async () => {
    const { records, diagnostics } = await parse(`${V2_LINE}\n`, { object: 'obj' });
    expect(diagnostics).toEqual([]);
    expect(records).toEqual([{
      timestamp: 1418530010000, end_time: 1418530070000, subscription_id: '123456789010', resource_group: null,
      nsg_name: 'eni-1235b8ca123456789', rule_name: null, src_ip: '172.31.16.139', dst_ip: '172.31.16.21', src_port: 20641,
      dst_port: 22, protocol: 'TCP', flow_direction: null, flow_decision: 'Allow', flow_state: null, packets: 20, bytes: 4249,
      packets_sent: null, bytes_sent: null, packets_received: null, bytes_received: null, region: null, geo_src: null,
      geo_dst: null, provider: 'aws', source_format: 'aws-vpc-v2', attributes: { version: 2, 'log-status': 'OK' },
      source_object: 'obj', source_line: 1,
    }]);
  });

  it('REJECT, IPv6 normalized, ICMPv6 without ports, other protocols as numbers', async () => {
    const text = [
      V2_LINE.replace('ACCEPT', 'REJECT'),
      '2 123456789010 eni-1 2001:DB8:0:0:0:0:0:1 FE80::0001 0 0 58 1 64 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-1 10.0.0.1 10.0.0.2 0 0 47 1 64 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-1 10.0.0.1 10.0.0.2 0 8 1 1 64 1418530010 1418530070 ACCEPT OK',
    ].join('\n');
    const { records, diagnostics } = await parse(text);
    expect(diagnostics).toEqual([]);
    expect(records[0].flow_decision).toBe('Deny');
    expect([records[1].src_ip, records[1].dst_ip, records[1].protocol, records[1].src_port, records[1].dst_port]).toEqual(['2001:db8::1', 'fe80::1', 'ICMPv6', null, null]);
    expect([records[2].protocol, records[2].src_port, records[2].dst_port]).toEqual(['47', 0, 0]);
    expect([records[3].protocol, records[3].src_port, records[3].dst_port]).toEqual(['ICMP', null, 8]);
  });

  it('versions above 99, millisecond epochs, large counters, repeated spaces and CRLF', async () => {
    const text = '107  123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 9007199254740991 1234567890123456 1418530010123 1418530070456 ACCEPT OK \r\n';
    const { records, diagnostics } = await parse(text);
    expect(diagnostics).toEqual([]);
    expect(records[0]).toMatchObject({ source_format: 'aws-vpc-v107', packets: 9007199254740991, bytes: 1234567890123456, timestamp: 1418530010123, end_time: 1418530070456 });
    expect(records[0].attributes).toEqual({ version: 107, 'log-status': 'OK' });
  });

  it('rejects bad values field by field with an error naming line, field and value', async () => {
    const bad: [string, string, string][] = [
      ['srcaddr', '10.0.0.256', 'bad-ip'], ['dstaddr', 'host.example', 'bad-ip'], ['srcport', '65536', 'bad-port'],
      ['dstport', 'x', 'bad-port'], ['protocol', '256', 'bad-protocol'], ['packets', '-5', 'bad-number'],
      ['bytes', '1e3', 'bad-number'], ['start', 'yesterday', 'bad-timestamp'], ['end', '12345678901234567890x', 'bad-timestamp'],
      ['bytes', '123456789012345678901234567890', 'bad-number'],
    ];
    const fields = V2_HEADER.split(' ');
    for (const [field, value, reason] of bad) {
      const tokens = V2_LINE.split(' ');
      tokens[fields.indexOf(field)] = value;
      const got = await parse(`${V2_LINE}\n${tokens.join(' ')}\n${V2_LINE}`);
      expect(got.records.map((r) => r.source_line), field).toEqual([1, 3]);
      expect(got.diagnostics.map((d) => [d.line, d.field, d.reason, d.severity]), field).toEqual([[2, field, reason, 'error']]);
      expect(got.diagnostics[0].message).toContain(JSON.stringify(value.slice(0, 80)));
      expect(got.diagnostics[0].message).toContain('line 2');
    }
  });

  it('keeps the record with a warning for odd version, action and flow-direction values', async () => {
    const got = await parse([
      V2_LINE.replace(/^2 /, 'v2 '),
      V2_LINE.replace('ACCEPT', 'ALLOW'),
    ].join('\n'));
    expect(reasons(got)).toEqual(['1:warning:bad-version', '2:warning:bad-action']);
    expect(got.records[0]).toMatchObject({ source_format: 'aws-vpc-custom', attributes: { version: 'v2', 'log-status': 'OK' } });
    expect(got.records[1]).toMatchObject({ flow_decision: null, attributes: { action: 'ALLOW', version: 2 } });
    const dir = await parse('srcaddr dstaddr flow-direction log-status tcp-flags\n10.0.0.1 10.0.0.2 sideways SOMETHING 0x2\n10.0.0.1 10.0.0.2 egress - 3');
    expect(reasons(dir)).toEqual(['2:warning:bad-direction']);
    expect(dir.records.map((r) => [r.flow_direction, r.attributes])).toEqual([
      [null, { 'flow-direction': 'sideways', 'tcp-flags': '0x2', 'log-status': 'SOMETHING' }],
      ['Outbound', { 'tcp-flags': 3 }],
    ]);
  });

  it('a truncated last line (no newline, fields missing) is an error; the lines before are kept', async () => {
    const got = await parse(`${V2_LINE}\n${V2_LINE.slice(0, 60)}`);
    expect(got.records.length).toBe(1);
    expect(reasons(got)).toEqual(['2:error:unknown-custom-format']);
    const withHeader = await parse(`${V2_HEADER}\n${V2_LINE}\n${V2_LINE.slice(0, 60)}`);
    expect(reasons(withHeader)).toEqual(['3:error:wrong-field-count']);
  });

  it('NODATA / SKIPDATA become info diagnostics with the record fields', async () => {
    const got = await parse('2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n\n2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - SKIPDATA\n');
    expect(got.records).toEqual([]);
    expect(reasons(got)).toEqual(['1:info:nodata', '3:info:skipdata']);
    expect(got.diagnostics[0].detail).toEqual({
      version: 2, 'account-id': '123456789010', 'interface-id': 'eni-1235b8ca123456789', srcaddr: null, dstaddr: null, srcport: null,
      dstport: null, protocol: null, packets: null, bytes: null, start: 1431280876, end: 1431280934, action: null, 'log-status': 'NODATA',
    });
    expect(got.diagnostics[0].message).toMatch(/^line 1: NODATA .*eni-1235b8ca123456789/);
    expect(got.diagnostics[0].field).toBe('log-status');
  });

  it('source_line, blank lines, BOM and whitespace-only lines', async () => {
    const got = await parse(`\uFEFF\n   \n${V2_LINE}\n\n\t\n${V2_LINE}\n`);
    expect(got.diagnostics).toEqual([]);
    expect(got.records.map((r) => r.source_line)).toEqual([3, 6]);
  });

  it('over-long lines are reported by the line reader and skipped', async () => {
    const got = await parse(`${V2_LINE}\n${'9 '.repeat(200)}\n${V2_LINE}\n`, { maxLineLength: 200 });
    expect(got.records.map((r) => r.source_line)).toEqual([1, 3]);
    expect(reasons(got)).toEqual(['2:error:line-too-long']);
  });

  it('a line with more than 256 fields is rejected', async () => {
    const got = await parse(`${'1 '.repeat(300)}\n`, { awsFields: ['version'] });
    expect(reasons(got)).toEqual(['1:error:too-many-fields']);
  });

  it('invalid UTF-8 is a warning from the line reader; the bad value then fails its field', async () => {
    const bytes = new TextEncoder().encode(V2_LINE.replace('eni-1235b8ca123456789', 'eni-XX'));
    const i = bytes.indexOf(0x58);
    bytes[i] = 0xff;
    const got = await collect(awsVpcFormat, bytes);
    expect(got.records[0].nsg_name).toBe('eni-\uFFFDX');
    expect(reasons(got)).toEqual(['1:warning:invalid-utf8']);
  });
});

describe('aws-vpc: field lists', () => {
  it('a header line sets the format; a repeated header re-sets it (concatenated files)', async () => {
    const text = [
      'srcaddr dstaddr bytes',
      '10.0.0.1 10.0.0.2 100',
      V2_HEADER,
      V2_LINE,
      'srcaddr dstaddr bytes',
      '10.0.0.3 10.0.0.4 300',
    ].join('\n');
    const got = await parse(text);
    expect(got.diagnostics).toEqual([]);
    expect(got.records.map((r) => [r.source_line, r.src_ip, r.bytes, r.source_format])).toEqual([
      [2, '10.0.0.1', 100, 'aws-vpc-custom'], [4, '172.31.16.139', 4249, 'aws-vpc-v2'], [6, '10.0.0.3', 300, 'aws-vpc-custom'],
    ]);
  });

  it('awsFields applies without a header; a header in the input wins over it', async () => {
    const awsFields = ['start', 'srcaddr dstaddr', 'action'];
    const got = await parse('1700000000 10.0.0.1 10.0.0.2 REJECT\n', { awsFields });
    expect(got.records.map((r) => [r.timestamp, r.src_ip, r.flow_decision])).toEqual([[1700000000000, '10.0.0.1', 'Deny']]);
    const overridden = await parse(`${V2_HEADER}\n${V2_LINE}\n`, { awsFields });
    expect(overridden.records.length).toBe(1);
    expect(overridden.diagnostics).toEqual([]);
    const mismatch = await parse(`${V2_LINE}\n`, { awsFields });
    expect(reasons(mismatch)).toEqual(['1:error:wrong-field-count']);
    expect(mismatch.diagnostics[0].message).toContain('14 fields where the format has 4');
  });

  it('underscore names (Athena / Parquet spelling) are the same fields', async () => {
    const got = await parse('version account_id interface_id srcaddr dstaddr pkt_srcaddr vpc_id region az_id flow_direction my_custom\n5 123456789012 eni-9 10.0.0.1 10.0.0.2 10.9.9.9 vpc-1 eu-west-1 euw1-az1 egress hello\n');
    expect(got.diagnostics).toEqual([]);
    expect(got.records[0]).toMatchObject({
      subscription_id: '123456789012', nsg_name: 'eni-9', resource_group: 'vpc-1', region: 'eu-west-1', flow_direction: 'Outbound', source_format: 'aws-vpc-v5',
      attributes: { 'pkt-srcaddr': '10.9.9.9', 'az-id': 'euw1-az1', 'my-custom': 'hello', version: 5 },
    });
  });

  it('unknown field names go to attributes', async () => {
    const got = await parse('srcaddr future-field\n10.0.0.1 abc\n');
    expect(got.records[0].attributes).toEqual({ 'future-field': 'abc' });
  });

  it('documented all-fields layouts without header: v3 (21), v4 (25), v7 (39), v8 (40), TGW (36)', async () => {
    const v3 = `${V2_LINE} vpc-1 subnet-1 i-1 19 IPv4 10.0.0.1 10.0.0.2`;
    const v4 = `${v3} us-east-1 use1-az1 wavelength wlid-1`;
    const v5 = `${v4} S3 - ingress 2`;
    const v7 = `${v5} ${Array.from({ length: 10 }, (_, i) => `ecs${i}`).join(' ')}`;
    const v8 = `${v7} BPA`;
    const got = await parse([v3, v4, v7, v8].join('\n'));
    expect(got.diagnostics).toEqual([]);
    expect(got.records.map((r) => [r.resource_group, r.attributes?.['tcp-flags'], r.region])).toEqual([
      ['vpc-1', 19, null], ['vpc-1', 19, 'us-east-1'], ['vpc-1', 19, 'us-east-1'], ['vpc-1', 19, 'us-east-1'],
    ]);
    expect(got.records[1].attributes).toMatchObject({ 'sublocation-type': 'wavelength', 'sublocation-id': 'wlid-1' });
    expect(got.records[3].attributes).toMatchObject({ 'ecs-cluster-arn': 'ecs0', 'ecs-task-id': 'ecs9', 'reject-reason': 'BPA', 'pkt-src-aws-service': 'S3' });
    const tgw = '6 TransitGateway 123456789012 tgw-1 tgw-attach-1 111111111111 222222222222 vpc-a vpc-b subnet-a subnet-b eni-a eni-b use1-az1 use1-az2 tgw-attach-2 10.0.0.1 10.1.0.1 443 50000 6 10 1000 1700000000 1700000060 OK IPv4 1 2 3 4 18 us-east-1 egress - EC2';
    const t = await parse(tgw);
    expect(t.diagnostics).toEqual([]);
    expect(t.records[0]).toMatchObject({ source_format: 'aws-vpc-v6', nsg_name: 'tgw-attach-1', resource_group: 'tgw-1', flow_direction: 'Outbound', region: 'us-east-1', packets: 10 });
    expect(t.records[0].attributes).toMatchObject({ 'resource-type': 'TransitGateway', 'packets-lost-no-route': 1, 'packets-lost-ttl-expired': 4, 'pkt-dst-aws-service': 'EC2', 'tgw-pair-attachment-id': 'tgw-attach-2' });
  });

  it('other field counts without header or awsFields: unknown-custom-format with a hint', async () => {
    const shapes = [
      `${V2_LINE} extra`, // 15
      `${V2_LINE} notavpc subnet-1 i-1 19 IPv4 10.0.0.1 10.0.0.2`, // 21 but index 14 is not a VPC id
      Array.from({ length: 36 }, () => '1').join(' '), // 36 without tgw- at index 3
    ];
    const got = await parse(shapes.join('\n'));
    expect(got.records).toEqual([]);
    expect(reasons(got)).toEqual(['1:error:unknown-custom-format', '2:error:unknown-custom-format', '3:error:unknown-custom-format']);
    expect(got.diagnostics[0].message).toContain('--aws-fields');
  });

  it('parseAwsHeader accepts only lines of field names with at least one documented one', () => {
    expect(parseAwsHeader(V2_HEADER)).toHaveLength(14);
    expect(parseAwsHeader('  account_id  srcaddr  ')).toEqual(['account_id', 'srcaddr']);
    expect(parseAwsHeader('my-field srcaddr')).toEqual(['my-field', 'srcaddr']);
    expect(parseAwsHeader('eni-123 i-0abc')).toBeNull();
    expect(parseAwsHeader('eni-123 10.0.0.1')).toBeNull();
    expect(parseAwsHeader('version 2')).toBeNull();
    expect(parseAwsHeader('srcaddr ACCEPT')).toBeNull();
    expect(parseAwsHeader('2 srcaddr')).toBeNull();
  });
});

describe('aws-vpc: JSON lines', () => {
  it('{"message": record} wrappers, including a header in a message', async () => {
    const got = await parse([
      JSON.stringify({ message: V2_LINE }),
      JSON.stringify({ message: 'srcaddr dstaddr' }),
      JSON.stringify({ message: '10.0.0.7 10.0.0.8', timestamp: 1 }),
      JSON.stringify({ message: '   ' }),
    ].join('\n'));
    expect(got.records.map((r) => [r.source_line, r.src_ip])).toEqual([[1, '172.31.16.139'], [3, '10.0.0.7']]);
    expect(reasons(got)).toEqual(['4:error:missing-field']);
  });

  it('objects keyed by field names (JSON/Parquet-style export), hyphen or underscore keys', async () => {
    const got = await parse([
      JSON.stringify({ version: 2, account_id: '123456789012', interface_id: 'eni-1', srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', srcport: 443, dstport: 50000, protocol: 6, packets: 3, bytes: 300, start: 1700000000, end: 1700000060, action: 'ACCEPT', log_status: 'OK' }),
      JSON.stringify({ version: 2, account_id: '123456789012', interface_id: 'eni-2', srcaddr: '10.0.0.3', dstaddr: '10.0.0.4', srcport: 1, dstport: 2, protocol: 17, packets: 1, bytes: 10, start: 1700000000, end: 1700000060, action: 'REJECT', log_status: 'OK' }),
      JSON.stringify({ 'account-id': '1', srcaddr: '10.0.0.1', dstaddr: null, 'ecs-cluster-name': '', tags: { a: 'b c' }, 'log-status': 'NODATA' }),
      JSON.stringify({ srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', note: 'has spaces inside', ok: true }),
    ].join('\n'));
    expect(got.records.map((r) => [r.nsg_name, r.src_port, r.protocol, r.flow_decision, r.source_format])).toEqual([
      ['eni-1', 443, 'TCP', 'Allow', 'aws-vpc-v2'], ['eni-2', 1, 'UDP', 'Deny', 'aws-vpc-v2'], [null, null, null, null, 'aws-vpc-custom'],
    ]);
    expect(got.records[2].attributes).toEqual({ note: 'has spaces inside', ok: 'true' });
    expect(reasons(got)).toEqual(['3:info:nodata']);
    expect(got.diagnostics[0].detail).toEqual({ 'account-id': '1', srcaddr: '10.0.0.1', dstaddr: null, 'ecs-cluster-name': null, tags: '{"a":"b c"}', 'log-status': 'NODATA' });
  });

  it('CloudWatch Logs subscription payloads', async () => {
    const got = await parse([
      JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', message: V2_LINE }, { id: '2', message: V2_LINE.replace('ACCEPT', 'REJECT') }, { id: '3' }] }),
      JSON.stringify({ messageType: 'CONTROL_MESSAGE', logEvents: [] }),
      JSON.stringify({ messageType: 'CONTROL_MESSAGE' }),
    ].join('\n'));
    expect(got.records.map((r) => [r.source_line, r.flow_decision])).toEqual([[1, 'Allow'], [1, 'Deny']]);
    expect(reasons(got)).toEqual(['1:error:missing-field', '2:info:no-log-events', '3:info:control-message']);
  });

  it('bad or foreign JSON is an error, the next lines are kept', async () => {
    const got = await parse([
      '{"message": "2 1234',
      '{"records":[{"time":"2024-01-01T00:00:00Z"}]}',
      '[1,2]',
      '{"message": {"nested": true}}',
      V2_LINE,
    ].join('\n'));
    // `[1,2]` is not an object line: it goes the text way and has the wrong shape
    expect(reasons(got)).toEqual(['1:error:bad-json', '2:error:unknown-json-record', '3:error:unknown-custom-format', '4:error:unknown-json-record']);
    expect(got.records.map((r) => r.source_line)).toEqual([5]);
  });

  it('JSON objects with more than 256 keys are rejected', async () => {
    const o: Record<string, number> = { srcaddr: 1 };
    for (let i = 0; i < 300; i++) o[`k${i}`] = i;
    expect(reasons(await parse(JSON.stringify(o)))).toEqual(['1:error:too-many-fields']);
  });
});

describe('aws-vpc: streaming', () => {
  const text = [
    V2_HEADER, V2_LINE, '', '2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA', 'garbage line',
    JSON.stringify({ message: V2_LINE.replace('172.31.16.139', '2001:db8::5') }), 'srcaddr dstaddr', '10.0.0.1 10.0.0.2',
    `${V2_LINE.slice(0, 30)}\u00e9\u4e2d`,
  ].join('\r\n');

  it('chunk sizes 1, 7 and 64K give identical results', async () => {
    const a = await parse(text, {}, 1);
    const b = await parse(text, {}, 7);
    const c = await parse(text, {}, 64 * 1024);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.records.map((r) => r.source_line)).toEqual([2, 6, 8]);
    // after the header, a line of another shape is a wrong field count
    expect(reasons(a)).toEqual(['4:info:nodata', '5:error:wrong-field-count', '9:error:wrong-field-count']);
  });

  it('batches hold about batchSize records, in input order', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => (i % 5 === 4 ? 'bad line' : V2_LINE));
    const batches = [];
    for await (const b of awsVpcFormat.parse((async function* () { yield lines.join('\n'); })(), { object: 'x', batchSize: 4 })) batches.push(b);
    expect(batches.every((b) => b.records.length <= 4)).toBe(true);
    const order = batches.flatMap((b) => [...b.records.map((r) => r.source_line), ...b.diagnostics.map((d) => d.line as number)].sort((x, y) => x - y));
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });
});

describe('aws-vpc: detect', () => {
  const d = awsVpcFormat.detect;
  it('recognizes headers, v2 records, message wrappers and keyed JSON', () => {
    expect(d(`${V2_HEADER}\n${V2_LINE}\n`)).toBeGreaterThanOrEqual(0.9);
    expect(d(`${V2_LINE}\n${V2_LINE}\n${V2_LINE.slice(0, 20)}`)).toBeGreaterThanOrEqual(0.9);
    expect(d(`${JSON.stringify({ message: V2_LINE })}\n`)).toBeGreaterThanOrEqual(0.85);
    expect(d(`${JSON.stringify({ logEvents: [{ message: V2_LINE }] })}\n`)).toBeGreaterThanOrEqual(0.85);
    expect(d(`${JSON.stringify({ version: 2, account_id: '1', srcaddr: '10.0.0.1', dstaddr: '10.0.0.2' })}\n`)).toBeGreaterThanOrEqual(0.85);
    expect(d('interface-id srcaddr dstaddr\n')).toBeGreaterThanOrEqual(0.9);
    expect(d('- eni-1235b8ca1 10.0.1.5 10.0.0.220\n')).toBeGreaterThan(0);
  });

  it('says no to CSV, Azure/GCP JSON, other text and empty input', () => {
    expect(d('timestamp,src_ip,dst_ip\n2024-01-01T00:00:00Z,10.0.0.1,10.0.0.2\n')).toBe(0);
    expect(d(`${V2_LINE.replace(/ /g, ',')}\n`)).toBe(0);
    expect(d('{"records":[{"time":"2018-11-13T12:00:35.3899262Z","category":"NetworkSecurityGroupFlowEvent"}]}')).toBe(0);
    expect(d('{"insertId":"x","jsonPayload":{"connection":{"src_ip":"10.0.0.1"}}}\n')).toBe(0);
    expect(d('{"logEvents":[{"id":"1"}]}\n')).toBe(0);
    expect(d('[1,2,3]\n')).toBe(0);
    expect(d('{"message": 5}\n')).toBe(0);
    expect(d('{"srcaddr": "10.0.0.1"}\n')).toBe(0);
    expect(d('version timestamp\n')).toBe(0);
    expect(d('hello world\n')).toBe(0);
    expect(d('2 foo bar baz\n')).toBe(0);
    expect(d('')).toBe(0);
    expect(d('{not json')).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------
// Properties

/** Every non-blank, non-header line (and every JSON line) must end up as a record or a diagnostic. */
function checkAccounted(text: string, got: Collected): void {
  const lines = text.split('\n');
  const seen = new Set<number>([...got.records.map((r) => r.source_line), ...got.diagnostics.map((x) => x.line ?? -1)]);
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/^\uFEFF/, '').trim();
    if (line.length === 0 || parseAwsHeader(line) !== null) return;
    expect(seen.has(i + 1), `line ${i + 1}: ${JSON.stringify(line)}`).toBe(true);
  });
}

describe('aws-vpc: properties', () => {
  it('addresses come out exactly as normalizeIp writes them (fast canonical checks agree with it)', async () => {
    const group = fc.oneof(fc.constantFrom('0', '00', '1', 'ffff', 'FFFF'), fc.nat(0xffff).map((x) => x.toString(16)));
    const handmade = fc.array(group, { minLength: 1, maxLength: 9 })
      .chain((g) => fc.nat(g.length).map((k) => (k === g.length ? g.join(':') : `${g.slice(0, k).join(':')}::${g.slice(k).join(':')}`)));
    const variants = fc.oneof(fc.ipV6(), fc.ipV4(), handmade, fc.ipV6().map((t) => t.toUpperCase()), fc.ipV6().map((t) => t.replace(/(^|:)([0-9a-f]{1,3})(?=:|$)/g, '$10$2')),
      fc.constantFrom('::', '::1', '1::', '1:0:0:1:0:0:0:1', '1:0:0:0:1:0:0:1', '0:0:1::1', '1::0:1', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', '::ffff:ffff:1', '::ffff:1', 'fe80::1%eth0', '1:2', ':1::', '1:::2', '01.2.3.4', '1.2.3.4.5', '256.1.1.1'));
    await fc.assert(fc.asyncProperty(variants, async (ip) => {
      const got = await parse(V2_LINE.replace('172.31.16.139', ip));
      const want = normalizeIp(ip);
      if (want === null) expect(reasons(got)).toEqual(['1:error:bad-ip']);
      else expect(got.records[0].src_ip).toBe(want);
    }), { numRuns: 400 });
  });

  it('the default-format fast path gives the same records as the general path', async () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    const ipv6 = fc.array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
    const line = fc.record({
      version: fc.nat(120), account: fc.constantFrom('123456789012', '000000000001'), eni: fc.constantFrom('eni-1', 'eni-0123456789abcdef0'),
      src: fc.oneof(ipv4, ipv6), dst: fc.oneof(ipv4, ipv6), sport: fc.nat(65535), dport: fc.nat(65535),
      proto: fc.constantFrom(0, 1, 6, 17, 58, 47, 255), packets: fc.nat(), bytes: fc.maxSafeNat(), start: fc.nat(1e10), end: fc.nat(1e10),
      action: fc.constantFrom('ACCEPT', 'REJECT'),
    }).map((v) => `${v.version} ${v.account} ${v.eni} ${v.src} ${v.dst} ${v.sport} ${v.dport} ${v.proto} ${v.packets} ${v.bytes} ${v.start} ${v.end} ${v.action} OK`);
    await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 5 }), async (lines) => {
      const fast = await parse(lines.join('\n'));
      // 21 fields with the v3 ones all `-`: the same record, through the general path
      const general = await parse(lines.map((l) => `${l} - - - - - - -`).join('\n'));
      expect(fast.diagnostics).toEqual([]);
      expect(fast).toEqual(general);
    }), { numRuns: 200 });
  });

  it('random text never throws and every data line is accounted for', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.constantFrom(V2_LINE, V2_HEADER, '{"message":"x"}', '-')), { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), async (parts, chunk) => {
      const text = parts.join('\n');
      const got = await parse(text, {}, chunk);
      checkAccounted(text, got);
      expect(awsVpcFormat.detect(text)).toBeGreaterThanOrEqual(0);
    }), { numRuns: 200 });
  });

  it('mutations of valid lines never throw; every line gives exactly one record or error', async () => {
    const tokenArb = fc.oneof(fc.constantFrom('-', '', '0', '99999999999999999999', 'NODATA', 'ACCEPT', '::1', '1.2.3', 'é'), fc.string({ maxLength: 6 }));
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 13 }), tokenArb, fc.boolean()), { minLength: 1, maxLength: 10 }), async (muts) => {
      const lines = muts.map(([i, tok, drop]) => {
        const t = V2_LINE.split(' ');
        if (drop) t.splice(i, 1);
        else t[i] = tok;
        return t.join(' ');
      });
      const text = lines.join('\n');
      const got = await parse(text);
      checkAccounted(text, got);
      for (const r of got.records) {
        expect(r.provider).toBe('aws');
        expect(Number.isFinite(r.packets) && Number.isFinite(r.bytes)).toBe(true);
      }
      // a line is a record, or has an error/info diagnostic (warnings may come with records)
      for (let n = 1; n <= lines.length; n++) {
        if (lines[n - 1].trim() === '' || parseAwsHeader(lines[n - 1]) !== null) continue;
        const recs = got.records.filter((r) => r.source_line === n).length;
        const hard = got.diagnostics.filter((x) => x.line === n && x.severity !== 'warning').length;
        expect(recs + hard, lines[n - 1]).toBe(1);
      }
    }), { numRuns: 300 });
  });
});

describe('aws-vpc: single-pass fast path', () => {
  /** Parses text given as string chunks of `size` characters. */
  async function parseStrings(text: string, size: number): Promise<Collected> {
    async function* source() {
      for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
    }
    const records: FlowRecord[] = [];
    const diagnostics: Diagnostic[] = [];
    for await (const batch of awsVpcFormat.parse(source(), { object: 'test-input' })) {
      records.push(...batch.records);
      diagnostics.push(...batch.diagnostics);
    }
    return { records, diagnostics };
  }

  // A default-format line takes the single-pass path when it is plain and valid; the same fields followed by seven
  // `-` (the v3 all-fields layout, read by the general path) must give the same record, and a line the fast path
  // declines must give the same diagnostics either way.
  const token = (values: string[]) =>
    fc.oneof({ arbitrary: fc.constant(values[0]), weight: 40 }, { arbitrary: fc.constantFrom(...values), weight: 10 }, { arbitrary: fc.string({ unit: fc.constantFrom('1', '0', '-', 'a', '.', ':', 'x'), maxLength: 5 }), weight: 1 });
  const lineArb = fc.tuple(
    token(['2', '02', '99', '100', '3']),
    token(['123456789010', '210987654321', '-']),
    token(['eni-1235b8ca123456789', '-']),
    token(['172.31.16.139', '10.0.0.01', '2001:db8::1', '2001:DB8::1', '256.1.1.1']),
    token(['172.31.16.21', '::ffff:1.2.3.4', '1.2.3']),
    token(['20641', '0', '65535', '65536', '000022']),
    token(['22', '0', '', '65536', '99999']),
    token(['6', '1', '58', '17', '256', '0006']),
    token(['20', '9007199254740991', '12345678901234567']),
    token(['4249', '0']),
    token(['1418530010', '1418530010123', '']),
    token(['1418530070', '141853007000000']),
    token(['ACCEPT', 'REJECT', 'ACCEPTED', 'accept']),
    token(['OK', 'NODATA', 'SKIPDATA', 'OKAY']),
  );
  it('agrees with the general path', async () => {
    let fast = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 10 }), fc.boolean(), async (lines, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const text = lines.map((t) => t.join(' ')).join(nl) + nl;
        const a = await parse(text);
        const b = await parse(lines.map((t) => `${t.join(' ')} - - - - - - -`).join(nl) + nl);
        expect(a.records).toEqual(b.records);
        // string chunks have no bytes: the character version of the fast path, and lines across chunks
        const c = await parseStrings(text, 1 + ((lines.length * 37) % 400));
        expect(c).toEqual(a);
        // messages quote the line or count its fields, which differ: compare the rest
        const brief = (r: Collected) => r.diagnostics.map((d) => [d.line, d.field, d.severity, d.reason === 'unknown-custom-format' ? 'count' : d.reason]);
        expect(brief(a)).toEqual(brief(b));
        fast += a.records.length;
      }),
      { numRuns: 300 },
    );
    expect(fast).toBeGreaterThan(100);
  });
});
