import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../src/model/index.js';
import { normalizeMac, parseResourceId, quote, readUint } from '../../../src/parsers/flow/azure-common.js';
import { azureNsgFormat } from '../../../src/parsers/flow/azure-nsg.js';
import { azureVnetFormat } from '../../../src/parsers/flow/azure-vnet.js';
import { describeShared, sharedFixture } from '../../helpers/fixtures.js';
import { collect, collectFile } from '../../helpers/parse.js';

const VNET = (...p: string[]) => sharedFixture('flowlogs', 'azure-vnet', ...p);
const NSG = (...p: string[]) => sharedFixture('flowlogs', 'azure-nsg', ...p);

const TARGET = '/subscriptions/AAAA0A0A-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/myRG/providers/Microsoft.Network/virtualNetworks/myVNet';
const FLOWLOG = '/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL';

/** One VNet record as JSON text: ACLs → rule → tuples. */
function record(acls: Record<string, Record<string, string[]>>, extra: Record<string, unknown> = {}, version: unknown = 4): string {
  return JSON.stringify({
    time: '2024-05-06T10:01:00.1234567Z',
    flowLogVersion: version === 'omit' ? undefined : version,
    flowLogGUID: 'guid-1',
    macAddress: '0022487bC205',
    category: 'FlowLogFlowEvent',
    flowLogResourceID: FLOWLOG,
    targetResourceID: TARGET,
    operationName: 'FlowLogFlowEvent',
    flowRecords: {
      flows: Object.entries(acls).map(([aclID, groups]) => ({ aclID, flowGroups: Object.entries(groups).map(([rule, flowTuples]) => ({ rule, flowTuples })) })),
    },
    ...extra,
  });
}
const blob = (...records: string[]) => `{"records":[${records.join('\r\n,')}\r\n]}`;
const reasons = (r: { diagnostics: { reason: string }[] }) => r.diagnostics.map((d) => d.reason);
const tupleCount = (text: string) => (text.match(/"\d+,[^"]*"/g) ?? []).length; // an independent count of tuple strings

// ---------------------------------------------------------------------------------------------------------

describeShared('azure-vnet conformance with the Elastic samples', () => {
  it('test-vnet.log matches the values of Elastic expected output', async () => {
    const { records, diagnostics } = await collectFile(azureVnetFormat, VNET('elastic-integrations', 'test-vnet.log'));
    expect(diagnostics).toEqual([]);
    const expected = JSON.parse(readFileSync(VNET('elastic-integrations', 'test-vnet.log-expected.json'), 'utf8')).expected;
    const want: { ev: Record<string, any>; acl: string; rule: string; tuple: Record<string, any> }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const ev of expected) {
      const log = ev.azure_network_watcher_vnet.log;
      for (const f of log.records.flows) for (const g of f.groups) for (const tuple of g.tuples) want.push({ ev: log, acl: f.acl_id, rule: g.rule, tuple });
    }
    expect(records).toHaveLength(want.length);
    records.forEach((r, i) => {
      const { ev, acl, rule, tuple } = want[i];
      // Elastic's @timestamp is the record time; ours is the tuple time (tuple.timestamp there).
      expect(r.timestamp).toBe(Date.parse(tuple.timestamp));
      expect(r.src_ip).toBe(tuple.source.ip);
      expect(r.src_port).toBe(tuple.source.port);
      expect(r.dst_ip).toBe(tuple.destination.ip);
      expect(r.dst_port).toBe(tuple.destination.port);
      // Difference: Elastic keeps the IANA number ("6"); DESIGN's protocol column names it (TCP).
      expect(r.protocol).toBe({ '6': 'TCP', '17': 'UDP', '1': 'ICMP' }[tuple.protocol as string] ?? tuple.protocol);
      expect(r.flow_direction).toBe(tuple.flow.direction);
      expect(r.flow_state).toBe(tuple.flow.state);
      expect(r.flow_decision).toBe(tuple.flow.state === 'Deny' ? 'Deny' : 'Allow'); // Elastic has no decision field
      expect(r.attributes?.encryption).toBe(tuple.flow.encryption);
      expect(r.packets_sent).toBe(tuple.packets.sent);
      expect(r.packets_received).toBe(tuple.packets.received);
      expect(r.bytes_sent).toBe(tuple.bytes.sent);
      expect(r.bytes_received).toBe(tuple.bytes.received);
      expect(r.packets).toBe(tuple.packets.sent + tuple.packets.received);
      expect(r.bytes).toBe(tuple.bytes.sent + tuple.bytes.received);
      expect(r.rule_name).toBe(rule);
      expect(r.attributes?.aclID).toBe(acl);
      expect(r.attributes?.macAddress).toBe(ev.mac_address);
      expect(r.attributes?.flowLogGUID).toBe(ev.flow_log.guid);
      expect(r.attributes?.flowLogResourceID).toBe(ev.flow_log.resource_id);
      expect(r.attributes?.targetResourceID).toBe(ev.target_resource_id);
      expect(r.attributes?.category).toBe(ev.category);
      expect(r.attributes?.operationName).toBe(ev.operation_name);
      // Difference: the record time is kept as written (100 ns); Elastic truncates it to ms.
      expect(Date.parse(String(r.attributes?.time))).toBe(Date.parse(ev.time));
      expect(r.source_format).toBe(`azure-vnet-v${ev.flow_log.version}`);
      // Difference: Elastic keeps target_resource_id whole; we split it (subscription lower-cased).
      const parts = ev.target_resource_id.split('/');
      expect([r.subscription_id, r.resource_group, r.nsg_name]).toEqual([parts[2].toLowerCase(), parts[4], parts[8]]);
      expect(r.region).toBeNull();
      expect(r.source_line).toBe(1);
    });
  });

  it('testdata.log (PT1H.json blob, no expected file): 19 tuples, per-state counts', async () => {
    const file = VNET('elastic-integrations', 'testdata.log');
    const { records, diagnostics } = await collectFile(azureVnetFormat, file);
    expect(diagnostics).toEqual([]);
    expect(tupleCount(readFileSync(file, 'utf8'))).toBe(19);
    expect(records).toHaveLength(19);
    const count = (f: (r: FlowRecord) => unknown) => records.reduce<Record<string, number>>((m, r) => ((m[String(f(r))] = (m[String(f(r))] ?? 0) + 1), m), {});
    expect(count((r) => r.flow_state)).toEqual({ Begin: 5, End: 5, Deny: 9 });
    expect(count((r) => r.flow_decision)).toEqual({ Allow: 10, Deny: 9 });
    expect(count((r) => r.flow_direction)).toEqual({ Outbound: 10, Inbound: 9 });
    expect(count((r) => r.rule_name)).toEqual({ DefaultRule_AllowInternetOutBound: 10, BlockHighRiskTCPPortsFromInternet: 2, Internet: 7 });
    expect(count((r) => r.attributes?.aclID)).toEqual({ '00000000-1234-abcd-ef00-c1c2c3c4c5c6': 10, '01020304-abcd-ef00-1234-102030405060': 9 });
    expect(records.reduce((s, r) => s + r.bytes, 0)).toBe(767 + 1580 + 705 + 4569 + 705 + 4569 + 134 + 108 + 2217 + 32466);
    expect(records[0].attributes?.macAddress).toBe('00-22-48-71-C2-05');
    expect(records[18]).toMatchObject({ timestamp: 1663146015545, src_ip: '20.106.221.10', dst_port: 31244, protocol: 'TCP', flow_state: 'Deny', packets: 0, packets_sent: 0 });
  });

  it('the VNet detector claims VNet samples only', () => {
    for (const f of [VNET('elastic-integrations', 'test-vnet.log'), VNET('elastic-integrations', 'testdata.log')]) {
      expect(azureVnetFormat.detect(readFileSync(f, 'utf8'))).toBeGreaterThanOrEqual(0.9);
    }
    for (const f of [NSG('elastic-integrations', 'test-nsg.log'), NSG('elastic-integrations', 'testdata.log'), NSG('microsoftdocs-azure-docs', 'nsg-flow-logs-overview.v1-example.json')]) {
      expect(azureVnetFormat.detect(readFileSync(f, 'utf8'))).toBe(0);
    }
    expect(azureVnetFormat.detect(readFileSync(sharedFixture('flowlogs', 'aws-vpc', 'elastic-beats', 'accept-reject-traffic.log'), 'utf8'))).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('azure-vnet tuples', () => {
  it('maps tuples: states, decision, protocol numbers, IPv6, ICMP, encryption', async () => {
    const text = blob(
      record({
        acl1: {
          R1: [
            '1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,B,NX,0,0,0,0',
            '1700000000001,2001:DB8:0:0:0:0:0:1,2001:db8::0002,53,5353,17,I,C,X,2,200,3,300',
            '1700000000002,10.0.0.1,8.8.8.8,0,0,1,O,E,NX_HW_NOT_SUPPORTED,1,84,1,84',
            '1700000000003,fe80::1,ff02::1,,,58,O,E,,1,1,,',
            '1700000004,192.0.2.1,10.0.0.1,5000,22,6,I,D,NX,0,0,0,0',
            '1700000000005,192.0.2.1,10.0.0.1,5000,22,47,I,E,NX,1,2,3,4',
          ],
        },
        acl2: { R2: ['1700000000006,192.0.2.1,10.0.0.1,5000,22,6,I,D,NX,0,0,0,0'] },
      }),
    );
    const { records, diagnostics } = await collect(azureVnetFormat, text);
    expect(diagnostics).toEqual([]);
    const pick = (r: FlowRecord) => [r.timestamp, r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.protocol, r.flow_direction, r.flow_decision, r.flow_state, r.packets, r.bytes, r.packets_sent, r.bytes_sent, r.packets_received, r.bytes_received, r.attributes?.encryption, r.rule_name, r.attributes?.aclID];
    expect(records.map(pick)).toEqual([
      [1700000000000, '10.0.0.1', '10.0.0.2', 1234, 443, 'TCP', 'Outbound', 'Allow', 'Begin', 0, 0, 0, 0, 0, 0, 'NX', 'R1', 'acl1'],
      [1700000000001, '2001:db8::1', '2001:db8::2', 53, 5353, 'UDP', 'Inbound', 'Allow', 'Continuing', 5, 500, 2, 200, 3, 300, 'X', 'R1', 'acl1'],
      [1700000000002, '10.0.0.1', '8.8.8.8', null, null, 'ICMP', 'Outbound', 'Allow', 'End', 2, 168, 1, 84, 1, 84, 'NX_HW_NOT_SUPPORTED', 'R1', 'acl1'],
      [1700000000003, 'fe80::1', 'ff02::1', null, null, 'ICMPv6', 'Outbound', 'Allow', 'End', 1, 1, 1, 1, null, null, undefined, 'R1', 'acl1'],
      [1700000004000, '192.0.2.1', '10.0.0.1', 5000, 22, 'TCP', 'Inbound', 'Deny', 'Deny', 0, 0, 0, 0, 0, 0, 'NX', 'R1', 'acl1'], // 10 digits: seconds
      [1700000000005, '192.0.2.1', '10.0.0.1', 5000, 22, '47', 'Inbound', 'Allow', 'End', 4, 6, 1, 2, 3, 4, 'NX', 'R1', 'acl1'],
      [1700000000006, '192.0.2.1', '10.0.0.1', 5000, 22, 'TCP', 'Inbound', 'Deny', 'Deny', 0, 0, 0, 0, 0, 0, 'NX', 'R2', 'acl2'],
    ]);
    expect(records[0]).toMatchObject({ subscription_id: 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', resource_group: 'myRG', nsg_name: 'myVNet', source_format: 'azure-vnet-v4', provider: 'azure', region: null, end_time: null });
    expect(records[0].attributes).toEqual({
      time: '2024-05-06T10:01:00.1234567Z', flowLogGUID: 'guid-1', macAddress: '00-22-48-7B-C2-05', category: 'FlowLogFlowEvent',
      flowLogResourceID: FLOWLOG, targetResourceID: TARGET, operationName: 'FlowLogFlowEvent', aclID: 'acl1', encryption: 'NX',
    });
    // tuples of one group with the same encryption share one frozen attributes object
    expect(records[0].attributes).toBe(records[4].attributes);
    expect(Object.isFrozen(records[1].attributes)).toBe(true);
  });

  it('keeps non-zero ICMP "ports" (type/code) in attributes, ports null', async () => {
    const { records } = await collect(azureVnetFormat, record({ a: { r: ['1700000000000,10.0.0.1,10.0.0.2,0,3,1,O,E,NX,1,1,1,1', '1700000000000,fe80::1,fe80::2,135,0,58,O,E,NX,1,1,1,1'] } }));
    expect(records.map((r) => [r.protocol, r.src_port, r.dst_port, r.attributes?.src_port, r.attributes?.dst_port, r.attributes?.encryption])).toEqual([
      ['ICMP', null, null, undefined, 3, 'NX'],
      ['ICMPv6', null, null, 135, undefined, 'NX'],
    ]);
  });

  it('names the target: VNet, subnet (vnet/subnet) or NIC', async () => {
    const t = '1700000000000,10.0.0.1,10.0.0.2,1,2,6,O,B,NX,0,0,0,0';
    const targets = [
      `${TARGET}/subnets/default`,
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm1-nic',
    ];
    const { records } = await collect(azureVnetFormat, targets.map((id) => record({ a: { r: [t] } }, { targetResourceID: id })).join('\n'));
    expect(records.map((r) => [r.subscription_id, r.resource_group, r.nsg_name])).toEqual([
      ['aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', 'myRG', 'myVNet/default'],
      ['s', 'rg', 'vm1-nic'],
    ]);
  });

  it('rejects each bad field with its own reason and the JSON path, keeping the other tuples', async () => {
    const good = '1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,E,NX,1,2,3,4';
    const bad: [string, string, string][] = [
      ['17000000000x0,10.0.0.1,10.0.0.2,1234,443,6,O,E,NX,1,2,3,4', 'bad-timestamp', '"17000000000x0"'],
      ['1700000000000,10.0.0,10.0.0.2,1234,443,6,O,E,NX,1,2,3,4', 'bad-ip', '"10.0.0"'],
      ['1700000000000,10.0.0.1,,1234,443,6,O,E,NX,1,2,3,4', 'bad-ip', '""'],
      ['1700000000000,10.0.0.1,10.0.0.2,http,443,6,O,E,NX,1,2,3,4', 'bad-port', '"http"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,70000,6,O,E,NX,1,2,3,4', 'bad-port', '"70000"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,T,O,E,NX,1,2,3,4', 'bad-protocol', '"T"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,256,O,E,NX,1,2,3,4', 'bad-protocol', '"256"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,X,E,NX,1,2,3,4', 'bad-direction', '"X"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,A,NX,1,2,3,4', 'bad-flow-state', '"A"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,,NX,1,2,3,4', 'bad-flow-state', '""'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,E,NX,1,2,-3,4', 'bad-counter', '"-3"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,E,NX,1,2,3,4.5', 'bad-counter', '"4.5"'],
      ['1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,A,E', 'wrong-field-count', '9 fields'],
      ['1542110379,1.128.0.0,1.128.0.1,59932,443,T,O,A,E,1,66,1,66,9', 'wrong-field-count', 'more than 13'],
    ];
    const text = record({ a0: { r0: [good] }, a1: { r1: [good], r2: [good, ...bad.map((b) => b[0])] } });
    const { records, diagnostics } = await collect(azureVnetFormat, `\n\n${text}`);
    expect(records).toHaveLength(3);
    expect(diagnostics.map((d) => d.reason)).toEqual(bad.map((b) => b[1]));
    diagnostics.forEach((d, i) => {
      expect(d.severity).toBe('error');
      expect(d.line).toBe(3);
      expect(d.field).toBe(`flowRecords.flows[1].flowGroups[1].flowTuples[${i + 1}]`);
      expect(d.message).toContain(bad[i][2]);
      expect(d.message).toContain('line 3');
    });
  });

  it('rejects empty addresses even first in a group', async () => {
    const r = await collect(azureVnetFormat, record({ a: { r: ['1700000000000,,10.0.0.2,1,2,6,O,B,NX,0,0,0,0'], s: ['1700000000000,10.0.0.1,,1,2,6,O,B,NX,0,0,0,0', '1700000000000,10.0.0.1,10.0.0.2,1,2,6,O,B,NX,0,0,0,0'] } }));
    expect(r.diagnostics.map((d) => [d.reason, d.field])).toEqual([
      ['bad-ip', 'flowRecords.flows[0].flowGroups[0].flowTuples[0]'],
      ['bad-ip', 'flowRecords.flows[0].flowGroups[1].flowTuples[0]'],
    ]);
    expect(r.records).toHaveLength(1);
  });

  it('reports malformed structure without losing the rest', async () => {
    const ok = '1700000000000,10.0.0.1,10.0.0.2,1234,443,6,O,E,NX,1,2,3,4';
    const lines = [
      record({ a: { r: [ok] } }),
      '"text"',
      '{"flowLogVersion":4}',
      '{"flowRecords":{"flows":"x"}}',
      '{"flowLogVersion":"4","targetResourceID":"/subscriptions/s","macAddress":"nope","flowRecords":{"flows":[1,{"aclID":"a","flowGroups":[null,{"flowTuples":[{},"' + ok + '"]}]}]}}',
      record({ a: { r: [ok] } }, { targetResourceID: 7 }, 'four'),
      record({ a: { r: [ok] } }, {}, 'omit'),
      record({ a: {} }),
      '[{"records":[2]}]',
    ];
    const { records, diagnostics } = await collect(azureVnetFormat, lines.join('\n'));
    expect(diagnostics.map((d) => [d.line, d.reason, d.severity, d.field])).toEqual([
      [2, 'not-a-record', 'error', null],
      [3, 'missing-field', 'error', 'flowRecords'],
      [4, 'missing-field', 'error', 'flowRecords.flows'],
      [5, 'bad-mac', 'warning', 'macAddress'],
      [5, 'missing-field', 'error', 'flowRecords.flows[0]'],
      [5, 'missing-field', 'error', 'flowRecords.flows[1].flowGroups[0]'],
      [5, 'missing-field', 'warning', 'flowRecords.flows[1].flowGroups[1].rule'],
      [5, 'bad-tuple', 'error', 'flowRecords.flows[1].flowGroups[1].flowTuples[0]'],
      [6, 'unknown-version', 'warning', 'flowLogVersion'],
      [6, 'missing-field', 'warning', 'targetResourceID'],
      [7, 'missing-field', 'warning', 'flowLogVersion'],
      [8, 'no-flows', 'info', 'flowRecords.flows'],
      [9, 'nested-records', 'warning', 'records'],
      [9, 'not-a-record', 'error', 'records[0]'],
    ]);
    expect(records.map((r) => [r.source_line, r.source_format, r.rule_name, r.subscription_id, r.resource_group, r.attributes?.macAddress])).toEqual([
      [1, 'azure-vnet-v4', 'r', 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', 'myRG', '00-22-48-7B-C2-05'],
      [5, 'azure-vnet-v4', null, 's', null, 'nope'],
      [6, 'azure-vnet', 'r', null, null, '00-22-48-7B-C2-05'],
      [7, 'azure-vnet', 'r', 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', 'myRG', '00-22-48-7B-C2-05'],
    ]);
  });

  it('reports an unparseable target resource id', async () => {
    const r = await collect(azureVnetFormat, record({ a: { r: ['1700000000000,10.0.0.1,10.0.0.2,1,2,6,O,B,NX,0,0,0,0'] } }, { targetResourceID: 'myVNet' }));
    expect(r.records).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.reason, d.severity, d.field])).toEqual([['bad-resource-id', 'warning', 'targetResourceID']]);
    expect(r.diagnostics[0].message).toContain('"myVNet"');
  });

  it('gives identical results for chunk sizes 1, 7 and 64K, and in batches of the requested size', async () => {
    const tuples = Array.from({ length: 30 }, (_, i) => `${1700000000000 + i},10.0.${i}.1,2001:db8::${i.toString(16)},${1000 + i},443,6,O,${'BCED'[i % 4]},${i % 3 ? 'NX' : 'X'},${i},${i * 10},1,1`);
    const text = blob(record({ a: { r: tuples.slice(0, 17), bad: ['1,2'] } }), record({ b: { r: tuples.slice(17) } }));
    const base = await collect(azureVnetFormat, text, {}, 64 * 1024);
    expect(base.records).toHaveLength(30);
    expect(reasons(base)).toEqual(['wrong-field-count']);
    for (const size of [1, 7]) expect(await collect(azureVnetFormat, text, {}, size)).toEqual(base);
    const sizes: number[] = [];
    for await (const b of azureVnetFormat.parse((async function* () { yield text; })(), { object: 'o', batchSize: 7 })) sizes.push(b.records.length);
    expect(sizes).toEqual([7, 7, 7, 7, 2]);
  });

  it('keeps the records before a truncated blob and reports it', async () => {
    const t = (i: number) => `170000000000${i},10.0.0.1,10.0.0.2,1,2,6,O,B,NX,0,0,0,0`;
    const full = blob(record({ a: { r: [t(0)] } }), record({ a: { r: [t(1)] } }));
    const r = await collect(azureVnetFormat, full.slice(0, full.length - 40), {}, 7);
    expect(r.records.map((x) => x.timestamp)).toEqual([1700000000000]);
    expect(reasons(r)).toEqual(['truncated-json']);
  });

  it('detects VNet content by its keys, not NSG, CSV or text', () => {
    expect(azureVnetFormat.detect(blob(record({ a: { r: [] } })))).toBeGreaterThanOrEqual(0.9);
    expect(azureVnetFormat.detect('\n {"flowLogVersion": 4, "time"')).toBe(0.7);
    expect(azureVnetFormat.detect('{"records":[{"properties":{"Version":2,"flows":[{"rule":"x","flows":[{"flowTuples":[]}]}]}}]}')).toBe(0);
    expect(azureVnetFormat.detect('timestamp,flowLogVersion,flowRecords\n')).toBe(0);
    expect(azureVnetFormat.detect('version account-id interface-id srcaddr\n')).toBe(0);
    expect(azureVnetFormat.detect('')).toBe(0);
    expect(azureNsgFormat.detect(blob(record({ a: { r: ['1'] } })))).toBe(0);
  });
});

describe('azure-common helpers', () => {
  it('parses resource ids in any case and rejects other text', () => {
    expect(parseResourceId('/SUBSCRIPTIONS/ABC')).toEqual({ subscription: 'abc', resourceGroup: null, name: null });
    expect(parseResourceId('/subscriptions/abc/resourceGroups/RG')).toEqual({ subscription: 'abc', resourceGroup: 'RG', name: null });
    for (const bad of ['', 'x', '/subscriptions//resourceGroups/rg', '/subscriptions/a/b', '/subscriptions/a/resourceGroups/', '/subscriptions/a/resourceGroups/rg/providers/X/y', '/subscriptions/a/resourceGroups/rg/providers/X/y//', '/subscriptions/a/resourceGroups/rg/nope/X/y/z']) {
      expect(parseResourceId(bad)).toBeNull();
    }
  });

  it('normalizes MAC addresses', () => {
    expect(normalizeMac('000d3af8801a')).toBe('00-0D-3A-F8-80-1A');
    expect(normalizeMac('00:0d:3a:f8:80:1a')).toBe('00-0D-3A-F8-80-1A');
    expect(normalizeMac('00-0D-3A-F8-80-1A')).toBe('00-0D-3A-F8-80-1A');
    for (const bad of ['000d3af8801g', '00:0d-3a:f8:80:1a', '00.0d.3a.f8.80.1a', '0', '']) expect(normalizeMac(bad)).toBeNull();
  });

  it('reads integers and quotes values', () => {
    expect(readUint('x9007199254740991', 1, 17)).toBe(9007199254740991);
    expect(readUint('99999999999999999', 0, 17)).toBe(-2);
    expect(quote('x'.repeat(100))).toHaveLength(80);
    expect(quote(undefined)).toBe('undefined');
    expect(quote({ a: 1 })).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(quote(cyclic)).toBe('[object Object]');
    expect(quote(10n)).toBe('10');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('azure-vnet properties', () => {
  it('never throws on random text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 50 }), async (s, chunk) => {
        const r = await collect(azureVnetFormat, `{"records":[{"flowRecords":${s}`, {}, chunk);
        expect(r.diagnostics.length + r.records.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('every tuple of a mutated blob becomes a record or an error diagnostic', async () => {
    const tuple = fc.tuple(
      fc.integer({ min: 1_400_000_000_000, max: 1_800_000_000_000 }),
      fc.oneof(fc.ipV4(), fc.ipV6()),
      fc.ipV4(),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom('6', '17', '1', '58', '47'),
      fc.constantFrom('I', 'O'),
      fc.constantFrom('B', 'C', 'E', 'D'),
      fc.constantFrom('NX', 'X', 'NX_HW_NOT_SUPPORTED'),
      fc.array(fc.nat({ max: 1e9 }), { minLength: 4, maxLength: 4 }).map((a) => a.join(',')),
    ).map((f) => f.join(','));
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('', ',', 'x', '9', ':', '.', '-', ' '));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(tuple, fc.option(mutation)), { minLength: 1, maxLength: 12 }), async (items) => {
        const tuples = items.map(([t, m]) => (m === null ? t : t.slice(0, m[0] % (t.length + 1)) + m[1] + t.slice((m[0] % (t.length + 1)) + 1)));
        const r = await collect(azureVnetFormat, blob(record({ a: { r: tuples } })), {}, 11);
        const tupleErrors = r.diagnostics.filter((d) => d.severity === 'error' && d.field?.includes('flowTuples['));
        expect(r.records.length + tupleErrors.length).toBe(tuples.length);
        expect(r.diagnostics.length).toBe(tupleErrors.length);
        expect(r.records.length).toBeGreaterThanOrEqual(items.filter(([, m]) => m === null).length);
        for (const rec of r.records) expect(rec.flow_decision).toBe(rec.flow_state === 'Deny' ? 'Deny' : 'Allow');
      }),
      { numRuns: 200 },
    );
  });
});
