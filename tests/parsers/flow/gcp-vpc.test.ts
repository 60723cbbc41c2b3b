import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcpVpcFormat, parseGcpTime } from '../../../src/parsers/flow/gcp-vpc.js';
import { parseTimestamp } from '../../../src/parsers/values.js';
import { describeShared, sharedFixture } from '../../helpers/fixtures.js';
import { collect, collectFile, type Collected } from '../../helpers/parse.js';

const FIXTURE_DIR = ['flowlogs', 'gcp-vpc', 'elastic-beats'];
const FIXTURE = 'vpc-flow-log-entries.first7.json.log';

/** A LogEntry like the ones GCP writes, with overridable payload fields (undefined deletes a field). */
function entry(payload: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  const p: Record<string, unknown> = {
    bytes_sent: '1776',
    connection: { dest_ip: '203.0.113.12', dest_port: 33478, protocol: 6, src_ip: '10.87.40.76', src_port: 5601 },
    dest_location: { asn: 15169, continent: 'America', country: 'usa' },
    end_time: '2019-06-14T03:45:37.301953198Z',
    packets_sent: '7',
    reporter: 'SRC',
    rtt_msec: '36',
    src_instance: { project_id: 'proj-a', region: 'us-east1', vm_name: 'kibana', zone: 'us-east1-b' },
    src_vpc: { project_id: 'proj-a', subnetwork_name: 'sub-a', vpc_name: 'vpc-a' },
    start_time: '2019-06-14T03:45:37.186193305Z',
  };
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined) delete p[k];
    else p[k] = v;
  }
  const e: Record<string, unknown> = {
    insertId: 'id1',
    jsonPayload: p,
    logName: 'projects/proj-a/logs/compute.googleapis.com%2Fvpc_flows',
    receiveTimestamp: '2019-06-14T03:50:10.845445834Z',
    resource: { labels: { location: 'us-east1-b', project_id: 'proj-a', subnetwork_id: '1', subnetwork_name: 'sub-a' }, type: 'gce_subnetwork' },
    timestamp: '2019-06-14T03:50:10.845445834Z',
  };
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

interface Side {
  vm_name?: string;
  zone?: string;
  vpc_name?: string;
  asn?: number;
  country?: string;
}

/** The attributes the conformance test reads. */
interface Attrs {
  reporter?: string;
  network_direction?: string;
  rtt_msec?: unknown;
  insertId?: string;
  logName?: string;
  timestamp?: string;
  resource: { labels: { location: string } };
  src_instance?: Side;
  dest_instance?: Side;
  dest_vpc?: Side;
  src_location?: Side;
  dest_location?: Side;
  flow_key?: string;
}

const line = (o: unknown) => JSON.stringify(o);
const reasons = (c: Collected) => c.diagnostics.map((d) => d.reason);

/** Records and diagnostics with source_object dropped, for comparing parses of different framings. */
function essence(c: Collected) {
  return {
    records: c.records.map((r) => ({ ...r, source_object: '' })),
    diagnostics: c.diagnostics.map((d) => ({ ...d, object: '' })),
  };
}

