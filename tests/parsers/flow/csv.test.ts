import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLOW_COLUMNS, FLOW_CSV_HEADER, flowRecordToCsv, newFlowRecord, type FlowRecord } from '../../../src/model/index.js';
import { csvFormat, splitCsvRecord } from '../../../src/parsers/flow/csv.js';
import { describeShared, listSharedFixtures } from '../../helpers/fixtures.js';
import { parseTimestamp } from '../../../src/parsers/values.js';
import { collect, collectFile, type Collected } from '../../helpers/parse.js';

const HEADER =
  'timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol,flow_direction,flow_decision,flow_state,packets,bytes,region';
const GEO_HEADER = `${HEADER},geo_src,geo_dst`;
const ROW = '2024-05-01T12:00:01Z,sub-1,rg-web,nsg-web,10.0.0.4,50123,52.1.2.3,443,TCP,Outbound,Allow,Established,12,3400,westeurope';
const T0 = Date.UTC(2024, 4, 1, 12, 0, 1);

const parse = (text: string, options: Parameters<typeof collect>[2] = {}, chunk?: number) => collect(csvFormat, text, options, chunk);
const reasons = (r: Collected) => r.diagnostics.map((d) => `${d.line}:${d.severity}:${d.reason}`);
/** A row of the brief's schema with some columns replaced (by header name). */
function row(overrides: Record<string, string> = {}, base = ROW, header = HEADER): string {
  const names = header.split(',');
  const cells = base.split(',');
  for (const [k, v] of Object.entries(overrides)) cells[names.indexOf(k)] = v;
  return cells.join(',');
}

// ------------------------------------------------------------------------------------------------
// Conformance. ../shared/fixtures has no samples of this (our own) CSV schema, so the shared flow-log
// samples serve as inputs that must NOT be taken for CSV: detect() says 0 and parsing them reports the
// missing header columns once, without records and without throwing.

