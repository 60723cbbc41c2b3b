import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../src/model/index.js';
import { azureNsgFormat } from '../../../src/parsers/flow/azure-nsg.js';
import { azureVnetFormat } from '../../../src/parsers/flow/azure-vnet.js';
import { describeShared, sharedFixture } from '../../helpers/fixtures.js';
import { collect, collectFile } from '../../helpers/parse.js';

const NSG = (...p: string[]) => sharedFixture('flowlogs', 'azure-nsg', ...p);
const VNET = (...p: string[]) => sharedFixture('flowlogs', 'azure-vnet', ...p);

const RID = '/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/Prod-RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG';

/** One NSG record as JSON text, tuples given per rule (one MAC group per rule). */
function record(tuples: Record<string, string[]>, extra: Record<string, unknown> = {}, version: unknown = 2): string {
  return JSON.stringify({
    time: '2024-05-06T10:01:00.1234567Z',
    systemId: 'sys-1',
    macAddress: '000D3AF8801A',
    category: 'NetworkSecurityGroupFlowEvent',
    resourceId: RID,
    operationName: 'NetworkSecurityGroupFlowEvents',
    properties: { Version: version === 'omit' ? undefined : version, flows: Object.entries(tuples).map(([rule, t]) => ({ rule, flows: [{ mac: '000d3af8801a', flowTuples: t }] })) },
    ...extra,
  });
}
const blob = (...records: string[]) => `{"records":[${records.join('\r\n,')}\r\n]}`;
const reasons = (r: { diagnostics: { reason: string }[] }) => r.diagnostics.map((d) => d.reason);
const tupleCount = (text: string) => (text.match(/"\d+,[^"]*"/g) ?? []).length; // an independent count of tuple strings

// ---------------------------------------------------------------------------------------------------------

describeShared('azure-nsg conformance with the Elastic and Microsoft samples', () => {
  it('test-nsg.log matches the values of Elastic expected output', async () => {
    const { records, diagnostics } = await collectFile(azureNsgFormat, NSG('elastic-integrations', 'test-nsg.log'));
    expect(diagnostics).toEqual([]);
    const expected = JSON.parse(readFileSync(NSG('elastic-integrations', 'test-nsg.log-expected.json'), 'utf8')).expected;
    type Tuple = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const want: { ev: Record<string, any>; rule: string; mac: string; tuple: Tuple }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const ev of expected) {
      for (const f of ev.azure_network_watcher_nsg.log.properties.flows) {
        for (const g of f.flows) for (const tuple of g.tuples) want.push({ ev: ev.azure_network_watcher_nsg.log, rule: f.rule, mac: g.mac, tuple });
      }
    }
    expect(records).toHaveLength(want.length);
    records.forEach((r, i) => {
      const { ev, rule, mac, tuple } = want[i];
      // Elastic's @timestamp is the record time; ours is the tuple time, which Elastic has as tuple.timestamp.
      expect(r.timestamp).toBe(Date.parse(tuple.timestamp));
      expect(r.src_ip).toBe(tuple.source.ip);
      expect(r.src_port).toBe(tuple.source.port);
      expect(r.dst_ip).toBe(tuple.destination.ip);
      expect(r.dst_port).toBe(tuple.destination.port);
      expect(r.protocol).toBe(tuple.protocol);
      expect(r.flow_state).toBe(tuple.flow_state);
      expect(r.flow_direction).toBe(tuple.traffic.flow);
      // Difference: Elastic spells the decision `Allowed`/`Denied`; DESIGN's column says `Allow`/`Deny`.
      expect(`${r.flow_decision}ed`.replace('Denyed', 'Denied')).toBe(tuple.traffic.decision);
      expect(r.packets_sent).toBe(tuple.packets.sent);
      expect(r.packets_received).toBe(tuple.packets.received);
      expect(r.bytes_sent).toBe(tuple.bytes.sent);
      expect(r.bytes_received).toBe(tuple.bytes.received);
      expect(r.packets).toBe(tuple.packets.sent + tuple.packets.received);
      expect(r.bytes).toBe(tuple.bytes.sent + tuple.bytes.received);
      expect(r.rule_name).toBe(rule);
      expect(r.attributes?.mac).toBe(mac);
      // Difference: Elastic keeps resource_id whole; we split it. Subscription GUID lower-cased, the rest as written.
      const parts = ev.resource_id.split('/');
      expect(r.subscription_id).toBe(parts[2].toLowerCase());
      expect(r.resource_group).toBe(parts[4]);
      expect(r.nsg_name).toBe(parts[8]);
      expect(r.attributes?.systemId).toBe(ev.system_id);
      expect(r.attributes?.category).toBe(ev.category);
      expect(r.attributes?.operationName).toBe(ev.operation_name);
      // Difference: we keep the record time as written (100 ns precision); Elastic truncates it to ms.
      expect(Date.parse(String(r.attributes?.time))).toBe(Date.parse(ev.time));
      expect(r.source_format).toBe(`azure-nsg-v${ev.properties.version}`);
      expect(r.provider).toBe('azure');
      expect(r.region).toBeNull();
      expect(r.source_line).toBe(1);
    });
  });

  it('testdata.log (PT1H.json blob, no expected file): 11 tuples, per-state and per-decision counts', async () => {
    const file = NSG('elastic-integrations', 'testdata.log');
    const { records, diagnostics } = await collectFile(azureNsgFormat, file);
    expect(diagnostics).toEqual([]);
    expect(tupleCount(readFileSync(file, 'utf8'))).toBe(11);
    expect(records).toHaveLength(11);
    const count = (f: (r: FlowRecord) => unknown) => records.reduce<Record<string, number>>((m, r) => ((m[String(f(r))] = (m[String(f(r))] ?? 0) + 1), m), {});
    expect(count((r) => r.flow_state)).toEqual({ Begin: 8, Continuing: 1, End: 2 });
    expect(count((r) => r.flow_decision)).toEqual({ Deny: 7, Allow: 4 });
    expect(count((r) => r.protocol)).toEqual({ UDP: 1, TCP: 10 });
    expect(count((r) => r.rule_name)).toEqual({ DefaultRule_DenyAllInBound: 7, DefaultRule_AllowInternetOutBound: 4 });
    expect(count((r) => r.attributes?.time)).toEqual({ '2018-11-13T12:00:35.3899262Z': 7, '2018-11-13T12:01:35.3918317Z': 4 });
    // Begin tuples have empty counters: totals 0, directional null.
    for (const r of records.filter((x) => x.flow_state === 'Begin')) {
      expect([r.packets, r.bytes, r.packets_sent, r.bytes_received]).toEqual([0, 0, null, null]);
    }
    const c = records.find((r) => r.flow_state === 'Continuing')!;
    expect(c).toMatchObject({ src_ip: '10.5.16.4', dst_ip: '13.67.143.115', src_port: 44931, dst_port: 443, packets_sent: 30, bytes_sent: 16978, packets_received: 24, bytes_received: 14008, packets: 54, bytes: 30986 });
    expect(c.timestamp).toBe(Date.parse('2018-11-13T11:59:39Z'));
  });

  it('Microsoft docs v1 example: reads the nested "records" of the third element with a warning', async () => {
    const file = NSG('microsoftdocs-azure-docs', 'nsg-flow-logs-overview.v1-example.json');
    const { records, diagnostics } = await collectFile(azureNsgFormat, file);
    expect(tupleCount(readFileSync(file, 'utf8'))).toBe(21);
    expect(records).toHaveLength(21); // 5 + 4 outer, then 5 + 4 + 3 nested (the docs repeat the first two records)
    expect(diagnostics.map((d) => [d.reason, d.severity, d.field])).toEqual([['nested-records', 'warning', 'records']]);
    expect(new Set(records.map((r) => r.source_format))).toEqual(new Set(['azure-nsg-v1']));
    expect(records.every((r) => r.flow_state === null && r.packets === 0 && r.packets_sent === null)).toBe(true);
    expect(records.filter((r) => r.flow_decision === 'Deny')).toHaveLength(6);
    expect(records[0]).toMatchObject({ src_ip: '192.0.2.95', dst_ip: '10.1.0.4', src_port: 51529, dst_port: 5358, protocol: 'TCP', flow_direction: 'Inbound', subscription_id: 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', source_line: 3 });
    expect(records[0].attributes?.mac).toBe('00-0D-3A-F8-80-1A');
    // Lines: records of the outer array start at lines 3 and 40; the nested ones carry the line of their wrapper.
    expect([...new Set(records.map((r) => r.source_line))]).toEqual([3, 40, 76]);
  });

  it('neither detector confuses NSG and VNet samples', () => {
    for (const f of [NSG('elastic-integrations', 'test-nsg.log'), NSG('elastic-integrations', 'testdata.log'), NSG('microsoftdocs-azure-docs', 'nsg-flow-logs-overview.v1-example.json')]) {
      const head = readFileSync(f, 'utf8');
      expect(azureNsgFormat.detect(head)).toBeGreaterThanOrEqual(0.9);
      expect(azureVnetFormat.detect(head)).toBe(0);
    }
    for (const f of [VNET('elastic-integrations', 'test-vnet.log'), VNET('elastic-integrations', 'testdata.log')]) {
      expect(azureNsgFormat.detect(readFileSync(f, 'utf8'))).toBe(0);
    }
    const aws = readFileSync(sharedFixture('flowlogs', 'aws-vpc', 'elastic-beats', 'accept-reject-traffic.log'), 'utf8');
    expect(azureNsgFormat.detect(aws)).toBe(0);
    // Elastic's expected output (ECS documents) quotes NSG names and categories but is not a flow log
    expect(azureNsgFormat.detect(readFileSync(NSG('elastic-integrations', 'test-nsg.log-expected.json'), 'utf8'))).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('azure-nsg tuples', () => {
  it('maps v2 tuples: states, counters, IPv6, protocols, ports', async () => {
    const text = blob(
      record({
        R1: [
          '1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,B,,,,',
          '1700000001,2001:DB8:0:0:0:0:0:1,2001:db8::0002,53,5353,U,I,A,E,2,200,3,300',
          '1700000002,10.0.0.1,8.8.8.8,,,I,O,A,C,1,84,1,84',
          '1700000003,10.0.0.9,10.0.0.1,0,0,1,I,A,E,1,1,0,0',
          '1700000004,192.0.2.1,10.0.0.1,5000,22,T,I,D,,,,,',
          '1700000005,192.0.2.1,10.0.0.1,5000,22,T,I,A,,,,,',
          '1700000006,192.0.2.1,10.0.0.1,5000,22,T,I,D,D,,,,',
          '1700000007,192.0.2.1,10.0.0.1,5000,22,47,I,A,E,1,,,',
        ],
      }),
    );
    const { records, diagnostics } = await collect(azureNsgFormat, text);
    expect(diagnostics).toEqual([]);
    const pick = (r: FlowRecord) => [r.timestamp, r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.protocol, r.flow_direction, r.flow_decision, r.flow_state, r.packets, r.bytes, r.packets_sent, r.bytes_sent, r.packets_received, r.bytes_received];
    expect(records.map(pick)).toEqual([
      [1700000000000, '10.0.0.1', '10.0.0.2', 1234, 443, 'TCP', 'Outbound', 'Allow', 'Begin', 0, 0, null, null, null, null],
      [1700000001000, '2001:db8::1', '2001:db8::2', 53, 5353, 'UDP', 'Inbound', 'Allow', 'End', 5, 500, 2, 200, 3, 300],
      [1700000002000, '10.0.0.1', '8.8.8.8', null, null, 'ICMP', 'Outbound', 'Allow', 'Continuing', 2, 168, 1, 84, 1, 84],
      [1700000003000, '10.0.0.9', '10.0.0.1', null, null, 'ICMP', 'Inbound', 'Allow', 'End', 1, 1, 1, 1, 0, 0],
      [1700000004000, '192.0.2.1', '10.0.0.1', 5000, 22, 'TCP', 'Inbound', 'Deny', 'Deny', 0, 0, null, null, null, null],
      [1700000005000, '192.0.2.1', '10.0.0.1', 5000, 22, 'TCP', 'Inbound', 'Allow', null, 0, 0, null, null, null, null],
      [1700000006000, '192.0.2.1', '10.0.0.1', 5000, 22, 'TCP', 'Inbound', 'Deny', 'Deny', 0, 0, null, null, null, null],
      [1700000007000, '192.0.2.1', '10.0.0.1', 5000, 22, '47', 'Inbound', 'Allow', 'End', 1, 0, 1, null, null, null],
    ]);
    const r = records[0];
    expect(r).toMatchObject({ subscription_id: 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', resource_group: 'Prod-RG', nsg_name: 'WEB-NSG', rule_name: 'R1', region: null, end_time: null, geo_src: null, source_object: 'test-input', source_format: 'azure-nsg-v2' });
    expect(r.attributes).toEqual({ time: '2024-05-06T10:01:00.1234567Z', systemId: 'sys-1', macAddress: '00-0D-3A-F8-80-1A', category: 'NetworkSecurityGroupFlowEvent', operationName: 'NetworkSecurityGroupFlowEvents', mac: '00-0D-3A-F8-80-1A' });
    expect(Object.isFrozen(r.attributes)).toBe(true);
    expect(Object.keys(r)).toEqual(Object.keys(records[1])); // one shape for all
  });

  it('keeps non-zero ICMP "ports" (type/code) in attributes, ports null', async () => {
    const { records } = await collect(azureNsgFormat, record({ R: ['1700000000,10.0.0.1,10.0.0.2,8,0,I,O,A,E,1,1,1,1', '1700000000,10.0.0.1,10.0.0.2,0,0,I,O,A,E,1,1,1,1'] }));
    expect(records.map((r) => [r.src_port, r.dst_port, r.attributes?.src_port, r.attributes?.dst_port])).toEqual([
      [null, null, 8, undefined],
      [null, null, undefined, undefined],
    ]);
    expect(records[0].attributes?.mac).toBe('00-0D-3A-F8-80-1A');
    expect(Object.isFrozen(records[0].attributes)).toBe(true);
  });

  it('rejects each bad field with its own reason and the JSON path, keeping the other tuples', async () => {
    const good = '1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4';
    const bad: [string, string, string][] = [
      ['x700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4', 'bad-timestamp', '"x700000000"'],
      [',10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4', 'bad-timestamp', '""'],
      ['170000000000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4', 'bad-timestamp', '"170000000000000"'],
      ['1700000000,10.0.0.256,10.0.0.2,1234,443,T,O,A,E,1,2,3,4', 'bad-ip', '"10.0.0.256"'],
      ['1700000000,10.0.0.1,fe80:::1,1234,443,T,O,A,E,1,2,3,4', 'bad-ip', '"fe80:::1"'],
      ['1700000000,10.0.0.1,10.0.0.2,65536,443,T,O,A,E,1,2,3,4', 'bad-port', '"65536"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,-1,T,O,A,E,1,2,3,4', 'bad-port', '"-1"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,X,O,A,E,1,2,3,4', 'bad-protocol', '"X"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,In,A,E,1,2,3,4', 'bad-direction', '"In"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,Allow,E,1,2,3,4', 'bad-decision', '"Allow"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,Z,1,2,3,4', 'bad-flow-state', '"Z"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1x,2,3,4', 'bad-counter', '"1x"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,99999999999999999999', 'bad-counter', '"99999999999999999999"'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3', 'wrong-field-count', '12 fields'],
      ['1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4,5', 'wrong-field-count', 'more than 13'],
      ['', 'wrong-field-count', '1 fields'],
    ];
    const text = record({ R0: [good], R1: [good, ...bad.map((b) => b[0]), good] });
    const { records, diagnostics } = await collect(azureNsgFormat, `\n${text}\n`);
    expect(records).toHaveLength(3);
    expect(diagnostics.map((d) => d.reason)).toEqual(bad.map((b) => b[1]));
    diagnostics.forEach((d, i) => {
      expect(d.severity).toBe('error');
      expect(d.line).toBe(2);
      expect(d.field).toBe(`properties.flows[1].flows[0].flowTuples[${i + 1}]`);
      expect(d.message).toContain(bad[i][2]);
      expect(d.message).toContain('line 2');
      expect(d.object).toBe('test-input');
    });
  });

  it('rejects empty addresses even first in a group, and reuses a repeated address correctly', async () => {
    const r = await collect(azureNsgFormat, record({ R: ['1700000000,,10.0.0.2,1,2,T,O,A,B,,,,', '1700000000,10.0.0.1,,1,2,T,O,A,B,,,,', '1700000000,2001:DB8::1,10.0.0.2,1,2,T,O,A,B,,,,', '1700000000,2001:DB8::1,10.0.0.2,1,2,T,O,A,B,,,,', '1700000000,10.0.0.1,10.0.0.2,1,2,T,O,A,B,,,,', '1700000000,10.0.0.1,10.0.0.02,1,2,T,O,A,B,,,,'] }));
    expect(reasons(r)).toEqual(['bad-ip', 'bad-ip', 'bad-ip']);
    expect(r.diagnostics.map((d) => d.field?.slice(-3))).toEqual(['[0]', '[1]', '[5]']);
    expect(r.records.map((x) => [x.src_ip, x.dst_ip])).toEqual([['2001:db8::1', '10.0.0.2'], ['2001:db8::1', '10.0.0.2'], ['10.0.0.1', '10.0.0.2']]);
  });

  it('reports malformed structure without losing the rest', async () => {
    const ok = '1700000000,10.0.0.1,10.0.0.2,1234,443,T,O,A,E,1,2,3,4';
    const lines = [
      record({ R: [ok] }),
      '42',
      '{"time":"x","resourceId":"' + RID + '"}',
      '{"properties":{"Version":2,"flows":{}}}',
      '{"properties":{"Version":2,"flows":[5,{"rule":"R"},{"rule":"R","flows":[null,{"mac":"zz","flowTuples":[7,"' + ok + '"]}]}]}}',
      record({ R: [ok] }, { resourceId: 'not/an/id' }, '3'),
      record({ '': [ok] }, {}, 'omit'),
      record({}, {}),
      '[{"records":[[1]]}]',
    ];
    const { records, diagnostics } = await collect(azureNsgFormat, lines.join('\n'));
    expect(diagnostics.map((d) => [d.line, d.reason, d.severity, d.field])).toEqual([
      [2, 'not-a-record', 'error', null],
      [3, 'missing-field', 'error', 'properties'],
      [4, 'missing-field', 'error', 'properties.flows'],
      [5, 'missing-field', 'warning', 'resourceId'],
      [5, 'missing-field', 'error', 'properties.flows[0]'],
      [5, 'missing-field', 'error', 'properties.flows[1]'],
      [5, 'missing-field', 'error', 'properties.flows[2].flows[0]'],
      [5, 'bad-mac', 'warning', 'properties.flows[2].flows[1].mac'],
      [5, 'bad-tuple', 'error', 'properties.flows[2].flows[1].flowTuples[0]'],
      [6, 'unknown-version', 'warning', 'properties.Version'],
      [6, 'bad-resource-id', 'warning', 'resourceId'],
      [7, 'missing-field', 'warning', 'properties.Version'],
      [7, 'missing-field', 'warning', 'properties.flows[0].rule'],
      [8, 'no-flows', 'info', 'properties.flows'],
      [9, 'nested-records', 'warning', 'records'],
      [9, 'not-a-record', 'error', 'records[0]'],
    ]);
    expect(records.map((r) => [r.source_line, r.source_format, r.rule_name, r.subscription_id, r.attributes?.mac])).toEqual([
      [1, 'azure-nsg-v2', 'R', 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', '00-0D-3A-F8-80-1A'],
      [5, 'azure-nsg-v2', 'R', null, 'zz'],
      [6, 'azure-nsg-v2', 'R', null, '00-0D-3A-F8-80-1A'], // unknown Version 3: by the tuple's 13 fields
      [7, 'azure-nsg-v2', null, 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e', '00-0D-3A-F8-80-1A'],
    ]);
  });

  it('infers v1 from 8-field tuples when Version is missing; string versions work', async () => {
    const v1 = '1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D';
    const { records } = await collect(azureNsgFormat, [record({ R: [v1] }, {}, 'omit'), record({ R: [v1] }, {}, '1')].join('\n'));
    expect(records.map((r) => [r.source_format, r.flow_state, r.flow_decision])).toEqual([
      ['azure-nsg-v1', null, 'Deny'],
      ['azure-nsg-v1', null, 'Deny'],
    ]);
  });

  it('descends into nested records only so deep', async () => {
    let doc = record({ R: ['1700000000,10.0.0.1,10.0.0.2,1,2,T,O,A,B,,,,'] });
    for (let i = 0; i < 5; i++) doc = `{"records":[${doc}]}`;
    const r = await collect(azureNsgFormat, `{"records":[${doc}]}`);
    expect(r.records).toHaveLength(0);
    expect(reasons(r)).toEqual(['nested-records', 'nested-records', 'nested-records', 'nested-records', 'nested-records']);
    expect(r.diagnostics.at(-1)).toMatchObject({ severity: 'error', field: 'records[0].records[0].records[0].records[0].records' });
  });

  it('gives identical results for chunk sizes 1, 7 and 64K, and in batches of the requested size', async () => {
    const tuples = Array.from({ length: 40 }, (_, i) => `${1700000000 + i},10.0.${i}.1,2001:db8::${i.toString(16)},${1000 + i},443,T,O,A,E,${i},${i * 10},1,1`);
    const text = blob(record({ A: tuples.slice(0, 25), B: ['bad'] }), record({ C: tuples.slice(25) }));
    const base = await collect(azureNsgFormat, text, {}, 64 * 1024);
    expect(base.records).toHaveLength(40);
    for (const size of [1, 7]) expect(await collect(azureNsgFormat, text, {}, size)).toEqual(base);
    const sizes: number[] = [];
    for await (const b of azureNsgFormat.parse((async function* () { yield text; })(), { object: 'o', batchSize: 4 })) sizes.push(b.records.length);
    expect(sizes).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    const whole: [number, number][] = [];
    for await (const b of azureNsgFormat.parse((async function* () { yield text; })(), { object: 'o', batchSize: 40 })) whole.push([b.records.length, b.diagnostics.length]);
    expect(whole).toEqual([[40, 1]]);
  });

  it('keeps the records before a truncated blob and reports it', async () => {
    const full = blob(record({ R: ['1700000000,10.0.0.1,10.0.0.2,1,2,T,O,A,B,,,,'] }), record({ R: ['1700000001,10.0.0.1,10.0.0.2,1,2,T,O,A,B,,,,'] }));
    const r = await collect(azureNsgFormat, full.slice(0, full.length - 60), {}, 7);
    expect(r.records.map((x) => x.timestamp)).toEqual([1700000000000]);
    expect(reasons(r)).toEqual(['truncated-json']);
  });

  it('detects NSG content by its keys, not VNet, CSV or text', () => {
    expect(azureNsgFormat.detect(blob(record({ R: ['1,1.1.1.1,1.1.1.1,1,1,T,I,A'] })))).toBeGreaterThanOrEqual(0.9);
    expect(azureNsgFormat.detect('  [{"flowTuples": ["1,…"]')).toBe(0.7);
    expect(azureNsgFormat.detect('{"resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/Y/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/Z"')).toBe(0.7);
    expect(azureNsgFormat.detect('{"records":[{"flowLogVersion":4,"flowRecords":{"flows":[{"flowGroups":[{"flowTuples":[]}]}]}}]}')).toBe(0);
    expect(azureNsgFormat.detect('timestamp,src_ip,dst_ip,flowTuples\n')).toBe(0);
    expect(azureNsgFormat.detect('2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n')).toBe(0);
    expect(azureNsgFormat.detect('{"insertId":"x","jsonPayload":{}}')).toBe(0);
    expect(azureNsgFormat.detect('')).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('azure-nsg properties', () => {
  it('never throws on random text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 50 }), async (s, chunk) => {
        const r = await collect(azureNsgFormat, s, {}, chunk);
        for (const rec of r.records) expect(rec.provider).toBe('azure');
      }),
      { numRuns: 200 },
    );
  });

  it('every tuple of a mutated blob becomes a record or an error diagnostic', async () => {
    const tuple = fc.tuple(
      fc.integer({ min: 1_400_000_000, max: 1_800_000_000 }),
      fc.ipV4(),
      fc.oneof(fc.ipV4(), fc.ipV6()),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom('T', 'U'),
      fc.constantFrom('I', 'O'),
      fc.constantFrom('A', 'D'),
      fc.constantFrom('B,,,,', 'C,1,2,3,4', 'E,10,2000,30,4000', ',,,,'),
    ).map((f) => f.join(','));
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('', ',', 'x', '9', ':', '.', '""', ' '));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(tuple, fc.option(mutation)), { minLength: 1, maxLength: 12 }), async (items) => {
        const tuples = items.map(([t, m]) => (m === null ? t : t.slice(0, m[0] % (t.length + 1)) + m[1] + t.slice((m[0] % (t.length + 1)) + 1)));
        const r = await collect(azureNsgFormat, blob(record({ R: tuples })), {}, 13);
        const tupleErrors = r.diagnostics.filter((d) => d.severity === 'error' && d.field?.includes('flowTuples['));
        expect(r.records.length + tupleErrors.length).toBe(tuples.length);
        expect(r.diagnostics.length).toBe(tupleErrors.length);
        // unmutated tuples always parse
        const clean = items.filter(([, m]) => m === null).length;
        expect(r.records.length).toBeGreaterThanOrEqual(clean);
      }),
      { numRuns: 200 },
    );
  });
});