describeShared('gcp-vpc: Elastic beats sample (Cloud Logging LogEntries)', () => {
  const input = sharedFixture(...FIXTURE_DIR, FIXTURE);
  const expected = JSON.parse(readFileSync(sharedFixture(...FIXTURE_DIR, `${FIXTURE}-expected.json`), 'utf8')) as Record<string, unknown>[];
  const raw = readFileSync(input);

  it('detects the sample', () => {
    expect(gcpVpcFormat.detect(raw.subarray(0, 65536).toString('utf8'))).toBeGreaterThanOrEqual(0.9);
  });

  it('gives one record per LogEntry with the values Elastic found', async () => {
    const { records, diagnostics } = await collectFile(gcpVpcFormat, input);
    expect(diagnostics).toEqual([]);
    expect(records).toHaveLength(expected.length);
    expect(expected).toHaveLength(7);
    const ms = (iso: unknown) => parseTimestamp(String(iso));
    records.forEach((r, i) => {
      const e = expected[i];
      // Elastic's log.offset is the byte offset of the line; we give the 1-based line.
      const offset = e['log.offset'] as number;
      expect(r.source_line).toBe(raw.subarray(0, offset).toString('latin1').split('\n').length);
      expect(r.source_object).toBe(input);
      expect(r.src_ip).toBe(e['source.ip']);
      expect(r.dst_ip).toBe(e['destination.ip']);
      expect(r.src_port).toBe(e['source.port']);
      expect(r.dst_port).toBe(e['destination.port']);
      expect(r.protocol).toBe(String(e['network.transport']).toUpperCase());
      expect(r.bytes).toBe(e['network.bytes']);
      expect(r.packets).toBe(e['network.packets']);
      expect(r.bytes_sent).toBe(e['source.bytes']);
      expect(r.packets_sent).toBe(e['source.packets']);
      // Deliberate: GCP gives one direction's counters per record; *_received stay null (Elastic has no destination.bytes).
      expect(r.bytes_received).toBeNull();
      expect(r.packets_received).toBeNull();
      // Elastic keeps nanoseconds; we keep epoch milliseconds (truncated).
      expect(r.timestamp).toBe(ms(e['event.start']));
      expect(r.end_time).toBe(ms(e['event.end']));
      expect(r.subscription_id).toBe(e['cloud.project.id']);
      expect(r.resource_group).toBe(e['network.name']);
      expect(r.region).toBe(e['cloud.region']);
      expect(r.flow_decision).toBe('Allow');
      expect(r.flow_state).toBeNull();
      expect(r.rule_name).toBeNull();
      expect(r.provider).toBe('gcp');
      expect(r.source_format).toBe('gcp-vpc');
      const a = r.attributes as unknown as Attrs;
      expect(a.reporter).toBe(e['gcp.vpcflow.reporter']);
      // Deliberate: flow_direction follows the reporter (SRC → Outbound, DEST → Inbound); Elastic's
      // internal/outbound/inbound (from which sides carry instance details) is kept as attributes.network_direction.
      expect(r.flow_direction).toBe(a.reporter === 'SRC' ? 'Outbound' : 'Inbound');
      expect(a.network_direction).toBe(e['network.direction']);
      expect(a.rtt_msec).toBe(e['gcp.vpcflow.rtt.ms']); // undefined in both where rtt_msec is missing (line 4)
      expect(a.insertId).toBe(e['event.id']);
      expect(a.logName).toBe(e['log.logger']);
      // Elastic's @timestamp is the LogEntry timestamp; our timestamp is the flow start, the entry's is kept.
      expect(a.timestamp).toBe(e['@timestamp']);
      expect(a.resource.labels.location).toBe(e['cloud.availability_zone']);
      const side = a.reporter === 'SRC' ? 'source' : 'destination';
      expect(r.nsg_name).toBe(e[`gcp.${side}.vpc.subnetwork_name`]);
      expect(a.src_instance?.vm_name).toBe(e['source.domain']);
      expect(a.dest_instance?.vm_name).toBe(e['destination.domain']);
      expect(a.src_instance?.zone).toBe(e['gcp.source.instance.zone']);
      expect(a.dest_instance?.zone).toBe(e['gcp.destination.instance.zone']);
      expect(a.dest_vpc?.vpc_name).toBe(e['gcp.destination.vpc.vpc_name']);
      expect(a.src_location?.asn).toBe(e['source.as.number']);
      expect(a.dest_location?.country).toBe(e['destination.geo.country_name']);
      expect(a.flow_key).toBe(`TCP|${r.src_ip}|${r.src_port}|${r.dst_ip}|${r.dst_port}|${e['event.start']}`);
      // Columns of their own are not repeated in attributes.
      expect(a).not.toHaveProperty('connection');
      expect(a).not.toHaveProperty('bytes_sent');
      expect(a).not.toHaveProperty('start_time');
      expect(a).not.toHaveProperty('jsonPayload');
    });
  });

  it('gives identical results for chunk sizes 1, 7 and 64K, as NDJSON and as a JSON array', async () => {
    const text = raw.toString('utf8');
    const base = essence(await collect(gcpVpcFormat, text, {}, 65536));
    for (const size of [1, 7]) expect(essence(await collect(gcpVpcFormat, text, {}, size))).toEqual(base);
    const lines = text.split('\n').filter((l) => l.length > 0);
    const asArray = `[\n${lines.join(',\n')}\n]\n`; // element i starts on line i + 2
    for (const size of [1, 7, 65536]) {
      const arr = essence(await collect(gcpVpcFormat, asArray, {}, size));
      expect(arr.diagnostics).toEqual([]);
      expect(arr.records.map((r) => ({ ...r, source_line: r.source_line - 1 }))).toEqual(base.records);
    }
  });
});

describeShared('gcp-vpc: other Cloud Logging samples are not flows', () => {
  // Counts verified by reading the files: one LogEntry per non-empty line.
  const samples: [string[], number][] = [
    [['cloudlogs', 'gcp-audit', 'elastic-integrations', 'test-compute-googleapis-com.log'], 1],
    [['cloudlogs', 'gcp-audit', 'elastic-integrations', 'test-k8s-nonmatching-resourcename.log'], 1],
    [['cloudlogs', 'gcp-logging', 'elastic-integrations', 'test-load-balancer.log'], 3],
  ];
  for (const [parts, entries] of samples) {
    it(`skips the ${entries} LogEntries of ${parts[parts.length - 1]} with info diagnostics`, async () => {
      const file = sharedFixture(...parts);
      const c = await collectFile(gcpVpcFormat, file);
      expect(c.records).toEqual([]);
      expect(c.diagnostics.map((d) => [d.reason, d.severity, d.line])).toEqual(
        Array.from({ length: entries }, (_, i) => ['not-a-flow-entry', 'info', i + 1]),
      );
      expect(gcpVpcFormat.detect(readFileSync(file, 'utf8'))).toBe(0);
    });
  }
});