describeShared('csv: other formats in ../shared/fixtures/flowlogs', () => {
  const files = listSharedFixtures('flowlogs');
  it('finds the shared samples', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  for (const file of files) {
    it(`does not claim ${file.split('/flowlogs/')[1]}`, async () => {
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(file, 'utf8');
      expect(csvFormat.detect(text.slice(0, 64 * 1024))).toBe(0);
      const r = await collectFile(csvFormat, file);
      expect(r.records).toEqual([]);
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.reason)).toEqual(['missing-column']);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Detection

describe('csv: detect', () => {
  it('claims a comma-separated header with timestamp, src_ip and dst_ip in any case and order', () => {
    expect(csvFormat.detect(`${HEADER}\n${ROW}\n`)).toBeGreaterThanOrEqual(0.8);
    expect(csvFormat.detect('\r\n\n  DST_IP , Src_Ip,"Timestamp"\r\n')).toBeGreaterThanOrEqual(0.8);
    expect(csvFormat.detect(FLOW_CSV_HEADER)).toBeGreaterThanOrEqual(0.8);
    expect(csvFormat.detect(HEADER.slice(0, 60))).toBe(0); // truncated before dst_ip
    expect(csvFormat.detect('timestamp,src_ip,dst_ip')).toBeGreaterThan(0); // no newline at all
  });

  it('does not claim other inputs', () => {
    for (const head of [
      '',
      '\n\n',
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n',
      '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
      '{"records":[{"time":"2024-01-01T00:00:00Z"}]}',
      '[{"timestamp":1,"src_ip":"a","dst_ip":"b"}]',
      '{"timestamp":1,"src_ip":"a","dst_ip":"b"}\n',
      'timestamp,src_ip,port\n',
      'time,source,destination\n',
      'timestamp;src_ip;dst_ip\n',
    ]) {
      expect(csvFormat.detect(head), head).toBe(0);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Header handling

describe('csv: header', () => {
  it('maps the brief schema to records', async () => {
    const r = await parse(`${GEO_HEADER}\n${ROW},de,ZZ\n`);
    expect(r.diagnostics).toEqual([]);
    const expected: FlowRecord = {
      ...newFlowRecord('generic', 'csv', 'test-input', 2),
      timestamp: T0,
      subscription_id: 'sub-1',
      resource_group: 'rg-web',
      nsg_name: 'nsg-web',
      src_ip: '10.0.0.4',
      src_port: 50123,
      dst_ip: '52.1.2.3',
      dst_port: 443,
      protocol: 'TCP',
      flow_direction: 'Outbound',
      flow_decision: 'Allow',
      flow_state: 'Continuing', // the brief's Established
      packets: 12,
      bytes: 3400,
      region: 'westeurope',
      geo_src: 'DE',
      geo_dst: 'ZZ',
    };
    expect(r.records).toEqual([expected]);
    expect(Object.keys(r.records[0])).toEqual(Object.keys(newFlowRecord('generic', 'csv', 'x', 1)));
  });

  it('accepts header names in any case and order, with spaces, quotes, BOM and CRLF; missing optional columns are null', async () => {
    const text = '\uFEFF\r\n "DST_IP" ,Src_IP,TIMESTAMP, Bytes \r\n10.0.0.2,10.0.0.1,1714564801,99\r\n';
    const r = await parse(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.records).toHaveLength(1);
    const rec = r.records[0];
    expect([rec.src_ip, rec.dst_ip, rec.timestamp, rec.bytes, rec.packets, rec.source_line]).toEqual(['10.0.0.1', '10.0.0.2', T0, 99, 0, 3]);
    expect([rec.src_port, rec.protocol, rec.flow_direction, rec.region, rec.attributes]).toEqual([null, null, null, null, null]);
  });

  it('rejects a header without the required columns with one diagnostic and no records', async () => {
    const r = await parse('timestamp,source,destination\n2024-01-01T00:00:00Z,1.2.3.4,5.6.7.8\n2024-01-01T00:00:00Z,1.2.3.4,5.6.7.8\n');
    expect(r.records).toEqual([]);
    expect(reasons(r)).toEqual(['1:error:missing-column']);
    expect(r.diagnostics[0].field).toBe('src_ip,dst_ip');
    expect(r.diagnostics[0].message).toContain('src_ip, dst_ip');
    // data without a header: the first row is read as a header and lacks every required name
    const r2 = await parse(`${ROW}\n${ROW}\n`);
    expect(r2.records).toEqual([]);
    expect(r2.diagnostics.map((d) => [d.reason, d.field])).toEqual([['missing-column', 'timestamp,src_ip,dst_ip']]);
  });

  it('yields nothing for empty or blank input', async () => {
    expect(await parse('')).toEqual({ records: [], diagnostics: [] });
    expect(await parse('\n  \n\t\r\n')).toEqual({ records: [], diagnostics: [] });
    expect(await parse(`${HEADER}\n`)).toEqual({ records: [], diagnostics: [] });
  });

  it('keeps unknown columns in attributes by header name, leaving empty cells out', async () => {
    const r = await parse(`timestamp,src_ip,dst_ip,Tenant,vm id,,\n${'2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,acme,,x,'}\n2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,,,,\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => x.attributes)).toEqual([{ Tenant: 'acme', column_6: 'x' }, null]);
  });

  it('warns about a duplicate column, uses the first and keeps the later one in attributes', async () => {
    const r = await parse('timestamp,src_ip,dst_ip,SRC_IP\n2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,3.3.3.3\n');
    expect(reasons(r)).toEqual(['1:warning:duplicate-column']);
    expect(r.records[0].src_ip).toBe('1.1.1.1');
    expect(r.records[0].attributes).toEqual({ SRC_IP: '3.3.3.3' });
  });

  it('stores a __proto__ column as a plain attribute', async () => {
    const r = await parse('timestamp,src_ip,dst_ip,__proto__\n2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,x\n');
    const attrs = r.records[0].attributes as Record<string, unknown>;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value).toBe('x');
  });
});

// ------------------------------------------------------------------------------------------------
// Round trip through our own CSV output

describe('csv: reads back networkflow CSV output', () => {
  const sample = (): FlowRecord[] => {
    const a = newFlowRecord('azure', 'azure-nsg', 'blob/PT1H.json', 17);
    Object.assign(a, {
      timestamp: T0 + 123,
      end_time: T0 + 60_000,
      subscription_id: 'SUB',
      resource_group: 'RG',
      nsg_name: 'NSG',
      rule_name: 'UserRule_Allow-"web",1\nsecond line',
      src_ip: '2001:db8::1',
      dst_ip: '10.0.0.1',
      src_port: 1,
      dst_port: 2,
      protocol: 'UDP',
      flow_direction: 'Inbound',
      flow_decision: 'Deny',
      flow_state: 'End',
      packets: 3,
      bytes: 300,
      packets_sent: 1,
      bytes_sent: 100,
      packets_received: 2,
      bytes_received: 200,
      region: 'westeurope',
      geo_src: 'US',
      geo_dst: 'ZZ',
      attributes: { mac: '00-0D-3A-F8-78-56', nested: { a: [1, 2] }, text: 'line1\nline2' },
    });
    const b = newFlowRecord('aws', 'aws-vpc', 's3://b/k.log.gz', 2);
    Object.assign(b, { timestamp: T0, src_ip: '1.2.3.4', dst_ip: '5.6.7.8', protocol: 'ICMP', flow_decision: 'Allow' });
    return [a, b];
  };

  for (const chunk of [1, 7, 65536]) {
    it(`restores every column (chunk size ${chunk}); provider, source_format, source_object, source_line go to attributes`, async () => {
      const input = sample();
      const text = FLOW_CSV_HEADER + input.map(flowRecordToCsv).join('');
      const r = await parse(text, { object: 'out.csv' }, chunk);
      expect(r.diagnostics).toEqual([]);
      expect(r.records).toHaveLength(2);
      r.records.forEach((got, i) => {
        const want = input[i];
        for (const c of FLOW_COLUMNS) {
          if (c === 'provider' || c === 'source_format' || c === 'source_object' || c === 'source_line' || c === 'attributes') continue;
          expect(got[c], c).toEqual(want[c]);
        }
        expect(got.provider).toBe('generic');
        expect(got.source_format).toBe('csv');
        expect(got.source_object).toBe('out.csv');
        expect(got.attributes).toEqual({
          provider: want.provider,
          source_format: want.source_format,
          ...(want.attributes ?? {}),
          source_object: want.source_object,
          source_line: String(want.source_line),
        });
      });
      // record a spans two physical lines (the attribute text has a newline): b starts on line 4
      expect(r.records.map((x) => x.source_line)).toEqual([2, 4]);
    });
  }

  it('warns about an attributes cell that is not a JSON object and keeps its text', async () => {
    const r = await parse('timestamp,src_ip,dst_ip,attributes\n2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,[1]\n2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,{oops\n');
    expect(reasons(r)).toEqual(['2:warning:bad-attributes', '3:warning:bad-attributes']);
    expect(r.records.map((x) => x.attributes)).toEqual([{ attributes: '[1]' }, { attributes: '{oops' }]);
  });

  it('sums directional counters when packets/bytes are absent or empty', async () => {
    const r = await parse(
      'timestamp,src_ip,dst_ip,packets,packets_sent,packets_received,bytes_sent,bytes_received\n' +
        '2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,,2,3,,40\n' +
        '2024-05-01T12:00:01Z,1.1.1.1,2.2.2.2,7,2,3,,\n',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => [x.packets, x.bytes, x.packets_sent, x.packets_received, x.bytes_sent, x.bytes_received])).toEqual([
      [5, 40, 2, 3, null, 40],
      [7, 0, 2, 3, null, null],
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
// Values

describe('csv: values', () => {
  it('reads ISO 8601 and epoch timestamps', async () => {
    const cells = [
      ['2024-05-01T12:00:01Z', T0],
      ['2024-05-01 12:00:01', T0],
      ['2024-05-01T12:00:01.250Z', T0 + 250],
      ['2024-05-01T14:00:01+02:00', T0],
      ['2024-05-01T12:00:01z', T0],
      ['1714564801', T0],
      ['1714564801000', T0],
      ['1714564801.5', T0 + 500],
    ] as const;
    const r = await parse(`${HEADER}\n${cells.map(([t]) => row({ timestamp: t })).join('\n')}\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => x.timestamp)).toEqual(cells.map(([, v]) => v));
  });

  it('reads consecutive ISO timestamps that differ only in the seconds as parseTimestamp does', async () => {
    const times = [
      '2024-05-01T12:00:01Z', '2024-05-01T12:00:02Z', '2024-05-01T12:00:59Z', '2024-05-01T12:00:60Z', '2024-05-01T12:00:61Z',
      '2024-05-01T12:00:58Z', '2024-05-01T12:01:00Z', '2024-05-01T12:01:0xZ', '2024-05-01T12:01:09Z', '2024-05-01 12:01:05.250+02:00',
      '2024-05-01 12:01:07.250+02:00', '2024-05-01 12:01:07.250+03:00', '2024-05-01T12:01:09', '2024-05-01T12:01:19', '2024-05-01T12:01:1',
      '2024-05-01T12:01:11', '2024-02-29T12:00:01Z', '2024-02-30T12:00:01Z', '2024-02-30T12:00:02Z', '1714564801', '1714564802',
      '2024-05-01T12:00', '2024-05-01T12:01', '1999-12-31T23:59:58.999Z', '1999-12-31T23:59:59.999Z', '1969-12-31T23:59:58Z', '1969-12-31T23:59:09Z',
    ];
    for (const chunk of [7, 64 * 1024]) {
      const r = await parse(`${HEADER}\n${times.map((t) => row({ timestamp: t })).join('\n')}\n`, {}, chunk);
      const expected = times.map((t) => parseTimestamp(t));
      expect(expected.filter((v) => v === null).length).toBe(5); // :61, :0x, :1 and 30 February twice
      expect(r.records.map((x) => [x.source_line, x.timestamp])).toEqual(
        expected.flatMap((v, i) => (v === null ? [] : [[i + 2, v]])),
      );
      expect(r.diagnostics.map((d) => [d.line, d.reason])).toEqual(
        expected.flatMap((v, i) => (v === null ? [[i + 2, 'bad-timestamp']] : [])),
      );
    }
  });

  it('reads end_time, and rejects a bad one', async () => {
    const r = await parse('timestamp,end_time,src_ip,dst_ip\n1714564801,1714564861,1.1.1.1,2.2.2.2\n1714564801,1714564861,1.1.1.1,2.2.2.2\n1714564801,,1.1.1.1,2.2.2.2\n1714564801,soon,1.1.1.1,2.2.2.2\n');
    expect(r.records.map((x) => x.end_time)).toEqual([T0 + 60_000, T0 + 60_000, null]);
    expect(reasons(r)).toEqual(['5:error:bad-timestamp']);
    expect(r.diagnostics[0].field).toBe('end_time');
  });

  it('normalizes IPv6 and accepts ICMP rows without ports (ports of ICMP rows are null, non-zero ones kept in attributes)', async () => {
    const r = await parse(
      `${HEADER}\n` +
        [
          row({ src_ip: '2001:0DB8:0000:0000:0000:0000:0000:0001', dst_ip: '::FFFF:10.0.0.1' }),
          row({ protocol: 'ICMP', src_port: '', dst_port: '' }),
          row({ protocol: '1', src_port: '0', dst_port: '0' }),
          row({ protocol: 'icmpv6', src_port: '8', dst_port: '0' }),
        ].join('\n'),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => [x.src_ip, x.dst_ip])[0]).toEqual(['2001:db8::1', '::ffff:10.0.0.1']);
    expect(r.records.slice(1).map((x) => [x.protocol, x.src_port, x.dst_port, x.attributes])).toEqual([
      ['ICMP', null, null, null],
      ['ICMP', null, null, null],
      ['ICMPv6', null, null, { src_port: 8 }],
    ]);
  });

  it('maps protocol names and numbers', async () => {
    const cells = ['TCP', 'tcp', 'Tcp', '6', '006', 'udp', '17', 'ICMPv6', 'ipv6-icmp', '58', 'gre', 'ESP', '47', '255', 'T', 'u'];
    const r = await parse(`${HEADER}\n${cells.map((p) => row({ protocol: p })).join('\n')}\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => x.protocol)).toEqual(['TCP', 'TCP', 'TCP', 'TCP', 'TCP', 'UDP', 'UDP', 'ICMPv6', 'ICMPv6', 'ICMPv6', '47', '50', '47', '255', 'TCP', 'UDP']);
  });

  it('maps direction, decision and state spellings in any case', async () => {
    const dirs = ['Inbound', 'OUTBOUND', 'i', 'O', 'in', 'Out', 'ingress', 'EGRESS', 'InBoUnD'];
    const decs = ['Allow', 'deny', 'A', 'd', 'allowed', 'Denied', 'ACCEPT', 'reject', 'Accepted'];
    const states = ['Begin', 'continuing', 'END', 'Deny', 'b', 'C', 'e', 'D', 'Start', 'established'];
    const extraStates = ['Teardown', 'closed'];
    const n = Math.max(dirs.length, decs.length, states.length + extraStates.length);
    const allStates = [...states, ...extraStates];
    const lines = Array.from({ length: n }, (_, i) =>
      row({ flow_direction: dirs[i % dirs.length], flow_decision: decs[i % decs.length], flow_state: allStates[i % allStates.length] }),
    );
    const r = await parse(`${HEADER}\n${lines.join('\n')}\n`);
    expect(r.diagnostics).toEqual([]);
    const D = ['Inbound', 'Outbound', 'Inbound', 'Outbound', 'Inbound', 'Outbound', 'Inbound', 'Outbound', 'Inbound'];
    const A = ['Allow', 'Deny', 'Allow', 'Deny', 'Allow', 'Deny', 'Allow', 'Deny', 'Allow'];
    const S = ['Begin', 'Continuing', 'End', 'Deny', 'Begin', 'Continuing', 'End', 'Deny', 'Begin', 'Continuing', 'End', 'End'];
    expect(r.records.map((x) => x.flow_direction)).toEqual(Array.from({ length: n }, (_, i) => D[i % D.length]));
    expect(r.records.map((x) => x.flow_decision)).toEqual(Array.from({ length: n }, (_, i) => A[i % A.length]));
    expect(r.records.map((x) => x.flow_state)).toEqual(Array.from({ length: n }, (_, i) => S[i % S.length]));
  });

  it('treats empty optional cells as null (counters 0)', async () => {
    const empty = Object.fromEntries(HEADER.split(',').filter((c) => !['timestamp', 'src_ip', 'dst_ip'].includes(c)).map((c) => [c, '']));
    const r = await parse(`${HEADER}\n${row(empty)}\n`);
    expect(r.diagnostics).toEqual([]);
    const x = r.records[0];
    expect([x.subscription_id, x.resource_group, x.nsg_name, x.src_port, x.dst_port, x.protocol, x.flow_direction, x.flow_decision, x.flow_state, x.packets, x.bytes, x.region]).toEqual(
      [null, null, null, null, null, null, null, null, null, 0, 0, null],
    );
  });

  it('accepts counters up to 2^53 and trims blanks around cells', async () => {
    const big = String(Number.MAX_SAFE_INTEGER);
    const r = await parse(`${HEADER}\n${row({ packets: big, bytes: '00012', src_ip: ' 10.0.0.4 ', region: '\tweu ', protocol: ' udp' })}\n`);
    expect(r.diagnostics).toEqual([]);
    expect([r.records[0].packets, r.records[0].bytes, r.records[0].src_ip, r.records[0].region, r.records[0].protocol]).toEqual([Number.MAX_SAFE_INTEGER, 12, '10.0.0.4', 'weu', 'UDP']);
  });

  const bad: [string, string, string][] = [
    ['timestamp', '', 'missing-field'],
    ['timestamp', 'yesterday', 'bad-timestamp'],
    ['timestamp', '2024-02-30T00:00:00Z', 'bad-timestamp'],
    ['src_ip', '', 'missing-field'],
    ['src_ip', '10.0.0.256', 'bad-ip'],
    ['src_ip', '10.0.0', 'bad-ip'],
    ['dst_ip', 'fe80::1::2', 'bad-ip'],
    ['dst_ip', 'host.example', 'bad-ip'],
    ['src_port', '65536', 'bad-port'],
    ['src_port', '-1', 'bad-port'],
    ['dst_port', '44x', 'bad-port'],
    ['dst_port', '1234567890123456789', 'bad-port'],
    ['protocol', 'carrier-pigeon', 'bad-protocol'],
    ['protocol', '256', 'bad-protocol'],
    ['flow_direction', 'sideways', 'bad-direction'],
    ['flow_decision', 'maybe', 'bad-decision'],
    ['flow_state', 'Paused', 'bad-flow-state'],
    ['packets', '1.5', 'bad-counter'],
    ['bytes', '-10', 'bad-counter'],
    ['bytes', '99999999999999999999', 'bad-counter'],
  ];
  for (const [field, value, reason] of bad) {
    it(`rejects ${field}=${JSON.stringify(value)} as ${reason}, keeping the rows around it`, async () => {
      for (const chunk of [1, 7, 65536]) {
        const r = await parse(`${HEADER}\n${ROW}\n${row({ [field]: value })}\n${ROW}\n`, {}, chunk);
        expect(r.records.map((x) => x.source_line)).toEqual([2, 4]);
        expect(reasons(r)).toEqual([`3:error:${reason}`]);
        expect(r.diagnostics[0].field).toBe(field);
        expect(r.diagnostics[0].message).toContain('line 3');
        expect(r.diagnostics[0].message).toContain(JSON.stringify(value.slice(0, 77)));
      }
    });
  }

  it('truncates long values in messages', async () => {
    const r = await parse(`${HEADER}\n${row({ region: 'x', src_ip: 'y'.repeat(500) })}\n`);
    expect(r.diagnostics[0].message.length).toBeLessThan(200);
    expect(r.diagnostics[0].message).toContain('...');
  });

  it('warns about bad geo codes and keeps the row with null', async () => {
    const r = await parse(`${GEO_HEADER}\n${ROW},usa,1x\n${ROW},,us\n`);
    expect(reasons(r)).toEqual(['2:warning:bad-geo', '2:warning:bad-geo']);
    expect(r.records.map((x) => [x.geo_src, x.geo_dst])).toEqual([[null, null], [null, 'US']]);
  });
});

// ------------------------------------------------------------------------------------------------
// Structure: field counts, quoting, blank lines, truncation, chunking

describe('csv: structure', () => {
  it('rejects rows with the wrong number of fields', async () => {
    const r = await parse(`${HEADER}\n${ROW},extra\n${ROW.split(',').slice(0, 14).join(',')}\n${ROW}\n"a,b",x\nx,"a,b"\n`);
    expect(reasons(r)).toEqual(['2:error:wrong-field-count', '3:error:wrong-field-count', '5:error:wrong-field-count', '6:error:wrong-field-count']);
    expect(r.diagnostics[0].message).toContain('expected 15 fields');
    expect(r.diagnostics[0].message).toContain('found 16');
    expect(r.diagnostics[1].message).toContain('found 14');
    expect(r.records.map((x) => x.source_line)).toEqual([4]);
  });

  it('ignores blank and whitespace-only lines, keeping line numbers', async () => {
    const r = await parse(`\n${HEADER}\n\n${ROW}\n   \n\t\n${ROW}\n\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => x.source_line)).toEqual([4, 7]);
  });

  it('reads RFC 4180 quoted fields: commas, doubled quotes, newlines, CRLF', async () => {
    const text =
      `${HEADER}\r\n` +
      row({ subscription_id: '"a,b"', resource_group: '"say ""hi"""', nsg_name: ' "spaced" ', region: '"multi\r\nline\n""x"""' }) +
      `\r\n${ROW}\r\n`;
    for (const chunk of [1, 7, 65536]) {
      const r = await parse(text, {}, chunk);
      expect(r.diagnostics).toEqual([]);
      expect(r.records.map((x) => [x.subscription_id, x.resource_group, x.nsg_name, x.region, x.source_line])).toEqual([
        // readLines drops the CR of a CRLF, also inside a quoted field
        ['a,b', 'say "hi"', 'spaced', 'multi\nline\n"x"', 2],
        ['sub-1', 'rg-web', 'nsg-web', 'westeurope', 5],
      ]);
    }
  });

  it('is lenient with stray quotes: literal inside an unquoted field, text after a closing quote appended', async () => {
    const r = await parse(`${HEADER}\n${row({ nsg_name: 'a"b', region: '"x"y' })}\n`);
    expect(r.diagnostics).toEqual([]);
    expect([r.records[0].nsg_name, r.records[0].region]).toEqual(['a"b', 'xy']);
  });

  it('reports an unterminated quote at the end of input and re-reads the lines after it', async () => {
    const r = await parse(`${HEADER}\n${row({ region: '"oops' })}\n${ROW}\n${ROW}`);
    expect(reasons(r)).toEqual(['2:error:unterminated-quote']);
    expect(r.records.map((x) => x.source_line)).toEqual([3, 4]);
  });

  it('gives up a quoted field after 100 lines or maxLineLength characters', async () => {
    const many = Array.from({ length: 150 }, () => ROW).join('\n');
    const r = await parse(`${HEADER}\n${row({ region: '"open' })}\n${many}\n`);
    expect(reasons(r)).toEqual(['2:error:unterminated-quote']);
    expect(r.records).toHaveLength(150);
    expect(r.records[0].source_line).toBe(3);
    const r2 = await parse(`${HEADER}\n${row({ region: '"open' })}\n${many}\n`, { maxLineLength: 1000 });
    expect(reasons(r2)).toEqual(['2:error:unterminated-quote']);
    expect(r2.records).toHaveLength(150);
  });

  it('handles truncated input: a cut last row is rejected, the rest kept', async () => {
    const full = `${HEADER}\n${ROW}\n${ROW}\n`;
    const r = await parse(full.slice(0, full.length - 30));
    expect(r.records).toHaveLength(1);
    expect(reasons(r)).toEqual(['3:error:wrong-field-count']);
    const r2 = await parse(HEADER.slice(0, 20));
    expect(r2.records).toEqual([]);
    expect(reasons(r2)).toEqual(['1:error:missing-column']);
  });

  it('passes readLines diagnostics through in line order', async () => {
    const bytes = new TextEncoder().encode(`${HEADER}\n${row({ nsg_name: 'nsg-\u00e9' })}\n${row({ region: 'x'.repeat(3000) })}\n${ROW}\n`);
    const bad = Uint8Array.from(bytes);
    bad[bytes.indexOf(0xc3)] = 0xff; // break the é
    const r = await collect(csvFormat, bad, { maxLineLength: 2000 }, 64);
    expect(reasons(r)).toEqual(['2:warning:invalid-utf8', '3:error:line-too-long']);
    expect(r.records.map((x) => [x.source_line, x.nsg_name])).toEqual([
      [2, 'nsg-\uFFFD\uFFFD'],
      [4, 'nsg-web'],
    ]);
  });

  it('gives identical results for chunk sizes 1, 7 and 64K, and honours batchSize', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 300; i++) {
      lines.push(row({ src_port: String(i), timestamp: i % 3 === 0 ? '2024-05-01T12:00:02Z' : '2024-05-01T12:00:01Z', bytes: i % 50 === 0 ? 'x' : String(i) }));
    }
    const text = lines.join('\r\n') + '\r\n';
    const ref = await parse(text, {}, 65536);
    expect(ref.records).toHaveLength(294);
    expect(ref.diagnostics).toHaveLength(6);
    for (const chunk of [1, 7]) expect(await parse(text, {}, chunk)).toEqual(ref);
    const sizes: number[] = [];
    for await (const b of csvFormat.parse((async function* () { yield text; })(), { object: 'x', batchSize: 100 })) sizes.push(b.records.length);
    expect(sizes.every((s) => s <= 100)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(294);
  });
});

// ------------------------------------------------------------------------------------------------
// Property tests

describe('csv: properties', () => {
  it('never throws on random input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), async (s, chunk) => {
        await parse(s, {}, chunk);
        await parse(`${HEADER}\n${s}`, {}, chunk);
        expect(typeof csvFormat.detect(s)).toBe('number');
      }),
      { numRuns: 300 },
    );
  });

  const cellChars = fc.constantFrom('a', 'Z', '0', '9', '.', ':', '-', ' ', 'x', ',', '\t', 'é');
  const mutated = fc.array(
    fc.record({ cut: fc.nat(200), drop: fc.nat(3), insert: fc.string({ unit: cellChars, maxLength: 4 }) }),
    { minLength: 1, maxLength: 40 },
  );

  it('accounts for every non-blank data line exactly once (quote-free mutations)', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, fc.boolean(), async (edits, geo) => {
        const header = geo ? GEO_HEADER : HEADER;
        const base = geo ? `${ROW},US,ZZ` : ROW;
        const lines = edits.map(({ cut, drop, insert }) => {
          const at = cut % (base.length + 1);
          return base.slice(0, at) + insert + base.slice(at + drop);
        });
        const r = await parse(`${header}\n${lines.join('\n')}\n`, {}, 13);
        const accounted = [...r.records.map((x) => x.source_line), ...r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line)];
        const expected = lines.map((l, i) => (l.trim() === '' ? -1 : i + 2)).filter((n) => n > 0);
        expect(accounted.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('with quotes in the mutations: never throws, rows come out in order, once each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cut: fc.nat(200), insert: fc.string({ unit: fc.constantFrom('"', ',', 'a', '\n', '1'), maxLength: 3 }) }), { maxLength: 20 }),
        async (edits) => {
          const lines = edits.map(({ cut, insert }) => ROW.slice(0, cut % (ROW.length + 1)) + insert + ROW.slice(cut % (ROW.length + 1)));
          const text = `${HEADER}\n${lines.join('\n')}\n`;
          const r = await parse(text, {}, 5);
          const physical = text.split('\n').length;
          const starts = [...r.records.map((x) => x.source_line), ...r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line ?? 0)].sort((a, b) => a - b);
          expect(new Set(starts).size).toBe(starts.length);
          for (const n of starts) expect(n >= 2 && n <= physical).toBe(true);
          expect(await parse(text, {}, 1)).toEqual(r);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the single-pass fast path and the general path agree (an empty attributes column forces the general path)', async () => {
    const cell = (values: string[]) =>
      fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 12 }, { arbitrary: fc.string({ unit: cellChars, maxLength: 6 }), weight: 1 });
    const rowArb = fc.tuple(
      cell(['2024-05-01T12:00:01Z', '1714564801', '2024-05-01 12:00:01', '']),
      cell(['sub', '', ' sub']),
      cell(['10.0.0.1', '1.2.3.4', '::1', '10.0.0.01', '']),
      cell(['10.0.0.2', '2001:DB8::0:1', '300.1.1.1']),
      cell(['1', '65535', '65536', '', '007']),
      cell(['TCP', 'udp', '6', 'ICMP', '']),
      cell(['Inbound', 'o', 'OUT', 'x', '']),
      cell(['Allow', 'D', '']),
      cell(['B', 'Established', '']),
      cell(['1', '', '9007199254740991', '12345678901234567']),
      cell(['US', 'zz', 'x', '']),
      cell(['', 'extra']),
    );
    let seen = 0;
    const header = 'timestamp,subscription_id,src_ip,dst_ip,dst_port,protocol,flow_direction,flow_decision,flow_state,bytes,geo_src,note';
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 20 }), async (rows) => {
        const plain = `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
        const withAttrs = `${header},attributes\n${rows.map((r) => r.join(',') + ',').join('\n')}\n`;
        const a = await parse(plain);
        const b = await parse(withAttrs);
        const brief = (r: Collected) => r.diagnostics.map((d) => [d.line, d.field, d.reason, d.severity]);
        expect(a.records).toEqual(b.records);
        seen += a.records.length;
        expect(brief(a)).toEqual(brief(b));
      }),
      { numRuns: 300 },
    );
    expect(seen).toBeGreaterThan(50); // enough generated rows are valid for the fast path to be exercised
  });
});

describe('csv: byte and character fast paths', () => {
  /** Parses text given as string chunks (no bytes: the character fast path) of `size` characters. */
  async function parseStrings(text: string, size: number): Promise<Collected> {
    async function* source() {
      for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
    }
    const records: FlowRecord[] = [];
    const diagnostics: Collected['diagnostics'] = [];
    for await (const b of csvFormat.parse(source(), { object: 'test-input' })) {
      records.push(...b.records);
      diagnostics.push(...b.diagnostics);
    }
    return { records, diagnostics };
  }

  it('ASCII byte chunks (compared as bytes) and string chunks give the same results, long cached values included', async () => {
    const long = `sub-${'x'.repeat(200)}`;
    const cells = fc.tuple(
      fc.constantFrom('2024-05-01T12:00:01Z', '2024-05-01T12:00:02Z', '2024-05-01T12:00:01.123456789Z', '2024-05-01T12:00:0Z', '1714564801'),
      fc.constantFrom('sub-1', 'sub-2', long, `${long}y`, `${long.slice(0, -1)}z`, 'sub-10', 'sub-1 '),
      fc.constantFrom('10.0.0.4', '10.0.0.04', '2001:db8::1', '10.0.0.256', '1.2.3.4.5'),
      fc.constantFrom('443', '', '65536', '4x3', '0443'),
      fc.constantFrom('TCP', 'TCPX', 'tcp', 'T', 'ICMP', 'UDP'),
      fc.constantFrom('Inbound', 'Inboundx', 'I', 'Outbound', 'Inbounc'),
      fc.constantFrom('US', 'U', 'USA', 'zz', ''),
    );
    const header = 'timestamp,subscription_id,src_ip,dst_port,protocol,flow_direction,geo_src,dst_ip';
    await fc.assert(
      fc.asyncProperty(fc.array(cells, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 300 }), async (rows, size) => {
        const text = `${header}\n${rows.map((r) => `${r.join(',')},1.1.1.1`).join('\n')}\n`;
        const a = await parse(text, {}, size);
        const b = await parseStrings(text, size);
        expect(a.records).toEqual(b.records);
        expect(a.diagnostics).toEqual(b.diagnostics);
      }),
      { numRuns: 200 },
    );
  });
});

describe('splitCsvRecord', () => {
  it('splits quoted and unquoted fields', () => {
    expect(splitCsvRecord('a,"b,c", "d""e" ,,f ')).toEqual(['a', 'b,c', 'd"e', '', 'f']);
    expect(splitCsvRecord('')).toEqual(['']);
    expect(splitCsvRecord('"unterminated,x')).toEqual(['unterminated,x']);
    expect(splitCsvRecord('x,')).toEqual(['x', '']);
  });
});
