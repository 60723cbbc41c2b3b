import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseParseArgs } from '../../src/cli/parse.js';
import { UsageError } from '../../src/cli/io.js';
import { runCli } from '../helpers/cli.js';
import { describeShared, sharedFixture } from '../helpers/fixtures.js';

const CSV = [
  'timestamp,subscription_id,resource_group,nsg_name,src_ip,src_port,dst_ip,dst_port,protocol,flow_direction,flow_decision,flow_state,packets,bytes,region',
  '2024-05-01T10:00:00Z,sub-1,rg-web,nsg-web,10.0.0.4,51000,203.0.113.9,443,TCP,Outbound,Allow,Established,12,3400,westeurope',
  '2024-05-01T10:00:05Z,sub-1,rg-web,nsg-web,198.51.100.7,40000,10.0.0.4,22,TCP,Inbound,Deny,Teardown,1,60,westeurope',
].join('\n') + '\n';
const AWS = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  '2 123456789010 eni-0a1b2c3d 10.1.2.3 10.1.2.4 443 50000 6 10 840 1714557600 1714557660 ACCEPT OK',
].join('\n') + '\n';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nf-cli-'));
}

function ndjson(text: string): Record<string, unknown>[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('parseParseArgs', () => {
  it('reads inputs and options', () => {
    const cmd = parseParseArgs(['a.log', '-', '--format', 'aws-vpc', '--aws-fields', 'version srcaddr dstaddr', '--output', 'csv', '--strict']);
    expect(cmd).toMatchObject({
      inputs: ['a.log', '-'],
      output: 'csv',
      options: { format: 'aws-vpc', strict: true, awsFields: ['version', 'srcaddr', 'dstaddr'] },
    });
    expect(parseParseArgs(['x', '--max-inflate-ratio', '50', '--max-inflated-size', '1000'])).toMatchObject({
      options: { limits: { maxInflateRatio: 50, maxInflatedBytes: 1000 } },
    });
    expect(parseParseArgs(['--help'])).toBe('help');
  });

  it('rejects bad usage with a message that says what is wrong', () => {
    expect(() => parseParseArgs([])).toThrow(UsageError);
    expect(() => parseParseArgs(['x', '--format', 'nope'])).toThrow(/--format must be/);
    expect(() => parseParseArgs(['x', '--output', 'xml'])).toThrow(/--output must be/);
    expect(() => parseParseArgs(['x', '--aws-fields', '  '])).toThrow(/--aws-fields/);
    expect(() => parseParseArgs(['x', '--max-inflate-ratio', '0'])).toThrow(/positive/);
    expect(() => parseParseArgs(['x', '--bogus'])).toThrow(UsageError);
  });
});

describe('networkflow (main)', () => {
  it('prints help, version, and refuses unknown commands with exit 64', async () => {
    expect((await runCli(['--help'])).stdout).toContain('parse');
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await runCli(['dashboard'])).stderr).toContain('not in this version yet');
    const usage = await runCli(['parse', '--format', 'nope', 'x']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('--format must be');
    expect((await runCli(['parse', '--help'])).stderr).toContain('Exit codes');
  });
});