describe('gcp-vpc: framings', () => {
  const a = entry();
  const b = entry({ reporter: 'DEST', connection: { dest_ip: '10.0.0.5', dest_port: 443, protocol: 6, src_ip: '198.51.100.7', src_port: 40000 } });

  it('reads a pretty-printed JSON array with element lines', async () => {
    const text = JSON.stringify([a, b], null, 2);
    const c = await collect(gcpVpcFormat, text, {}, 7);
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => r.src_ip)).toEqual(['10.87.40.76', '198.51.100.7']);
    const lines = text.split('\n');
    expect(c.records.map((r) => lines[r.source_line - 1])).toEqual(['  {', '  {']);
    expect(c.records[1].source_line).toBeGreaterThan(c.records[0].source_line);
  });

  it('descends into an entries.list response, a records wrapper and a one-line array', async () => {
    const resp = line({ entries: [a, b], nextPageToken: 'tok' });
    const c = await collect(gcpVpcFormat, `${resp}\n${line({ records: [b] })}\n${line([a, b])}\n`);
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => [r.source_line, r.flow_direction])).toEqual([
      [1, 'Outbound'],
      [1, 'Inbound'],
      [2, 'Inbound'],
      [3, 'Outbound'],
      [3, 'Inbound'],
    ]);
    // pretty-printed response: streamed through readJsonItems, still the same records
    const pretty = await collect(gcpVpcFormat, JSON.stringify({ entries: [a, b], nextPageToken: 'tok' }, null, 2), {}, 5);
    expect(pretty.records.map((r) => r.src_ip)).toEqual(['10.87.40.76', '198.51.100.7']);
    expect(pretty.records.every((r) => r.source_line === 1)).toBe(true);
    expect(pretty.diagnostics).toEqual([]);
  });

  it('switches to streaming after NDJSON lines when a pretty-printed object follows, keeping line numbers', async () => {
    const text = `${line(a)}\n${JSON.stringify(b, null, 2)}\n${line(a)}\ngarbage\n${line(b)}\n`;
    const prettyLines = JSON.stringify(b, null, 2).split('\n').length;
    for (const size of [1, 7, 65536]) {
      const c = await collect(gcpVpcFormat, text, {}, size);
      expect(c.records.map((r) => r.source_line)).toEqual([1, 2, 2 + prettyLines, 4 + prettyLines]);
      expect(c.diagnostics.map((d) => [d.reason, d.line])).toEqual([['not-json', 3 + prettyLines]]);
      expect(c.diagnostics[0].message).toContain(`line ${3 + prettyLines}`);
    }
  });

  it('accepts CRLF, a BOM, blank lines, two objects on one line and a bare payload', async () => {
    const bare = (a.jsonPayload as Record<string, unknown>);
    const text = `\uFEFF${line(a)}\r\n\r\n  \n${line(a)} ${line(b)}\r\n${line(bare)}\n`;
    const c = await collect(gcpVpcFormat, text);
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => r.source_line)).toEqual([1, 4, 4, 5]);
    const bareRec = c.records[3];
    expect(bareRec.subscription_id).toBe('proj-a'); // from src_instance, no resource labels
    expect(bareRec.nsg_name).toBe('sub-a'); // from src_vpc
    expect(bareRec.attributes).not.toHaveProperty('insertId');
  });

  it('keeps entries with invalid UTF-8 and warns on their line, NDJSON or pretty-printed', async () => {
    const enc = new TextEncoder();
    const bad = entry({ src_instance: { project_id: 'proj-a', region: 'us-east1', vm_name: 'vm-\u0001', zone: 'us-east1-b' } });
    // vm_name holds \u0001 as a placeholder for an invalid byte (0xff)
    const withBadByte = (text: string) => {
      const bytes = enc.encode(text);
      const at = bytes.indexOf(1);
      expect(at).toBeGreaterThan(0);
      bytes[at] = 0xff;
      return bytes;
    };
    const ndjson = withBadByte(`${line(a)}\n${line(bad).replace('\\u0001', '\u0001')}\n${line(b)}\n`);
    const pretty = withBadByte(JSON.stringify([a, bad, b], null, 2).replace('\\u0001', '\u0001'));
    const badLine = JSON.stringify([a, bad, b], null, 2).split('\n').findIndex((l) => l.includes('vm-')) + 1;
    for (const [input, lineOfRecord, lineOfBad] of [[ndjson, 2, 2], [pretty, 0, badLine]] as const) {
      for (const size of [1, 7, 65536]) {
        const c = await collect(gcpVpcFormat, input, {}, size);
        expect(c.records).toHaveLength(3);
        expect((c.records[1].attributes as { src_instance: { vm_name: string } }).src_instance.vm_name).toBe('vm-\uFFFD');
        if (lineOfRecord > 0) expect(c.records[1].source_line).toBe(lineOfRecord);
        expect(c.diagnostics.map((d) => [d.reason, d.line, d.severity, d.message])).toEqual([
          ['invalid-utf8', lineOfBad, 'warning', `line ${lineOfBad} contains invalid UTF-8 (replaced by U+FFFD)`],
        ]);
      }
    }
  });

  it('reports malformed lines between good ones and a truncated final line', async () => {
    const text = `${line(a)}\n{"insertId": tru}\n${line(b)}\n{"insertId":"x",\n`;
    const c1 = await collect(gcpVpcFormat, `${line(a)}\n{"insertId": tru}\n${line(b)}\n{"insertId":"x","jsonPayload":{"conn`);
    expect(c1.records.map((r) => r.source_line)).toEqual([1, 3]);
    expect(c1.diagnostics.map((d) => [d.reason, d.line, d.severity])).toEqual([
      ['bad-json', 2, 'error'],
      ['truncated-json', 4, 'error'],
    ]);
    expect(c1.diagnostics[0].fatal).toBeUndefined(); // a bad line: the rest is still read
    expect(c1.diagnostics[1].fatal).toBe(true); // the input ends inside an entry
    const c2 = await collect(gcpVpcFormat, text, {}, 3);
    expect(c2.records).toHaveLength(2);
    expect(reasons(c2)).toEqual(['bad-json', 'truncated-json']);
    expect(c2.diagnostics[1].line).toBe(4);
  });

  it('streams lines longer than 1 MiB through readJsonItems and honours maxJsonItemLength', async () => {
    const big = entry({ note: 'x'.repeat((1 << 20) + 10) });
    const c = await collect(gcpVpcFormat, `${line(a)}\n${line(big)}\n${line(b)}\n`, {}, 65536);
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => r.source_line)).toEqual([1, 2, 3]);
    expect((c.records[1].attributes as Record<string, string>).note).toHaveLength((1 << 20) + 10);
    // readJsonItems limits what it must buffer across chunks: with small chunks an entry is over the limit; each
    // over-size entry is skipped on its own and the scan goes on
    const small = await collect(gcpVpcFormat, `${line(a)}\n${line(b)}\n`, { maxJsonItemLength: 200 }, 50);
    expect(small.records).toEqual([]);
    expect(reasons(small)).toEqual(['record-too-large', 'record-too-large']);
    expect(small.diagnostics.map((d) => [d.line, d.fatal])).toEqual([[1, undefined], [2, undefined]]);
    // the limit holds for entries that arrive whole in one chunk too, and a smaller entry after them is kept
    const limit = line(b).length + 1;
    const mixed = await collect(gcpVpcFormat, `${line(big)}\n${line(b)}\n`, { maxJsonItemLength: limit }, 1 << 22);
    expect(mixed.records.map((r) => r.source_line)).toEqual([2]);
    expect(reasons(mixed)).toEqual(['record-too-large']);
  });

  it('yields batches of about batchSize records in input order', async () => {
    const text = Array.from({ length: 25 }, (_, i) => line(entry({ connection: { src_ip: `10.0.0.${i}`, dest_ip: '10.1.1.1', protocol: 17, src_port: i, dest_port: 53 } }))).join('\n');
    const sizes: number[] = [];
    const ips: string[] = [];
    for await (const batch of gcpVpcFormat.parse((async function* () { yield text; })(), { object: 'o', batchSize: 10 })) {
      sizes.push(batch.records.length);
      for (const r of batch.records) ips.push(r.src_ip as string);
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(ips).toEqual(Array.from({ length: 25 }, (_, i) => `10.0.0.${i}`));
  });
});

