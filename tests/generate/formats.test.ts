/**
 * Every format's output, read back with the real decode path (containers + detection + parser): zero
 * diagnostics, one record per generated flow, the cloud's object layout, and the same flows in every format.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATE_FORMAT_IDS, type GenerateFormatId, type GenerateSummary } from '../../src/generate/index.js';
import type { FlowRecord } from '../../src/model/index.js';
import { generateInto, listFiles, readBack, removeDir, tempDir, type ReadBack } from './helpers.js';

const OPTIONS = { hours: 3, seed: 11, flowsPerHour: 3000 };

const LAYOUT: Record<GenerateFormatId, { parser: string; key: RegExp }> = {
  'csv-zip': { parser: 'csv', key: /^2026\/11\/02\/flows_20261102_0[0-2]\.zip$/ },
  'azure-nsg': {
    parser: 'azure-nsg',
    key: /^insights-logs-networksecuritygroupflowevent\/resourceId=\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/RESOURCEGROUPS\/RG-[A-Z-]+\/PROVIDERS\/MICROSOFT\.NETWORK\/NETWORKSECURITYGROUPS\/NSG-[A-Z-]+\/y=2026\/m=11\/d=02\/h=0[0-2]\/m=00\/macAddress=[0-9A-F]{12}\/PT1H\.json$/,
  },
  'azure-vnet': {
    parser: 'azure-vnet',
    key: /^insights-logs-flowlogflowevent\/flowLogResourceID=\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/RESOURCEGROUPS\/NETWORKWATCHERRG\/PROVIDERS\/MICROSOFT\.NETWORK\/NETWORKWATCHERS\/NETWORKWATCHER_[A-Z0-9]+\/FLOWLOGS\/[A-Z0-9-]+\/y=2026\/m=11\/d=02\/h=0[0-2]\/m=00\/macAddress=[0-9A-F]{12}\/PT1H\.json$/,
  },
  'aws-vpc': {
    parser: 'aws-vpc',
    key: /^AWSLogs\/(\d{12})\/vpcflowlogs\/([a-z0-9-]+)\/2026\/11\/02\/\1_vpcflowlogs_\2_fl-[0-9a-f]{17}_20261102T0[0-2]00Z_[0-9a-f]{8}\.log\.gz$/,
  },
  'gcp-vpc': { parser: 'gcp-vpc', key: /^compute\.googleapis\.com\/(vpc_flows|firewall)\/2026\/11\/02\/0([0-2]):00:00_0\2:59:59_S0\.json$/ },
};

const dirs: string[] = [];
const results = new Map<GenerateFormatId, { dir: string; summary: GenerateSummary; read: ReadBack }>();

beforeAll(async () => {
  for (const format of GENERATE_FORMAT_IDS) {
    const dir = tempDir(format);
    dirs.push(dir);
    const summary = await generateInto(dir, { ...OPTIONS, format });
    results.set(format, { dir, summary, read: await readBack(dir) });
  }
}, 120_000);

afterAll(() => dirs.forEach(removeDir));

/** Seconds, 5-tuple, decision: what every format keeps of a flow. */
function flowKey(r: FlowRecord): string {
  return [Math.floor((r.timestamp as number) / 1000), r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.protocol, r.flow_decision].join(' ');
}