describe('networkflow parse', () => {
  it('parses a folder of mixed containers and formats, and keeps going past failing inputs', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a-flows.csv'), CSV);
    writeFileSync(path.join(dir, 'b-vpc.log.gz'), gzipSync(AWS));
    writeFileSync(path.join(dir, 'c-bundle.zip'), zipSync({ 'x/flows.csv': strToU8(CSV), 'y/vpc.log': strToU8(AWS), 'z/readme.txt': strToU8('hello there\n') }));
    writeFileSync(path.join(dir, 'd-empty.log'), '');
    writeFileSync(path.join(dir, 'e-truncated.gz'), gzipSync(AWS.repeat(200)).subarray(0, 200));
    const run = await runCli(['parse', dir]);
    expect(run.code).toBe(2);
    const records = ndjson(run.stdout);
    // 2 CSV + 1 AWS from the plain files, 2 + 1 from the zip; the truncated gzip may yield a few rows before failing
    const fromGood = records.filter((r) => !String(r.source_object).includes('e-truncated'));
    expect(fromGood).toHaveLength(6);
    expect(new Set(fromGood.map((r) => r.provider))).toEqual(new Set(['generic', 'aws']));
    expect(fromGood.find((r) => String(r.source_object).endsWith('c-bundle.zip!y/vpc.log'))).toMatchObject({
      src_ip: '10.1.2.3',
      dst_port: 50000,
      protocol: 'TCP',
      flow_decision: 'Allow',
      timestamp: '2024-05-01T10:00:00.000Z',
    });
    expect(run.stderr).toMatch(/FAILED .*z\/readme\.txt: .*not a flow-log format/);
    expect(run.stderr).toMatch(/FAILED .*d-empty\.log: .*empty input/);
    expect(run.stderr).toMatch(/FAILED .*e-truncated\.gz: .*truncated gzip/);
    expect(run.stderr).toMatch(/3 failed input/);
  });

  it('reports a missing path as a failed input', async () => {
    const run = await runCli(['parse', path.join(tempDir(), 'nope.log')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no such file or folder');
  });

  it('counts bad rows without failing, and stops at the first one with --strict', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, CSV + '2024-05-01T10:00:09Z,sub-1,rg,nsg,10.0.0.999,1,10.0.0.5,2,TCP,Inbound,Allow,,1,1,r\n' + CSV.split('\n')[1] + '\n');
    const lenient = await runCli(['parse', file]);
    expect(lenient.code).toBe(0);
    expect(ndjson(lenient.stdout)).toHaveLength(3);
    expect(lenient.stderr).toMatch(/bad\.csv:4/);
    expect(lenient.stderr).toMatch(/1 bad row/);
    const strict = await runCli(['parse', file, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/--strict: stopped at the first bad row: .*bad\.csv:4/);
  });

  it('writes CSV that reads back to the same records', async () => {
    const dir = tempDir();
    const src = path.join(dir, 'vpc.log');
    writeFileSync(src, AWS);
    const first = await runCli(['parse', src, '--output', 'csv']);
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe(
      'timestamp,end_time,subscription_id,resource_group,nsg_name,rule_name,src_ip,src_port,dst_ip,dst_port,protocol,flow_direction,flow_decision,flow_state,packets,bytes,packets_sent,bytes_sent,packets_received,bytes_received,region,geo_src,geo_dst,provider,source_format,attributes,source_object,source_line',
    );
    const csvFile = path.join(dir, 'out.csv');
    writeFileSync(csvFile, first.stdout);
    const again = await runCli(['parse', csvFile]);
    expect(again.code).toBe(0);
    const [orig] = ndjson((await runCli(['parse', src])).stdout);
    const [back] = ndjson(again.stdout);
    for (const k of ['timestamp', 'end_time', 'subscription_id', 'nsg_name', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'protocol', 'flow_decision', 'packets', 'bytes']) {
      expect(back[k], k).toEqual(orig[k]);
    }
  });

  it('reads standard input and exits quietly when the reader goes away (built CLI through tsx)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'parse', '-', '--format', 'aws-vpc'], {
      input: AWS,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(ndjson(run.stdout)[0]).toMatchObject({ source_object: 'stdin', src_ip: '10.1.2.3' });
  });
});

describeShared('networkflow parse on the shared samples', () => {
  it('parses every provider sample in one run', async () => {
    const files = [
      'flowlogs/aws-vpc/elastic-beats/accept-reject-traffic.log',
      'flowlogs/azure-nsg/elastic-integrations/testdata.log',
      'flowlogs/azure-vnet/elastic-integrations/testdata.log',
      'flowlogs/gcp-vpc/elastic-beats/vpc-flow-log-entries.first7.json.log',
    ].map((f) => sharedFixture(f));
    const run = await runCli(['parse', ...files]);
    expect(run.code).toBe(0);
    const records = ndjson(run.stdout);
    const byFormat = (p: string) => records.filter((r) => String(r.source_object).includes(p)).length;
    expect(byFormat('aws-vpc')).toBe(4);
    expect(byFormat('azure-nsg')).toBe(11);
    expect(byFormat('azure-vnet')).toBe(19);
    expect(byFormat('gcp-vpc')).toBe(7);
    expect(run.stderr).toMatch(/4 input\(s\).*41 record\(s\), 0 bad row/);
  });
});
