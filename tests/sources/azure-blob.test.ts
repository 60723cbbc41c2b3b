/**
 * AzureBlobSource: the real @azure/storage-blob client against Azurite (started here on a free loopback
 * port), the shared ObjectSource contract, the credential chain, error classification, and faults
 * injected by the fault proxy in front of Azurite.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { CredentialUnavailableError } from '@azure/identity';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  AnonymousCredential,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AzureBlobSource,
  blobServiceUrl,
  createAzureBlobSource,
  createBlobServiceClient,
  redact,
  toSourceError,
  type AzureBlobSourceOptions,
} from '../../src/sources/azure-blob.js';
import { DEFAULT_RETRY_POLICY, resilientRead } from '../../src/sources/retry.js';
import { SourceError } from '../../src/sources/types.js';
import { parseLocation } from '../../src/sources/uri.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteConnectionString, startAzurite, type Azurite } from '../helpers/azurite.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy.js';
import { objectSourceContract } from './contract.js';

const CONTAINER = 'flows';
const location = (container = CONTAINER, prefix = '') =>
  parseLocation(`azure://${AZURITE_ACCOUNT}/${container}${prefix ? `/${prefix}` : ''}`);

async function readAll(iter: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of iter) parts.push(c);
  return Buffer.concat(parts);
}

async function listAll(source: AzureBlobSource, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of source.list({ prefix })) keys.push(...page.map((i) => i.key));
  return keys;
}

async function caught(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('expected a SourceError');
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic, incompressible bytes. */
function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

objectSourceContract('azure-blob (Azurite)', async () => {
  const azurite = await startAzurite();
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('contract');
  await container.create();
  const source = await createAzureBlobSource(location('contract', 'root/dir'), {
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    pageSize: 100,
  });
  return {
    source,
    put: async (key, body) => {
      await container.getBlockBlobClient(`root/dir/${key}`).uploadData(body);
    },
    teardown: () => azurite.stop(),
  };
});

