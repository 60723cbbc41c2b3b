import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSource } from '../../src/sources/local.js';
import { CLOUD_LOADERS, openLocalFile, openSource } from '../../src/sources/open.js';
import { SourceError, type ObjectSource } from '../../src/sources/types.js';
import { parseLocation } from '../../src/sources/uri.js';
import { azuriteConnectionString } from '../helpers/azurite.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'nf-open-'));

async function keys(source: ObjectSource): Promise<string[]> {
  const out: string[] = [];
  for await (const page of source.list()) out.push(...page.map((i) => i.key));
  return out;
}

describe('openSource: local', () => {
  it('opens a folder as a LocalSource', async () => {
    const dir = path.join(scratch, 'folder');
    mkdirSync(path.join(dir, 'a'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'x.log'), 'x');
    const source = await openSource(parseLocation(`file://${dir}`));
    expect(source).toBeInstanceOf(LocalSource);
    expect(await keys(source)).toEqual(['a/x.log']);
  });

  it('refuses a file, a missing path and standard input with permanent errors that say why', async () => {
    const file = path.join(scratch, 'one.log');
    writeFileSync(file, 'x');
    await expect(openSource(parseLocation(file))).rejects.toMatchObject({ transient: false, message: expect.stringContaining('is a file, not a folder') });
    await expect(openSource(parseLocation(path.join(scratch, 'missing')))).rejects.toMatchObject({ transient: false, message: expect.stringContaining('no such file or folder') });
    await expect(openSource(parseLocation('-'))).rejects.toBeInstanceOf(SourceError);
  });

  it('reads a single file through its folder', async () => {
    const file = path.join(scratch, 'single.log');
    writeFileSync(file, 'hello');
    const { source, key } = openLocalFile(file);
    expect(key).toBe('single.log');
    expect((await source.stat(key)).size).toBe(5);
  });
});

describe('openSource: cloud kinds load their module only when used', () => {
  let s3: S3TestServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
    });
    for (const k of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) delete process.env[k];
    s3 = await startS3TestServer({ buckets: ['logs'] });
    const body = Buffer.from('object body\n');
    for (const key of ['vpc/2024/05/01/a.log', 'vpc/2024/05/01/b.log', 'other/c.log']) {
      s3.buckets.get('logs')!.set(key, { body, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: new Date(), contentType: 'text/plain' });
    }
  });
  afterAll(async () => {
    await s3?.close();
    process.env = saved;
  });

  it('s3:// opens the S3 source at the prefix, with the endpoint given', async () => {
    const source = await openSource(parseLocation('s3://logs/vpc'), { endpoint: s3.url });
    expect(source.kind).toBe('s3');
    expect(await keys(source)).toEqual(['2024/05/01/a.log', '2024/05/01/b.log']);
    const chunks: Uint8Array[] = [];
    for await (const c of source.read('2024/05/01/a.log')) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('object body\n');
    await source.close();
  });

  it('azure:// opens the Azure Blob source from the connection string in the environment', async () => {
    const source = await openSource(parseLocation('azure://devstoreaccount1/logs/y=2024'), {
      env: { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString('http://127.0.0.1:9/devstoreaccount1') },
    });
    expect(source.kind).toBe('azure');
    expect(source.uri).toContain('azure://devstoreaccount1/logs');
    await source.close();
  });

  it('gs:// opens the GCS source', async () => {
    const source = await openSource(parseLocation('gs://flow-logs/exports'), { endpoint: 'http://127.0.0.1:9' });
    expect(source.kind).toBe('gcs');
    expect(source.uri).toContain('gs://flow-logs/exports');
    await source.close();
  });

  it('has a loader for every cloud kind, and takes replacements', async () => {
    expect(Object.keys(CLOUD_LOADERS).sort()).toEqual(['azure', 'gcs', 's3']);
    const local = new LocalSource(scratch);
    const opened = await openSource(parseLocation('gs://bucket/x'), {}, { gcs: async () => () => local });
    expect(opened).toBe(local);
  });
});