describe('gcp-vpc: field mapping', () => {
  it('accepts counters as strings and as numbers, and missing counters', async () => {
    const c = await collect(
      gcpVpcFormat,
      [
        line(entry({ bytes_sent: '0', packets_sent: '1' })),
        line(entry({ bytes_sent: 1776, packets_sent: 7, rtt_msec: 12 })),
        line(entry({ bytes_sent: undefined, packets_sent: undefined })),
        line(entry({ bytes_sent: '9007199254740991' })),
      ].join('\n'),
    );
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => [r.bytes, r.packets, r.bytes_sent, r.packets_sent])).toEqual([
      [0, 1, 0, 1],
      [1776, 7, 1776, 7],
      [0, 0, null, null],
      [9007199254740991, 7, 9007199254740991, 7],
    ]);
    expect((c.records[1].attributes as Record<string, unknown>).rtt_msec).toBe(12);
  });

  it('handles a missing rtt_msec, IPv6 and ICMP without ports', async () => {
    const c = await collect(
      gcpVpcFormat,
      [
        line(entry({ rtt_msec: undefined })),
        line(entry({ connection: { src_ip: '2001:DB8:0:0:0:0:0:1', dest_ip: 'fd20::0a', protocol: 58 } })),
        line(entry({ connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: 1 } })),
        line(entry({ connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: '17', src_port: '53', dest_port: '5353' } })),
        line(entry({ connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: 47 } })),
        line(entry({ connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2' } })),
      ].join('\n'),
    );
    expect(c.diagnostics).toEqual([]);
    expect(c.records[0].attributes).not.toHaveProperty('rtt_msec');
    expect(c.records.slice(1).map((r) => [r.src_ip, r.dst_ip, r.protocol, r.src_port, r.dst_port])).toEqual([
      ['2001:db8::1', 'fd20::a', 'ICMPv6', null, null],
      ['10.0.0.1', '10.0.0.2', 'ICMP', null, null],
      ['10.0.0.1', '10.0.0.2', 'UDP', 53, 5353],
      ['10.0.0.1', '10.0.0.2', '47', null, null],
      ['10.0.0.1', '10.0.0.2', null, null, null],
    ]);
    expect((c.records[1].attributes as Record<string, unknown>).flow_key).toBe('ICMPv6|2001:db8::1||fd20::a||2019-06-14T03:45:37.186193305Z');
  });

  it('reads the reporter side for project, VPC, subnetwork and region', async () => {
    const dest = entry(
      {
        reporter: 'DEST',
        src_instance: undefined,
        src_vpc: undefined,
        dest_instance: { project_id: 'proj-b', region: 'europe-west1', vm_name: 'db', zone: 'europe-west1-c' },
        dest_vpc: { project_id: 'proj-b', subnetwork_name: 'sub-b', vpc_name: 'vpc-b' },
      },
      { resource: { type: 'gce_subnetwork', labels: { location: 'europe-west1-c' } } },
    );
    const noRegion = entry({ src_instance: undefined }, { resource: { type: 'gce_subnetwork', labels: { location: 'asia-east1-a', project_id: 'p' } } });
    const regionLoc = entry({ src_instance: undefined }, { resource: { type: 'gce_subnetwork', labels: { location: 'us-west2' } } });
    const gateway = entry({ reporter: 'DEST_GATEWAY' }, { resource: undefined });
    const c = await collect(gcpVpcFormat, [dest, noRegion, regionLoc, gateway].map(line).join('\n'));
    expect(c.diagnostics).toEqual([]);
    expect(c.records.map((r) => [r.flow_direction, r.subscription_id, r.resource_group, r.nsg_name, r.region])).toEqual([
      ['Inbound', 'proj-b', 'vpc-b', 'sub-b', 'europe-west1'],
      ['Outbound', 'p', 'vpc-a', 'sub-a', 'asia-east1'],
      ['Outbound', 'proj-a', 'vpc-a', 'sub-a', 'us-west2'],
      ['Inbound', null, null, null, null],
    ]);
    expect(c.records[0].attributes).toMatchObject({ network_direction: 'inbound', reporter: 'DEST' });
    expect(c.records[3].attributes).toMatchObject({ network_direction: 'outbound' }); // src details only
  });

  it('keeps both reports of the same flow, with one flow key and their reporters', async () => {
    const conn = { src_ip: '10.0.0.1', src_port: 40000, dest_ip: '10.0.0.2', dest_port: 443, protocol: 6 };
    const both = {
      connection: conn,
      dest_instance: { project_id: 'proj-a', region: 'us-east1', vm_name: 'api', zone: 'us-east1-c' },
      dest_vpc: { project_id: 'proj-a', subnetwork_name: 'sub-b', vpc_name: 'vpc-a' },
    };
    const src = entry({ ...both, reporter: 'SRC' }, { insertId: 's' });
    const dst = entry({ ...both, reporter: 'DEST' }, { insertId: 'd' });
    const c = await collect(gcpVpcFormat, `${line(src)}\n${line(dst)}\n`);
    expect(c.records).toHaveLength(2);
    const [r1, r2] = c.records.map((r) => r.attributes as Record<string, unknown>);
    expect(r1.flow_key).toBe('TCP|10.0.0.1|40000|10.0.0.2|443|2019-06-14T03:45:37.186193305Z');
    expect(r2.flow_key).toBe(r1.flow_key);
    expect([r1.reporter, r2.reporter, r1.network_direction, r2.network_direction]).toEqual(['SRC', 'DEST', 'internal', 'internal']);
    expect(c.records.map((r) => [r.flow_direction, r.resource_group, r.nsg_name])).toEqual([
      ['Outbound', 'vpc-a', 'sub-a'],
      ['Inbound', 'vpc-a', 'sub-a'], // resource.labels.subnetwork_name (the logging subnetwork) wins
    ]);
  });

  it('maps Firewall Rules Logging entries (disposition, rule, instance, vpc)', async () => {
    const fw = {
      insertId: 'fw1',
      jsonPayload: {
        connection: { src_ip: '192.0.2.9', src_port: 51000, dest_ip: '10.0.0.4', dest_port: 22, protocol: 6 },
        disposition: 'DENIED',
        rule_details: { reference: 'network:default/firewall:deny-ssh', direction: 'INGRESS', action: 'DENY', priority: 1000 },
        instance: { project_id: 'proj-f', region: 'us-central1', vm_name: 'bastion', zone: 'us-central1-a' },
        vpc: { project_id: 'proj-f', subnetwork_name: 'sub-f', vpc_name: 'vpc-f' },
        remote_location: { country: 'nld' },
      },
      logName: 'projects/proj-f/logs/compute.googleapis.com%2Ffirewall',
      resource: { type: 'gce_subnetwork', labels: { project_id: 'proj-f', location: 'us-central1-a', subnetwork_name: 'sub-f' } },
      timestamp: '2024-03-01T10:00:00.5Z',
    };
    const allowed = JSON.parse(JSON.stringify(fw));
    allowed.jsonPayload.disposition = 'ALLOWED';
    allowed.jsonPayload.rule_details.direction = 'EGRESS';
    const c = await collect(gcpVpcFormat, `${line(fw)}\n${line(allowed)}\n`);
    expect(c.diagnostics).toEqual([]);
    const [r, s] = c.records;
    expect([r.flow_decision, r.flow_direction, r.rule_name, r.subscription_id, r.resource_group, r.nsg_name, r.region]).toEqual([
      'Deny', 'Inbound', 'network:default/firewall:deny-ssh', 'proj-f', 'vpc-f', 'sub-f', 'us-central1',
    ]);
    expect(r.timestamp).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 500)); // LogEntry timestamp: no start_time in firewall logs
    expect(r.end_time).toBeNull();
    expect(r.attributes).toMatchObject({ disposition: 'DENIED', remote_location: { country: 'nld' }, flow_key: 'TCP|192.0.2.9|51000|10.0.0.4|22|2024-03-01T10:00:00.5Z' });
    expect([s.flow_decision, s.flow_direction]).toEqual(['Allow', 'Outbound']);
  });

  it('keeps extra connection fields and LogEntry fields in attributes', async () => {
    const conn = { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: 6, src_port: 1, dest_port: 2, src_nat_ip: '34.1.1.1' };
    const c = await collect(gcpVpcFormat, line(entry({ connection: conn, '@type': 'type.googleapis.com/VpcFlowLogs' }, { severity: 'INFO', labels: { k: 'v' } })));
    expect(c.records[0].attributes).toMatchObject({ connection: conn, '@type': 'type.googleapis.com/VpcFlowLogs', severity: 'INFO', labels: { k: 'v' } });
  });
});

