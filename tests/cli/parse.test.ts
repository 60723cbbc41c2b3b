import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParseArgs } from '../../src/cli/parse.js';
import { UsageError } from '../../src/cli/io.js';
import { runCli } from '../helpers/cli.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
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

describe('parseParseArgs: object stores, time window, concurrency', () => {
  it('accepts URIs and the --storage-account/--container pair as inputs', () => {
    const cmd = parseParseArgs(['s3://bucket/AWSLogs', 'gs://bkt', 'azure://acct/cont/y=2024', 'file:///tmp/x', '--storage-account', 'acct', '--container', 'insights-logs-flowlogflowevent']);
    expect(cmd).toMatchObject({ inputs: ['s3://bucket/AWSLogs', 'gs://bkt', 'azure://acct/cont/y=2024', 'file:///tmp/x', 'azure://acct/insights-logs-flowlogflowevent'] });
    expect(parseParseArgs(['--storage-account', 'acct', '--container', 'cont'])).toMatchObject({ inputs: ['azure://acct/cont'] });
  });

  it('reads --endpoint, --since/--until (ISO or relative) and --concurrency', () => {
    const before = Date.now();
    const cmd = parseParseArgs(['s3://bkt', '--endpoint', 'http://127.0.0.1:9000', '--since', '24h', '--until', 'now', '--concurrency', '8']);
    if (cmd === 'help') throw new Error('unexpected help');
    expect(cmd.options.source).toEqual({ endpoint: 'http://127.0.0.1:9000' });
    expect(cmd.options.concurrency).toBe(8);
    expect(cmd.options.since!).toBeGreaterThanOrEqual(before - 24 * 3_600_000);
    expect(cmd.options.since!).toBeLessThanOrEqual(Date.now() - 24 * 3_600_000);
    expect(cmd.options.until! - cmd.options.since!).toBe(24 * 3_600_000);
    expect(parseParseArgs(['x', '--since', '2024-05-01T10:00', '--until', '2024-05-02'])).toMatchObject({
      options: { since: Date.parse('2024-05-01T10:00:00Z'), until: Date.parse('2024-05-02T00:00:00Z') },
    });
  });

  it('rejects bad object-store usage with a message that says what is wrong', () => {
    expect(() => parseParseArgs(['--storage-account', 'acct'])).toThrow(/--storage-account and --container go together/);
    expect(() => parseParseArgs(['--container', 'cont'])).toThrow(/go together/);
    expect(() => parseParseArgs(['--storage-account', 'Bad_Name', '--container', 'cont'])).toThrow(/not a valid Azure storage account name.*\(write azure:/);
    expect(() => parseParseArgs(['s3://Bad_Bucket'])).toThrow(UsageError);
    expect(() => parseParseArgs(['ftp://x/y'])).toThrow(/unsupported scheme/);
    expect(() => parseParseArgs(['x', '--since', 'yesterday'])).toThrow(/--since needs an ISO 8601 time/);
    expect(() => parseParseArgs(['x', '--until', '2024-13-01'])).toThrow(/--until needs/);
    expect(() => parseParseArgs(['x', '--since', '2024-05-02', '--until', '2024-05-01'])).toThrow(/--since must be before --until/);
    expect(() => parseParseArgs(['x', '--concurrency', '0'])).toThrow(/--concurrency needs a positive number/);
    expect(() => parseParseArgs(['x', '--concurrency', '2.5'])).toThrow(/whole number/);
    expect(() => parseParseArgs(['x', '--endpoint', '127.0.0.1:9000'])).toThrow(/--endpoint needs an http\(s\) URL/);
  });
});

describe('networkflow (main)', () => {
  it('prints help, version, and refuses unknown commands with exit 64', async () => {
    expect((await runCli(['--help'])).stdout).toContain('parse');
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const verify = await runCli(['verify']);
    expect(verify.code).toBe(64);
    expect(verify.stderr).toContain('--storage is required');
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
    expect(run.stderr).toMatch(/FAILED .*z\/readme\.txt: .*not a flow-log or cloud-log format/);
    expect(run.stderr).toMatch(/FAILED .*d-empty\.log: .*empty input/);
    expect(run.stderr).toMatch(/FAILED .*e-truncated\.gz: .*truncated gzip/);
    expect(run.stderr).toMatch(/3 failed input/);
  });

  it('prunes a folder by --since/--until and says how many objects it left unread', async () => {
    const dir = tempDir();
    for (const h of ['08', '10', '12']) {
      const sub = path.join(dir, `y=2024/m=05/d=01/h=${h}/m=00`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, 'vpc.log'), AWS);
    }
    const run = await runCli(['parse', dir, '--since', '2024-05-01T10:00Z', '--until', '2024-05-01T11:00Z', '--concurrency', '2']);
    expect(run.code).toBe(0);
    expect(ndjson(run.stdout).map((r) => r.source_object)).toEqual([path.join(dir, 'y=2024/m=05/d=01/h=10/m=00/vpc.log')]);
    expect(run.stderr).toContain('2 object(s) outside --since/--until left unread');
  });

  it('documents inputs, flags and credentials in --help', async () => {
    const help = (await runCli(['parse', '--help'])).stderr;
    for (const text of ['azure://<account>/<container>', 's3://<bucket>', 'gs://<bucket>', '--storage-account', '--endpoint', '--since', '--until', '--concurrency', 'AZURE_STORAGE_CONNECTION_STRING', 'AWS_ENDPOINT_URL_S3', 'STORAGE_EMULATOR_HOST']) {
      expect(help).toContain(text);
    }
  });

  it('reports an object store it cannot reach as a failed input, and still reads the other inputs', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'vpc.log'), AWS);
    // a closed port on the loopback: connection refused, retried, then reported
    const run = await runCli(['parse', 's3://bucket/x', path.join(dir, 'vpc.log'), '--endpoint', 'http://127.0.0.1:9', '--concurrency', '1']);
    expect(run.code).toBe(2);
    expect(ndjson(run.stdout)).toHaveLength(1);
    expect(run.stderr).toMatch(/FAILED s3:\/\/bucket\/x/);
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

describe('networkflow parse --storage-account/--container against Azurite, behind the fault proxy', () => {
  let azurite: Azurite;
  let proxy: FaultProxy;
  const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
  const hour = (h: string) => `y=2024/m=05/d=01/h=${h}/m=00/macAddress=000D3A/PT1H.log`;

  beforeAll(async () => {
    azurite = await startAzurite();
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('flowlogs');
    await container.create();
    for (const [i, h] of ['09', '10', '11', '12'].entries()) {
      const body = AWS.replace('10.1.2.3', `10.1.2.${10 + i}`).repeat(1) + AWS.split('\n')[1].replace('10.1.2.3', `10.9.9.${i}`) + '\n';
      await container.getBlockBlobClient(hour(h)).upload(body, Buffer.byteLength(body));
    }
    proxy = await startFaultProxy({ target: azurite.host });
    process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  }, 60_000);

  afterAll(async () => {
    if (saved === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    else process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    await proxy?.close();
    await azurite?.stop();
  });

  it('lists and reads through the flags, prunes by time, retries faults, and reports a missing blob with exit 2', async () => {
    const seen = new Map<string, number>();
    proxy.setPolicy((req) => {
      const url = decodeURIComponent(req.url.split('?')[0]);
      if (req.method !== 'GET' || !url.endsWith('PT1H.log')) return { kind: 'pass' };
      const n = (seen.get(url) ?? 0) + 1;
      seen.set(url, n);
      if (n > 1) return { kind: 'pass' };
      if (url.includes('h=10')) return { kind: 'status', status: 503, retryAfterSeconds: 1 };
      if (url.includes('h=11')) return { kind: 'reset-mid-body', afterBytes: 40 };
      return { kind: 'truncate', afterBytes: 60 };
    });
    const t0 = Date.now();
    const run = await runCli([
      'parse',
      '--storage-account',
      'devstoreaccount1',
      '--container',
      'flowlogs',
      'azure://devstoreaccount1/flowlogs/no-such-blob.log',
      '--endpoint',
      `${proxy.url}/devstoreaccount1`,
      '--since',
      '2024-05-01T10:30Z',
      '--until',
      '2024-05-01T11:30Z',
    ]);
    expect(run.code).toBe(2);
    const records = ndjson(run.stdout);
    // h=09 and h=12 are pruned (15 min of slack does not reach them); h=10 and h=11 are read whole, once each
    expect(records.map((r) => [r.source_object, r.src_ip])).toEqual([
      ['azure://devstoreaccount1/flowlogs/' + hour('10'), '10.1.2.11'],
      ['azure://devstoreaccount1/flowlogs/' + hour('10'), '10.9.9.1'],
      ['azure://devstoreaccount1/flowlogs/' + hour('11'), '10.1.2.12'],
      ['azure://devstoreaccount1/flowlogs/' + hour('11'), '10.9.9.2'],
    ]);
    expect(run.stderr).toContain('2 object(s) outside --since/--until left unread');
    expect(run.stderr).toMatch(/FAILED azure:\/\/devstoreaccount1\/flowlogs\/no-such-blob\.log/);
    expect(run.stderr).toMatch(/1 failed input/);
    expect(proxy.injected.status).toBe(1);
    expect(proxy.injected['reset-mid-body']).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000); // the Retry-After of 1 s was waited out
  }, 60_000);
});
