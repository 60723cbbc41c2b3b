/** `networkflow generate --out s3://…` writes through the S3 source, and what it wrote parses back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFakeAwsEnv } from '../helpers/aws-env.js';
import { runCli } from '../helpers/cli.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = applyFakeAwsEnv();
  server = await startS3TestServer({ buckets: ['flow-logs'] });
});

afterAll(async () => {
  await server.close();
  restoreEnv();
});

describe('networkflow generate --out s3://', () => {
  it('writes the objects and truth.json into the bucket, and parse reads them back without a bad row', async () => {
    const gen = await runCli([
      'generate', '--out', 's3://flow-logs/demo', '--endpoint', server.url, '--format', 'aws-vpc',
      '--hours', '2', '--start', '2026-11-02T00:00:00Z', '--flows-per-hour', '200',
    ]);
    expect(gen.stderr).toMatch(/aws-vpc .* objects, \d+ flows/);
    expect(gen.code).toBe(0);
    const keys = [...server.buckets.get('flow-logs')!.keys()].sort();
    expect(keys).toContain('demo/truth.json');
    expect(keys.filter((k) => /^demo\/AWSLogs\/\d+\/vpcflowlogs\/[a-z0-9-]+\/2026\/11\/02\/.*\.log\.gz$/.test(k)).length).toBeGreaterThan(0);
    const flows = Number(/(\d+) flows/.exec(gen.stderr)![1]);

    const parsed = await runCli(['parse', 's3://flow-logs/demo/AWSLogs/', '--endpoint', server.url]);
    expect(parsed.code).toBe(0);
    expect(parsed.stdout.split('\n').filter(Boolean)).toHaveLength(flows);
    expect(parsed.stderr).toMatch(/0 bad row/);
  });

  it('refuses an output it cannot open: a bad URI is a usage error, a bad endpoint a failed output', async () => {
    const badUri = await runCli(['generate', '--out', 'azure://', '--hours', '1']);
    expect(badUri.code).toBe(64);
    expect(badUri.stderr).toMatch(/not a valid Azure storage account name\n {2}hint: /);
    const badEndpoint = await runCli(['generate', '--out', 'azure://acct/cont', '--endpoint', 'ftp://x', '--hours', '1']);
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toMatch(/cannot open the output: --endpoint 'ftp:\/\/x' is not an http\(s\) URL/);
  });

  it('reports a bucket it cannot write as a failed output', async () => {
    const r = await runCli(['generate', '--out', 's3://no-such-bucket/x', '--endpoint', server.url, '--hours', '1', '--flows-per-hour', '10', '--start', '2026-11-02T00:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write the output: .*no-such-bucket/i);
  });
});