describe('gcp-vpc: bad values', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['src_ip', { connection: { src_ip: '10.0.0.256', dest_ip: '10.0.0.1', protocol: 6 } }, 'jsonPayload.connection.src_ip', 'bad-ip'],
    ['dest_ip', { connection: { src_ip: '10.0.0.1', dest_ip: 7, protocol: 6 } }, 'jsonPayload.connection.dest_ip', 'bad-ip'],
    ['missing src_ip', { connection: { dest_ip: '10.0.0.1', protocol: 6 } }, 'jsonPayload.connection.src_ip', 'missing-field'],
    ['missing dest_ip', { connection: { src_ip: '10.0.0.1', dest_ip: '', protocol: 6 } }, 'jsonPayload.connection.dest_ip', 'missing-field'],
    ['src_port', { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', src_port: 70000, protocol: 6 } }, 'jsonPayload.connection.src_port', 'bad-port'],
    ['dest_port', { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', dest_port: 'http', protocol: 6 } }, 'jsonPayload.connection.dest_port', 'bad-port'],
    ['port type', { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', dest_port: [1], protocol: 6 } }, 'jsonPayload.connection.dest_port', 'bad-port'],
    ['protocol', { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: 300 } }, 'jsonPayload.connection.protocol', 'bad-protocol'],
    ['protocol type', { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2', protocol: true } }, 'jsonPayload.connection.protocol', 'bad-protocol'],
    ['connection', { connection: 'tcp 1.2.3.4' }, 'jsonPayload.connection', 'bad-field'],
    ['start_time', { start_time: '2019-02-30T00:00:00Z' }, 'jsonPayload.start_time', 'bad-timestamp'],
    ['start_time type', { start_time: 12 }, 'jsonPayload.start_time', 'bad-timestamp'],
    ['packets_sent', { packets_sent: '-1' }, 'jsonPayload.packets_sent', 'bad-counter'],
    ['bytes_sent', { bytes_sent: 1.5 }, 'jsonPayload.bytes_sent', 'bad-counter'],
    ['bytes_sent type', { bytes_sent: { n: 1 } }, 'jsonPayload.bytes_sent', 'bad-counter'],
  ];
  for (const [name, payload, field, reason] of cases) {
    it(`rejects a bad ${name} and keeps the rows around it`, async () => {
      const good = line(entry());
      const c = await collect(gcpVpcFormat, `${good}\n${line(entry(payload))}\n${good}\n`);
      expect(c.records.map((r) => r.source_line)).toEqual([1, 3]);
      expect(c.diagnostics).toHaveLength(1);
      const d = c.diagnostics[0];
      expect([d.reason, d.field, d.line, d.severity, d.object]).toEqual([reason, field, 2, 'error', 'test-input']);
      expect(d.message).toContain('line 2');
      expect(d.message).toContain(field);
    });
  }

  it('rejects a flow entry without any time, and a bad LogEntry timestamp fallback', async () => {
    const noTime = entry({ start_time: undefined }, { timestamp: undefined });
    const badTs = entry({ start_time: undefined }, { timestamp: 'yesterday' });
    const c = await collect(gcpVpcFormat, `${line(noTime)}\n${line(badTs)}\n`);
    expect(c.records).toEqual([]);
    expect(c.diagnostics.map((d) => [d.reason, d.field])).toEqual([
      ['missing-field', 'jsonPayload.start_time'],
      ['bad-timestamp', 'timestamp'],
    ]);
  });

  it('keeps a record with warnings for a bad end_time, rtt_msec or reporter', async () => {
    const c = await collect(
      gcpVpcFormat,
      [line(entry({ end_time: 'soon' })), line(entry({ rtt_msec: 'fast' })), line(entry({ reporter: 'BOTH' })), line(entry({ end_time: 5 }))].join('\n'),
    );
    expect(c.records).toHaveLength(4);
    expect(c.diagnostics.map((d) => [d.reason, d.field, d.severity, d.line])).toEqual([
      ['bad-timestamp', 'jsonPayload.end_time', 'warning', 1],
      ['bad-field', 'jsonPayload.rtt_msec', 'warning', 2],
      ['bad-field', 'jsonPayload.reporter', 'warning', 3],
      ['bad-timestamp', 'jsonPayload.end_time', 'warning', 4],
    ]);
    expect(c.records[0].end_time).toBeNull();
    expect((c.records[1].attributes as Record<string, unknown>).rtt_msec).toBe('fast');
    expect(c.records[2].flow_direction).toBeNull();
    expect(c.diagnostics[0].message).toContain('"soon"');
  });

  it('skips LogEntries that are not flow logs, and reports non-objects', async () => {
    const audit = { insertId: 'a', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', protoPayload: { methodName: 'x' } };
    const text = { insertId: 'b', textPayload: 'hello', resource: { type: 'gce_instance' } };
    const otherJson = { insertId: 'c', jsonPayload: { message: 'hi' } };
    const flowNoConn = { logName: 'projects/p/logs/compute.googleapis.com%2Fvpc_flows', jsonPayload: { reporter: 'SRC' } };
    const typed = { jsonPayload: { '@type': 'type.googleapis.com/google.cloud.VpcFlowLogs', reporter: 'SRC' } };
    const input = [audit, text, otherJson, { hello: 'world' }, flowNoConn, typed, [1], [[1]]].map(line).join('\n') + '\n"str"\n42\n';
    const c = await collect(gcpVpcFormat, input, {}, 7);
    expect(c.records).toEqual([]);
    expect(c.diagnostics.map((d) => [d.line, d.reason, d.severity])).toEqual([
      [1, 'not-a-flow-entry', 'info'],
      [2, 'not-a-flow-entry', 'info'],
      [3, 'not-a-flow-entry', 'info'],
      [4, 'not-a-flow-entry', 'warning'],
      [5, 'missing-field', 'error'],
      [6, 'missing-field', 'error'],
      [7, 'not-a-record', 'error'],
      [8, 'not-a-record', 'error'],
      [9, 'not-a-record', 'error'],
      [10, 'not-a-record', 'error'],
    ]);
    expect(c.diagnostics[0].detail).toEqual({ logName: audit.logName });
    expect(c.diagnostics[0].message).toContain('cloudaudit');
  });
});

describe('gcp-vpc: timestamps and detection', () => {
  it('parses RFC 3339 times like parseTimestamp does, fast path or not', () => {
    const samples = [
      '2019-06-14T03:45:37.186193305Z',
      '2019-06-14T03:45:37Z',
      '2019-06-14T03:45:37.1Z',
      '2019-06-14T03:45:37.12Z',
      '2019-06-14T04:00:00.000Z',
      '2016-12-31T23:59:60Z',
      '2019-06-14T03:45:37.186+02:00',
      '2019-06-14t03:45:37Z',
      '2019-06-14 03:45:37.5Z',
      '2019-06-14T03:45:37.Z',
      '2019-06-14T03:45:37.1a3Z',
      '2019-06-14T03:75:37Z',
      '2019-06-14T03:4x:37Z',
      '2019-02-29T03:45:37Z',
      '2020-02-29T03:45:37Z',
      '2019-13-01T00:00:00Z',
      '1560483937',
      'garbage',
    ];
    for (const s of samples) expect(parseGcpTime(s), s).toBe(parseTimestamp(s));
    expect(parseGcpTime('2019-06-14T03:45:37.186193305Z')).toBe(Date.UTC(2019, 5, 14, 3, 45, 37, 186));
    // Deliberate: fractions are truncated to ms; parseTimestamp's float rounding turns .999999999 into the next second.
    expect(parseGcpTime('2019-06-14T03:59:59.999999999Z')).toBe(Date.UTC(2019, 5, 14, 3, 59, 59, 999));
    expect(parseGcpTime('2019-06-14T03:59:59.999999999+00:00')).toBe(parseTimestamp('2019-06-14T03:59:59.999999999+00:00'));
  });

  it('claims Cloud Logging VPC flow entries and nothing else', () => {
    expect(gcpVpcFormat.detect(line(entry()))).toBeGreaterThanOrEqual(0.9);
    expect(gcpVpcFormat.detect(JSON.stringify([entry()], null, 2))).toBeGreaterThanOrEqual(0.9);
    expect(gcpVpcFormat.detect('{"insertId":"x","jsonPayload":{"bytes_sent":"1","end_time":"x","logName":"projects/p/logs/compute.googleapis.com%2Fvpc_flows"')).toBeGreaterThan(0);
    expect(gcpVpcFormat.detect(line(entry().jsonPayload))).toBeGreaterThan(0);
    const azure = '{"records":[{"time":"2018-11-13T12:00:35.3899262Z","systemId":"a","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[]}}]}';
    const aws = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1418530010 1418530070 ACCEPT OK\n';
    const csv = 'timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol\n';
    const audit = line({ insertId: 'a', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', protoPayload: {} });
    for (const other of [azure, aws, csv, audit, '', 'connection src_ip dest_ip']) expect(gcpVpcFormat.detect(other)).toBe(0);
  });
});

describe('gcp-vpc: properties', () => {
  const sample = [
    entry(),
    entry({ reporter: 'DEST', connection: { src_ip: '2001:db8::1', dest_ip: '2001:db8::2', protocol: 58 } }),
    entry({ bytes_sent: 10, packets_sent: 1, rtt_msec: undefined }),
  ];

  it('never throws on random text, and every record or diagnostic points into the input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 64 }), async (text, size) => {
        const c = await collect(gcpVpcFormat, text, {}, size);
        const lines = text.split('\n').length;
        for (const r of c.records) expect(r.source_line).toBeGreaterThanOrEqual(1);
        for (const d of c.diagnostics) if (d.line !== null) expect(d.line).toBeLessThanOrEqual(lines);
        if (text.trim().length > 0 && text.trim() !== '\uFEFF') expect(c.records.length + c.diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated valid input (character edits)', async () => {
    const base = sample.map(line).join('\n') + '\n';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1, 7, 65536),
        async (edits, size) => {
          let text = base;
          for (const [pos, del, ins] of edits) text = text.slice(0, pos) + ins + text.slice(pos + del);
          const c = await collect(gcpVpcFormat, text, {}, size);
          const lines = text.split('\n').length;
          for (const r of [...c.records, ...c.diagnostics.map((d) => ({ source_line: d.line ?? 1 }))]) {
            expect(r.source_line).toBeGreaterThanOrEqual(1);
            expect(r.source_line).toBeLessThanOrEqual(lines);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('turns every line of value-mutated LogEntries into a record or a diagnostic on that line', async () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer({ min: -5, max: 70000 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.nat(), { maxLength: 2 }),
      fc.constantFrom('10.0.0.1', '::1', '2019-06-14T03:45:37Z', '6', 'SRC', 'DEST'),
    );
    const paths = ['bytes_sent', 'packets_sent', 'start_time', 'end_time', 'reporter', 'rtt_msec', 'connection', 'c.src_ip', 'c.dest_ip', 'c.src_port', 'c.dest_port', 'c.protocol'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.array(fc.tuple(fc.constantFrom(...paths), junk), { maxLength: 3 })), { minLength: 1, maxLength: 6 }), async (rows) => {
        const text = rows
          .map(([which, muts]) => {
            const e = JSON.parse(line(sample[which]));
            for (const [path, v] of muts) {
              const target = path.startsWith('c.') ? e.jsonPayload.connection : e.jsonPayload;
              if (typeof target !== 'object' || target === null) continue;
              target[path.replace('c.', '')] = v;
            }
            return line(e);
          })
          .join('\n');
        const c = await collect(gcpVpcFormat, text, {}, 7);
        rows.forEach((_, i) => {
          const n = c.records.filter((r) => r.source_line === i + 1).length + c.diagnostics.filter((d) => d.line === i + 1 && d.severity === 'error').length;
          expect(n).toBe(1);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same records on the NDJSON line path as through readJsonItems, for generated entries', async () => {
    // JSON text with `sp` blanks around every `:` and `,` (never inside strings)
    const ser = (v: unknown, sp: string): string => {
      if (Array.isArray(v)) return `[${v.map((x) => ser(x, sp)).join(`${sp},${sp}`)}]`;
      if (typeof v === 'object' && v !== null) {
        return `{${sp}${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${sp}:${sp}${ser(x, sp)}`).join(`${sp},${sp}`)}${sp}}`;
      }
      return JSON.stringify(v);
    };
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '\u4e2d', '\ud83d\ude00', '"', '\\', '\n', '\t', '\u2028', '/', ' ', '}', '{', ']'), maxLength: 8 });
    const shuffle = <T,>(xs: T[], seed: number): T[] => xs.map((x, i) => [x, (i * 7919 + seed) % 101] as const).sort((p, q) => p[1] - q[1]).map((p) => p[0]);
    const reorder = (o: Record<string, unknown>, seed: number) => Object.fromEntries(shuffle(Object.entries(o), seed));
    const entryArb = fc
      .record({
        seed: fc.nat(1000),
        reporter: fc.constantFrom('SRC', 'DEST', 'SRC_GATEWAY', undefined),
        counters: fc.constantFrom('text', 'number', 'missing'),
        dropPorts: fc.boolean(),
        dropEnd: fc.boolean(),
        extraKey: text,
        extraValue: fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
        vm: text,
        insertId: text,
      })
      .map((g) => {
        const conn: Record<string, unknown> = { src_ip: '10.0.0.1', dest_ip: '2001:DB8::0:1', protocol: 17, src_port: 53, dest_port: 40000 };
        if (g.dropPorts) delete conn.src_port;
        const e = entry(
          {
            reporter: g.reporter,
            connection: reorder(conn, g.seed),
            bytes_sent: g.counters === 'text' ? '1776' : g.counters === 'number' ? 1776 : undefined,
            packets_sent: g.counters === 'text' ? '7' : g.counters === 'number' ? 7 : undefined,
            end_time: g.dropEnd ? undefined : '2019-06-14T03:45:37.301953198Z',
            src_instance: reorder({ project_id: 'proj-a', region: 'us-east1', vm_name: g.vm, zone: 'us-east1-b' }, g.seed),
            [`x_${g.extraKey}`]: g.extraValue,
          },
          { insertId: g.insertId },
        );
        e.jsonPayload = reorder(e.jsonPayload as Record<string, unknown>, g.seed + 1);
        return reorder(e, g.seed + 2);
      });
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('', ' ', '  '), fc.constantFrom(1, 7, 65536), async (entries, sp, size) => {
        const ndjson = await collect(gcpVpcFormat, entries.map((e) => ser(e, sp)).join('\r\n') + '\n', {}, size);
        const array = await collect(gcpVpcFormat, JSON.stringify(entries, null, 2), {}, size);
        const wrapped = await collect(gcpVpcFormat, `{"entries":${ser(entries, sp)}}`, {}, size);
        const strip = (c: Collected) => ({
          records: c.records.map((r) => ({ ...r, source_line: 0 })),
          diagnostics: c.diagnostics.map((d) => [d.reason, d.field, d.severity]),
        });
        expect(ndjson.records).toHaveLength(entries.length);
        expect(ndjson.records.map((r) => r.source_line)).toEqual(entries.map((_, i) => i + 1));
        expect(strip(array)).toEqual(strip(ndjson));
        expect(strip(wrapped)).toEqual(strip(ndjson));
        // the same attributes, key order included
        expect(array.records.map((r) => JSON.stringify(r.attributes))).toEqual(ndjson.records.map((r) => JSON.stringify(r.attributes)));
      }),
      { numRuns: 120 },
    );
  });
});