describe.each(GENERATE_FORMAT_IDS.map((f) => [f]))('%s', (format) => {
  it('parses with zero diagnostics and one record per generated flow', () => {
    const { summary, read } = results.get(format)!;
    expect(read.failures).toEqual([]);
    expect(read.diagnostics).toEqual([]);
    expect(summary.flows).toBeGreaterThan(5000);
    expect(read.records.length).toBe(summary.flows);
    expect(new Set(read.formats.values())).toEqual(new Set([LAYOUT[format].parser]));
  });

  it("writes the cloud's object layout, and truth.json beside the data", () => {
    const { dir, summary } = results.get(format)!;
    const keys = listFiles(dir);
    expect(keys).toContain('truth.json');
    const data = keys.filter((k) => k !== 'truth.json');
    expect(data.length + 1).toBe(summary.objects);
    for (const k of data) expect(k).toMatch(LAYOUT[format].key);
    const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as unknown[];
    expect(truth).toEqual(summary.anomalies);
  });

  it('reports the objects and bytes it wrote', () => {
    const { dir, summary } = results.get(format)!;
    const total = listFiles(dir).reduce((n, k) => n + readFileSync(path.join(dir, k)).length, 0);
    expect(summary.bytes).toBe(total);
    expect(summary.format).toBe(format);
    expect(summary.start).toBe('2026-11-02T00:00:00.000Z');
    expect(summary.end).toBe('2026-11-02T03:00:00.000Z');
  });
});

describe('all formats', () => {
  it('hold the same flows (time to the second, 5-tuple, decision)', () => {
    const keysOf = (f: GenerateFormatId) => results.get(f)!.read.records.map(flowKey).sort();
    const csv = keysOf('csv-zip');
    expect(new Set(csv).size).toBeGreaterThan(csv.length * 0.9);
    for (const f of GENERATE_FORMAT_IDS) expect(keysOf(f), f).toEqual(csv);
  });

  it('carry the same estate: subscriptions, resource groups, NSGs, regions', () => {
    const csv = results.get('csv-zip')!.read.records;
    const distinct = (rs: FlowRecord[], k: keyof FlowRecord) => new Set(rs.map((r) => r[k])).size;
    expect(distinct(csv, 'subscription_id')).toBe(4);
    expect(distinct(csv, 'resource_group')).toBe(12);
    expect(distinct(csv, 'nsg_name')).toBe(12);
    expect(distinct(csv, 'region')).toBe(4);
    const nsg = results.get('azure-nsg')!.read.records;
    expect(new Set(nsg.map((r) => r.subscription_id))).toEqual(new Set(csv.map((r) => r.subscription_id)));
    const aws = results.get('aws-vpc')!.read.records;
    expect(distinct(aws, 'subscription_id')).toBe(4);
    expect(distinct(aws, 'nsg_name')).toBe(84); // one ENI per host
    const gcp = results.get('gcp-vpc')!.read.records;
    expect(distinct(gcp, 'subscription_id')).toBe(4);
    expect(distinct(gcp, 'region')).toBe(4);
  });

  it('keep counters where the format has them (CSV totals = VNet totals for End/Continuing flows)', () => {
    const sum = (rs: FlowRecord[]) => rs.filter((r) => r.flow_state === 'End' || r.flow_state === 'Continuing').reduce((n, r) => n + r.bytes, 0);
    const csv = sum(results.get('csv-zip')!.read.records);
    expect(csv).toBeGreaterThan(0);
    expect(sum(results.get('azure-vnet')!.read.records)).toBe(csv);
    expect(sum(results.get('azure-nsg')!.read.records)).toBe(csv);
  });

  it('AWS files start with the default-format header; NSG blobs have one record per minute', () => {
    const aws = results.get('aws-vpc')!;
    const awsKey = listFiles(aws.dir).find((k) => k.endsWith('.log.gz'))!;
    const text = gunzipSync(readFileSync(path.join(aws.dir, awsKey))).toString('utf8');
    expect(text.split('\n')[0]).toBe('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status');
    const nsg = results.get('azure-nsg')!;
    const blobKey = listFiles(nsg.dir).find((k) => k.endsWith('PT1H.json'))!;
    const blob = JSON.parse(readFileSync(path.join(nsg.dir, blobKey), 'utf8')) as { records: { time: string; properties: { Version: number } }[] };
    const minutes = blob.records.map((r) => r.time.slice(0, 16));
    expect(new Set(minutes).size).toBe(minutes.length);
    expect(minutes.length).toBeLessThanOrEqual(60);
    expect(blob.records.every((r) => r.properties.Version === 2 && /:00\.0000000Z$/.test(r.time))).toBe(true);
  });
});