describe('AzureBlobSource against Azurite', () => {
  let azurite: Azurite;
  let sdk: ContainerClient;
  const big = bytes(1_500_000, 7);
  const env = () => ({ AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });

  beforeAll(async () => {
    azurite = await startAzurite();
    sdk = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER);
    await sdk.create();
    await sdk.getBlockBlobClient('logs/a.log').uploadData(Buffer.from('alpha\n'));
    await sdk.getBlockBlobClient('logs/b.log').uploadData(Buffer.from('beta\n'));
    await sdk.getBlockBlobClient('big/object.bin').uploadData(big);
  }, 60_000);

  afterAll(async () => {
    await azurite?.stop();
  });

  describe('credentials', () => {
    it('uses AZURE_STORAGE_CONNECTION_STRING first, even when a key and a SAS are also set', async () => {
      const source = await createAzureBlobSource(location(), {
        env: { ...env(), AZURE_STORAGE_KEY: 'bm90LXRoZS1rZXk=', AZURE_STORAGE_SAS_TOKEN: 'sv=2020&sig=nope' },
      });
      expect(source.credentialKind).toBe('connection-string');
      expect(source.uri).toBe(`azure://${AZURITE_ACCOUNT}/${CONTAINER}`);
      expect(await listAll(source, 'logs/')).toEqual(['logs/a.log', 'logs/b.log']);
    });

    it('--endpoint replaces the BlobEndpoint of the connection string', async () => {
      const elsewhere = azuriteConnectionString('http://127.0.0.1:9/devstoreaccount1'); // port 9: nothing listens
      const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_CONNECTION_STRING: elsewhere }, endpoint: azurite.blobEndpoint });
      expect(await listAll(source, 'logs/')).toEqual(['logs/a.log', 'logs/b.log']);
    });

    it('uses AZURE_STORAGE_KEY with the account of the URI, and a bare emulator endpoint gets the account path', async () => {
      const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_KEY: AZURITE_KEY }, endpoint: azurite.host });
      expect(source.credentialKind).toBe('shared-key');
      expect(source.containerClient.credential).toBeInstanceOf(StorageSharedKeyCredential);
      expect(source.containerClient.url).toBe(`${azurite.blobEndpoint}/${CONTAINER}`);
      expect(await readAll(source.read('logs/a.log'))).toEqual(Buffer.from('alpha\n'));
    });

    it('uses AZURE_STORAGE_SAS_TOKEN (with or without its leading ?), and a read-only SAS cannot write', async () => {
      const sas = generateAccountSASQueryParameters(
        {
          expiresOn: new Date(Date.now() + 3_600_000),
          permissions: AccountSASPermissions.parse('rl'),
          resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
          services: AccountSASServices.parse('b').toString(),
        },
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
      ).toString();
      for (const token of [sas, `?${sas}`]) {
        const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_SAS_TOKEN: token }, endpoint: azurite.blobEndpoint });
        expect(source.credentialKind).toBe('sas-token');
        expect(source.containerClient.credential).toBeInstanceOf(AnonymousCredential);
        expect(await listAll(source, 'logs/')).toEqual(['logs/a.log', 'logs/b.log']);
      }
      // a SAS connection string (no key in it) is a connection string too
      const sasConnection = `BlobEndpoint=${azurite.blobEndpoint};SharedAccessSignature=${sas}`;
      const viaString = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_CONNECTION_STRING: sasConnection } });
      expect(viaString.credentialKind).toBe('connection-string');
      expect(await listAll(viaString, 'logs/')).toEqual(['logs/a.log', 'logs/b.log']);
      const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_SAS_TOKEN: sas }, endpoint: azurite.blobEndpoint });
      const e = await caught(source.write('denied.log', (async function* () {
        yield Buffer.from('x');
      })()));
      expect(e.transient).toBe(false);
      expect(e.status).toBe(403);
      expect(e.message).toContain('AZURE_STORAGE_SAS_TOKEN');
      const signature = decodeURIComponent(sas.match(/sig=([^&]+)/)![1]);
      expect(e.message).not.toContain(signature);
      // the SDK's error kept as the cause prints its request sanitized (no SAS signature, no Authorization)
      const printed = inspect(e, { depth: 8 });
      expect(printed).not.toContain(signature);
      expect(printed).not.toContain(sas.match(/sig=([^&]+)/)![1]);
      expect(printed).toContain('sig=REDACTED');
    });

    it('falls back to DefaultAzureCredential (a TokenCredential, imported lazily) without touching the network', async () => {
      const source = await createAzureBlobSource(location(), { env: {}, endpoint: azurite.blobEndpoint });
      expect(source.credentialKind).toBe('default-azure-credential');
      const credential = source.containerClient.credential as { getToken?: unknown; constructor: { name: string } };
      expect(typeof credential.getToken).toBe('function');
      expect(credential.constructor.name).toBe('DefaultAzureCredential');
      // Over http the SDK refuses to send a bearer token before asking for one: a permanent, explained error.
      const e = await caught(listAll(source));
      expect(e.transient).toBe(false);
      expect(e.message).toContain('https');
    });

    it('the public cloud URL is the default; hostnames in --endpoint are kept as given', async () => {
      expect(blobServiceUrl('acct')).toBe('https://acct.blob.core.windows.net');
      expect(blobServiceUrl('acct', 'https://acct.blob.core.chinacloudapi.cn/')).toBe('https://acct.blob.core.chinacloudapi.cn');
      expect(blobServiceUrl('acct', 'http://localhost:10000')).toBe('http://localhost:10000/acct');
      expect(blobServiceUrl('acct', 'http://127.0.0.1:10000/other')).toBe('http://127.0.0.1:10000/other');
      for (const bad of ['127.0.0.1:10000', 'ftp://127.0.0.1/x', 'not a url']) {
        expect(() => blobServiceUrl('acct', bad)).toThrow(/is not an http\(s\) URL/);
      }
      expect(await caught(createAzureBlobSource(location(), { env: env(), endpoint: 'nope' }))).toMatchObject({ transient: false });
      const { client, credentialKind } = await createBlobServiceClient('acct', { env: { AZURE_STORAGE_KEY: AZURITE_KEY } });
      expect(credentialKind).toBe('shared-key');
      expect(client.url).toBe('https://acct.blob.core.windows.net/');
    });

    it('refuses a connection string of another account, an unusable one, and UseDevelopmentStorage with --endpoint', async () => {
      const other = azurite.connectionString.replace(`AccountName=${AZURITE_ACCOUNT}`, 'AccountName=otheraccount');
      const mismatch = await caught(createAzureBlobSource(location(), { env: { AZURE_STORAGE_CONNECTION_STRING: other } }));
      expect(mismatch.transient).toBe(false);
      expect(mismatch.message).toContain("'otheraccount'");
      expect(mismatch.message).not.toContain(AZURITE_KEY);

      const broken = await caught(createAzureBlobSource(location(), { env: { AZURE_STORAGE_CONNECTION_STRING: 'AccountName=x;nothing=else' } }));
      expect(broken.transient).toBe(false);
      expect(broken.message).toContain('AZURE_STORAGE_CONNECTION_STRING is not usable');

      const dev = await caught(
        createAzureBlobSource(location(), { env: { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }, endpoint: azurite.blobEndpoint }),
      );
      expect(dev.message).toContain('UseDevelopmentStorage=true');
    });

    it('rejects a location that is not Azure', async () => {
      const e = await caught(createAzureBlobSource(parseLocation('s3://bucket/x'), { env: env() }));
      expect(e.message).toContain('not an Azure Blob location');
    });
  });

  describe('errors', () => {
    it('a missing container is a permanent 404 that names it, for list, stat and read', async () => {
      const source = await createAzureBlobSource(location('no-such-container'), { env: env() });
      const listing = await caught(listAll(source));
      expect(listing).toMatchObject({ transient: false, status: 404 });
      expect(listing.message).toContain("container 'no-such-container' not found");
      expect(listing.target).toBe(`azure://${AZURITE_ACCOUNT}/no-such-container`);
      const stat = await caught(source.stat('x.log'));
      expect(stat.message).toContain("container 'no-such-container' not found");
      const read = await caught(readAll(source.read('x.log')));
      expect(read).toMatchObject({ transient: false, status: 404 });
    });

    it('a missing blob is a permanent 404 that names the object', async () => {
      const source = await createAzureBlobSource(location(CONTAINER, 'logs'), { env: env() });
      const e = await caught(readAll(source.read('gone.log')));
      expect(e).toMatchObject({ transient: false, status: 404, target: `azure://${AZURITE_ACCOUNT}/${CONTAINER}/logs/gone.log` });
      expect(e.message).toContain('blob not found');
    });

    it('a wrong account key is a permanent 403 whose message says what to check and never shows the key', async () => {
      const wrongKey = Buffer.from('definitely-not-the-account-key-0123456789').toString('base64');
      const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_KEY: wrongKey }, endpoint: azurite.blobEndpoint });
      for (const p of [listAll(source), source.stat('logs/a.log'), readAll(source.read('logs/a.log'))]) {
        const e = await caught(p);
        expect(e).toMatchObject({ transient: false, status: 403 });
        expect(e.message).toContain('AZURE_STORAGE_CONNECTION_STRING');
        expect(e.message).toContain('role assignment');
        expect(e.message).not.toContain(wrongKey);
        expect(inspect(e, { depth: 8 })).not.toContain(wrongKey);
      }
    });

    it('a range past the end is a permanent 416', async () => {
      const source = await createAzureBlobSource(location(), { env: env() });
      const e = await caught(readAll(source.read('logs/a.log', { start: 1000 })));
      expect(e).toMatchObject({ transient: false, status: 416 });
    });

    it('nothing listens: connection refused is transient', async () => {
      const source = await createAzureBlobSource(location(), { env: { AZURE_STORAGE_KEY: AZURITE_KEY }, endpoint: 'http://127.0.0.1:9' });
      const e = await caught(source.stat('logs/a.log'));
      expect(e.transient).toBe(true);
      expect(e.message).toContain('ECONNREFUSED');
    });

    it("the caller's abort passes through as the caller's reason, not as a SourceError", async () => {
      const source = await createAzureBlobSource(location(), { env: env() });
      const reason = new Error('stop now');
      await expect(source.stat('logs/a.log', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      const controller = new AbortController();
      const reading = (async () => {
        for await (const _chunk of source.read('big/object.bin', { signal: controller.signal })) controller.abort(reason);
      })();
      await expect(reading).rejects.toBe(reason);
    });

    it('classifies what the SDK and the network throw', () => {
      const ctx = { action: 'reading', target: 'azure://a/c/k', key: 'k', account: 'a', container: 'c' };
      const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND acct.blob.example'), { code: 'ENOTFOUND' });
      expect(toSourceError(notFound, ctx)).toMatchObject({ transient: false, message: expect.stringContaining('check the storage account name') });
      const again = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
      expect(toSourceError(again, ctx)).toMatchObject({ transient: true });
      const noCredential = new CredentialUnavailableError('DefaultAzureCredential failed to retrieve a token');
      expect(toSourceError(noCredential, ctx)).toMatchObject({ transient: false, message: expect.stringContaining('az login') });
      expect(toSourceError(new Error('boom'), ctx)).toMatchObject({ transient: false, message: expect.stringContaining('unexpected failure: boom') });
      const already = new SourceError('x', { transient: true, target: 't' });
      expect(toSourceError(already, ctx)).toBe(already);
      expect(redact('GET /c/b?sv=2020&sig=abc%2Bdef&se=1 AccountKey=xyz==;')).toBe('GET /c/b?sv=2020&sig=REDACTED&se=1 AccountKey=REDACTED;');
    });
  });

  describe('read and write', () => {
    it('streams a large blob in several chunks without buffering it, and reads ranges of it', async () => {
      const source = await createAzureBlobSource(location(), { env: env() });
      let chunks = 0;
      let largest = 0;
      const hash = createHash('sha256');
      for await (const c of source.read('big/object.bin')) {
        chunks++;
        largest = Math.max(largest, c.length);
        hash.update(c);
      }
      expect(hash.digest('hex')).toBe(sha(big));
      expect(chunks).toBeGreaterThan(1);
      expect(largest).toBeLessThan(big.length);
      expect(await readAll(source.read('big/object.bin', { start: 10, end: 10 }))).toEqual(Buffer.alloc(0));
      expect(await readAll(source.read('big/object.bin', { start: 1_000_000, end: 1_000_010 }))).toEqual(big.subarray(1_000_000, 1_000_010));
    });

    it('a slow consumer is not a stall: the timeout only counts while waiting for the service', async () => {
      const source = await createAzureBlobSource(location(), { env: env(), timeoutMs: 150 });
      const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
      const keys: string[] = [];
      for await (const page of source.list({ prefix: 'logs/', pageSize: 1 })) {
        keys.push(...page.map((i) => i.key));
        await pause();
      }
      expect(keys).toEqual(['logs/a.log', 'logs/b.log']);
      const hash = createHash('sha256');
      let chunks = 0;
      for await (const c of source.read('big/object.bin')) {
        hash.update(c);
        if (chunks++ < 2) await pause();
      }
      expect(hash.digest('hex')).toBe(sha(big));
    });

    it('writes with a content type, and a failing body passes its own error through', async () => {
      const source = await createAzureBlobSource(location(CONTAINER, 'out'), { env: env() });
      const info = await source.write('empty.json', (async function* () {})(), { contentType: 'application/json' });
      expect(info).toMatchObject({ key: 'empty.json', size: 0, uri: `azure://${AZURITE_ACCOUNT}/${CONTAINER}/out/empty.json` });
      const props = await sdk.getBlobClient('out/empty.json').getProperties();
      expect(props.contentType).toBe('application/json');
      expect(props.contentLength).toBe(0);

      const bodyFailure = new Error('the generator failed');
      const failing = (async function* () {
        yield Buffer.from('partial');
        throw bodyFailure;
      })();
      await expect(source.write('broken.json', failing)).rejects.toBe(bodyFailure);
      await source.close();
    });
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    const faultOnce = (action: FaultAction, match: (method: string, url: string) => boolean) => {
      let done = false;
      proxy.setPolicy((req) => {
        if (done || !match(req.method, req.url)) return { kind: 'pass' };
        done = true;
        return action;
      });
    };
    const isGet = (path: string) => (method: string, url: string) => method === 'GET' && url.includes(path);
    const viaProxy = (extra: AzureBlobSourceOptions = {}) =>
      createAzureBlobSource(location(), { env: env(), endpoint: `${proxy.url}/${AZURITE_ACCOUNT}`, ...extra });

    beforeAll(async () => {
      proxy = await startFaultProxy({ target: azurite.host });
    });
    afterEach(() => proxy.setPolicy(null));
    afterAll(async () => {
      await proxy?.close();
    });

    it('503 and 429 with Retry-After are transient, with retryAfterMs; other statuses are classified too', async () => {
      const source = await viaProxy();
      faultOnce({ kind: 'status', status: 503, retryAfterSeconds: 3 }, isGet('big/object.bin'));
      const busy = await caught(readAll(source.read('big/object.bin')));
      expect(busy).toMatchObject({ transient: true, status: 503, retryAfterMs: 3000 });
      expect(busy.message).toContain('big/object.bin');

      faultOnce({ kind: 'status', status: 429, retryAfterSeconds: 1 }, isGet('comp=list'));
      expect(await caught(listAll(source))).toMatchObject({ transient: true, status: 429, retryAfterMs: 1000 });

      faultOnce({ kind: 'status', status: 500 }, () => true);
      expect(await caught(source.stat('logs/a.log'))).toMatchObject({ transient: true, status: 500, retryAfterMs: null });

      faultOnce({ kind: 'status', status: 409 }, () => true);
      expect(await caught(source.stat('logs/a.log'))).toMatchObject({ transient: false, status: 409 });

      faultOnce({ kind: 'status', status: 400 }, () => true);
      const refused = await caught(source.stat('logs/a.log'));
      expect(refused).toMatchObject({ transient: false, status: 400 });
      expect(refused.message).toContain('request refused');
    });

    it('a reset before the response and a reset or truncation mid-body are transient', async () => {
      const source = await viaProxy();
      faultOnce({ kind: 'reset' }, isGet('big/object.bin'));
      expect(await caught(readAll(source.read('big/object.bin')))).toMatchObject({ transient: true, status: null });

      for (const action of [{ kind: 'reset-mid-body', afterBytes: 200_000 }, { kind: 'truncate', afterBytes: 200_000 }] as const) {
        faultOnce(action, isGet('big/object.bin'));
        let received = 0;
        const e = await caught(
          (async () => {
            for await (const c of source.read('big/object.bin')) received += c.length;
          })(),
        );
        expect(e.transient, action.kind).toBe(true);
        // a reset is seen by the SDK's length check; the proxy's truncation also drops Content-Length
        expect(e.message).toContain(action.kind === 'truncate' ? 'without Content-Length' : 'cut off');
        expect(received, action.kind).toBeLessThan(big.length);
      }
    });

    it('a stalled response, listing or body times out as transient', async () => {
      const source = await viaProxy({ timeoutMs: 300 });
      faultOnce({ kind: 'stall', ms: 3_000 }, (m) => m === 'HEAD');
      const stat = await caught(source.stat('logs/a.log'));
      expect(stat.transient).toBe(true);
      expect(stat.message).toContain('timed out');
      faultOnce({ kind: 'stall', ms: 3_000 }, isGet('comp=list'));
      expect((await caught(listAll(source))).message).toContain('timed out');
      faultOnce({ kind: 'stall', ms: 3_000 }, isGet('big/object.bin'));
      expect((await caught(readAll(source.read('big/object.bin'))))).toMatchObject({ transient: true });
    });

    it('with resilientRead, every object is read whole despite faults on many requests', async () => {
      const source = await viaProxy({ timeoutMs: 2_000 });
      const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 5 };
      const infos = [await source.stat('big/object.bin'), await source.stat('logs/a.log'), await source.stat('logs/b.log')];
      proxy.setPolicy({ seed: 3, rate: 0.5, kinds: ['status', 'reset', 'reset-mid-body', 'truncate'], retryAfterSeconds: 0, maxFaultsPerTarget: 3 });
      const got = await Promise.all(infos.map((info) => readAll(resilientRead(source, info, policy))));
      expect(sha(got[0])).toBe(sha(big));
      expect(got[1].toString()).toBe('alpha\n');
      expect(got[2].toString()).toBe('beta\n');
      expect(proxy.totalInjected()).toBeGreaterThan(0);
    });
  });
});
