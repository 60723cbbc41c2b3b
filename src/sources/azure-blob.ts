/**
 * Azure Blob Storage as an ObjectSource (`azure://<account>/<container>[/prefix]`), over the official
 * @azure/storage-blob client. Loaded only when an Azure source is opened (src/sources/open.ts imports it
 * dynamically); @azure/identity is imported only when no key, SAS or connection string is given.
 *
 * Credentials, first match wins (never from flags, never logged):
 *   1. AZURE_STORAGE_CONNECTION_STRING (also how emulators such as Azurite are reached)
 *   2. AZURE_STORAGE_SAS_TOKEN, for the account of the URI
 *   3. AZURE_STORAGE_KEY, for the account of the URI
 *   4. DefaultAzureCredential (environment, workload/managed identity, Azure CLI, …)
 * `endpoint` replaces the blob service URL (emulators, sovereign clouds) in every case.
 *
 * Retries belong to src/sources/retry.ts, so the SDK's own are switched off: `maxTries: 1` for requests
 * (the SDK would otherwise retry 500/503 and resets up to 4 times, with delays up to 2 minutes, ignoring
 * Retry-After) and `maxRetryRequests: 0` for download bodies (the SDK would silently re-request a cut-off
 * body up to 5 times). Every failure comes out once, as a classified SourceError.
 */
import { Readable } from 'node:stream';
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { SourceError, type ListOptions, type ObjectInfo, type ObjectSource, type ReadOptions } from './types.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter } from './retry.js';
import { prefixPath, type SourceLocation, type SourceOptions } from './uri.js';

export type AzureCredentialKind = 'connection-string' | 'sas-token' | 'shared-key' | 'default-azure-credential';

export interface AzureBlobSourceOptions extends SourceOptions {
  /**
   * A request gets no response, or a body or listing stops delivering, for this long: it is aborted and
   * reported as a transient timeout (default: `retry.timeoutMs`, else 60 s). Stalls would otherwise hang.
   */
  timeoutMs?: number;
}

/** Azure's maximum page size for List Blobs. */
const DEFAULT_PAGE_SIZE = 5000;
/** uploadStream: block size and blocks in flight, so a write holds at most 8 MiB. */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

const CREDENTIAL_HINT =
  'check AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY, or the role assignment ' +
  '(Storage Blob Data Reader, or Contributor to write) of the signed-in identity';

/** Service URL for an account: `endpoint` when given, else the public cloud's. */
export function blobServiceUrl(account: string, endpoint?: string): string {
  if (!endpoint) return `https://${account}.blob.core.windows.net`;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new SourceError(`--endpoint '${endpoint}' is not an http(s) URL: give the blob service URL, e.g. http://127.0.0.1:10000/devstoreaccount1`, {
      transient: false,
      target: `azure://${account}`,
    });
  }
  const url = new URL(endpoint);
  // Emulators on an IP or localhost address the account in the path (http://127.0.0.1:10000/devstoreaccount1);
  // a bare emulator address gets the account added so that `--endpoint http://127.0.0.1:10000` works too.
  const ipStyle = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost)$/i.test(url.hostname);
  if (ipStyle && (url.pathname === '' || url.pathname === '/')) url.pathname = `/${account}`;
  return url.href.replace(/\/+$/, '');
}

/** The connection string with its BlobEndpoint replaced, so that `--endpoint` wins over the one it names. */
function withBlobEndpoint(connectionString: string, endpoint: string): string {
  const kept = connectionString
    .split(';')
    .filter((part) => part.trim() !== '' && !/^\s*BlobEndpoint\s*=/i.test(part));
  return [...kept, `BlobEndpoint=${endpoint}`].join(';');
}

/** Builds the service client from the first credential the environment offers. */
export async function createBlobServiceClient(
  account: string,
  options: AzureBlobSourceOptions = {},
): Promise<{ client: BlobServiceClient; credentialKind: AzureCredentialKind }> {
  const env = options.env ?? process.env;
  const pipeline: StoragePipelineOptions = {
    // One try: src/sources/retry.ts decides about retries (backoff, jitter, Retry-After, cap).
    retryOptions: { maxTries: 1 },
    userAgentOptions: { userAgentPrefix: 'networkflow' },
  };
  const target = `azure://${account}`;
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING?.trim();
  if (connectionString) {
    if (options.endpoint && /^\s*UseDevelopmentStorage=true/i.test(connectionString)) {
      throw new SourceError('AZURE_STORAGE_CONNECTION_STRING is UseDevelopmentStorage=true, which cannot be combined with --endpoint', {
        transient: false,
        target,
      });
    }
    const effective = options.endpoint ? withBlobEndpoint(connectionString, blobServiceUrl(account, options.endpoint)) : connectionString;
    let client: BlobServiceClient;
    try {
      client = BlobServiceClient.fromConnectionString(effective, pipeline);
    } catch (err) {
      // The SDK's messages name the missing part, never the key.
      throw new SourceError(`AZURE_STORAGE_CONNECTION_STRING is not usable: ${redact((err as Error).message)}`, {
        transient: false,
        target,
        cause: err,
      });
    }
    // The key signs for the account named in the string; the URL's account may differ (emulator endpoints).
    const named = client.credential instanceof StorageSharedKeyCredential ? client.credential.accountName : client.accountName;
    if (named && named !== account) {
      throw new SourceError(
        `AZURE_STORAGE_CONNECTION_STRING is for storage account '${named}', not '${account}': ` +
          'set the connection string of this account, or unset it to use AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_KEY or a signed-in identity',
        { transient: false, target },
      );
    }
    return { client, credentialKind: 'connection-string' };
  }
  const url = blobServiceUrl(account, options.endpoint);
  const sas = env.AZURE_STORAGE_SAS_TOKEN?.trim();
  if (sas) {
    return { client: new BlobServiceClient(`${url}?${sas.replace(/^\?/, '')}`, new AnonymousCredential(), pipeline), credentialKind: 'sas-token' };
  }
  const key = env.AZURE_STORAGE_KEY?.trim();
  if (key) {
    return { client: new BlobServiceClient(url, new StorageSharedKeyCredential(account, key), pipeline), credentialKind: 'shared-key' };
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  return { client: new BlobServiceClient(url, new DefaultAzureCredential(), pipeline), credentialKind: 'default-azure-credential' };
}

/**
 * An AbortController for one request (or one body) that fires when nothing has happened for `ms`, and
 * follows the caller's signal. `touch()` on progress; `timedOut` says whether the timer fired.
 */
class StallTimer {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onOuterAbort = () => this.controller.abort(this.outer?.reason);

  constructor(
    private readonly ms: number,
    private readonly outer?: AbortSignal,
  ) {
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** While the caller holds the data (backpressure) the clock stops: that wait is not the service's. */
  pause(): void {
    clearTimeout(this.timer);
  }

  touch(): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.ms);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

/** The shape of the SDK's RestError that matters here (duck-typed: several copies of the class may be loaded). */
interface HttpFailure {
  statusCode: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}

function isHttpFailure(err: unknown): err is HttpFailure {
  return typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';
}

function retryAfterOf(err: HttpFailure): number | null {
  return parseRetryAfter(err.response?.headers.get('retry-after'));
}

/** Network error codes after which a new attempt may succeed. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'REQUEST_SEND_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** Removes anything secret-looking (SAS signatures, account keys) from service or SDK text. */
export function redact(text: string): string {
  return text.replace(/\b(sig|AccountKey|SharedAccessSignature)=[^&;\s'"]+/gi, '$1=REDACTED');
}

interface FailureContext {
  /** What was being done, for the message: 'listing', 'reading', … */
  action: string;
  target: string;
  /** The object key, or null for the container. */
  key: string | null;
  account: string;
  container: string;
  timer?: StallTimer;
}

/** Maps any failure of the SDK, the network or the body stream to one SourceError; the caller's own abort passes through. */
export function toSourceError(err: unknown, ctx: FailureContext, callerSignal?: AbortSignal): unknown {
  if (err instanceof SourceError) return err;
  if (callerSignal?.aborted) return callerSignal.reason ?? err;
  const where = `${ctx.action} ${ctx.target}`;
  const fail = (message: string, transient: boolean, status: number | null = null, retryAfterMs: number | null = null) =>
    new SourceError(`${where}: ${message}`, { transient, target: ctx.target, status, retryAfterMs, cause: err });
  if (ctx.timer?.timedOut) return fail('no response for a while (timed out)', true);

  const e = err as { name?: string; message?: string; code?: unknown };
  const message = redact(String(e?.message ?? err).split('\n')[0]);
  const code = typeof e?.code === 'string' ? e.code : undefined;

  if (isHttpFailure(err)) {
    const status = err.statusCode;
    const serviceCode = code ?? err.response?.headers.get('x-ms-error-code') ?? `HTTP ${status}`;
    if (status === 404) {
      if (serviceCode === 'ContainerNotFound' || ctx.key === null) {
        return fail(
          `container '${ctx.container}' not found in storage account '${ctx.account}': check the URI (azure://<account>/<container>/…) and --endpoint`,
          false,
          status,
        );
      }
      return fail(`blob not found (${serviceCode}): it may have been deleted or renamed since it was listed`, false, status);
    }
    if (status === 401 || status === 403) {
      // The service's detail for a failed signature quotes the request signature: not repeated here.
      return fail(`access denied (${serviceCode}, HTTP ${status}): ${CREDENTIAL_HINT}`, false, status);
    }
    if (status === 409) return fail(`conflict (${serviceCode}): ${message}; check that the container is not being deleted and the blob is not leased`, false, status);
    if (status === 412) return fail(`the blob changed while it was being read (${serviceCode}): read it again from the start`, false, status);
    if (status === 416) return fail(`the requested range is outside the blob (${serviceCode})`, false, status);
    if (status === 408 || status === 429 || status >= 500) {
      return fail(`the service is busy or failing (${serviceCode}, HTTP ${status})`, true, status, retryAfterOf(err));
    }
    return fail(`request refused (${serviceCode}, HTTP ${status}): ${message}`, false, status);
  }

  if (code === 'ENOTFOUND') {
    return fail(`host not found (${message}): check the storage account name and --endpoint`, false);
  }
  if (code !== undefined && TRANSIENT_CODES.has(code)) return fail(`connection failed (${code}): ${message}`, true);
  // A body that ended early: the SDK's length check (maxRetryRequests 0), or the socket closing mid-body.
  if (/^Data corruption failure/.test(message) || e?.name === 'AbortError') {
    return fail('the connection was cut off before the whole body arrived', true);
  }
  // Without Content-Length the SDK cannot check a body's length: something in between (a proxy) broke the response.
  if (/doesn't contain valid content length/i.test(message)) {
    return fail('the response came without Content-Length (a proxy or gateway in between?)', true);
  }
  if (e?.name === 'CredentialUnavailableError' || e?.name === 'AuthenticationError' || e?.name === 'AggregateAuthenticationError') {
    return fail(
      `no usable Azure credential (${e.name}): set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY, or sign in (az login, managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/…)`,
      false,
    );
  }
  if (/Bearer token authentication is not permitted for non-TLS/i.test(message)) {
    return fail('a signed-in identity (DefaultAzureCredential) needs an https endpoint: use https, or AZURE_STORAGE_CONNECTION_STRING for an emulator', false);
  }
  return fail(`unexpected failure: ${message}`, false);
}

export class AzureBlobSource implements ObjectSource {
  readonly kind = 'azure' as const;
  readonly uri: string;
  private readonly root: string;
  private readonly pageSize: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly location: { account: string; container: string; prefix: string },
    readonly containerClient: ContainerClient,
    readonly credentialKind: AzureCredentialKind,
    options: AzureBlobSourceOptions = {},
  ) {
    this.root = prefixPath(location.prefix);
    this.uri = `azure://${location.account}/${location.container}${location.prefix ? `/${location.prefix}` : ''}`;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.timeoutMs = options.timeoutMs ?? options.retry?.timeoutMs ?? DEFAULT_RETRY_POLICY.timeoutMs ?? 60_000;
  }

  private objectUri(key: string): string {
    return `azure://${this.location.account}/${this.location.container}/${this.root}${key}`;
  }

  private context(action: string, key: string | null, timer?: StallTimer): FailureContext {
    return {
      action,
      target: key === null ? this.uri : this.objectUri(key),
      key,
      account: this.location.account,
      container: this.location.container,
      timer,
    };
  }

  private info(name: string, size: number | undefined, etag: string | undefined, lastModified: Date | undefined): ObjectInfo {
    const key = name.slice(this.root.length);
    return { key, uri: this.objectUri(key), size: size ?? null, etag: etag ?? null, lastModified: lastModified?.getTime() ?? null };
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo[]> {
    // One timer for the listing: it runs while a page is awaited, and stops while the caller holds a page.
    const timer = new StallTimer(this.timeoutMs, options.signal);
    const pages = this.containerClient
      .listBlobsFlat({ prefix: this.root + (options.prefix ?? ''), abortSignal: timer.signal })
      .byPage({ maxPageSize: options.pageSize ?? this.pageSize });
    try {
      for (;;) {
        timer.touch();
        let step;
        try {
          step = await pages.next();
        } catch (err) {
          throw toSourceError(err, this.context('listing', null, timer), options.signal);
        }
        timer.pause();
        if (step.done) return;
        const items = step.value.segment.blobItems.map((b) =>
          this.info(b.name, b.properties.contentLength, b.properties.etag, b.properties.lastModified),
        );
        if (items.length > 0) yield items;
      }
    } finally {
      timer.dispose();
    }
  }

  async stat(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const timer = new StallTimer(this.timeoutMs, options.signal);
    try {
      const p = await this.containerClient.getBlobClient(this.root + key).getProperties({ abortSignal: timer.signal });
      return this.info(this.root + key, p.contentLength, p.etag, p.lastModified);
    } catch (err) {
      throw toSourceError(err, this.context('reading the properties of', key, timer), options.signal);
    } finally {
      timer.dispose();
    }
  }

  async *read(key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const start = options.start ?? 0;
    if (options.end !== undefined && options.end <= start) return;
    const count = options.end === undefined ? undefined : options.end - start;
    // One timer for the request and its body: the SDK keeps the request's signal attached until the body ends.
    const timer = new StallTimer(this.timeoutMs, options.signal);
    const ctx = this.context('reading', key, timer);
    try {
      let body: Readable;
      try {
        const response = await this.containerClient.getBlobClient(this.root + key).download(start, count, {
          abortSignal: timer.signal,
          conditions: options.ifMatch ? { ifMatch: options.ifMatch } : undefined,
          // No silent re-requests of a cut-off body: the length check still runs and fails, and retry.ts resumes.
          maxRetryRequests: 0,
        });
        body = response.readableStreamBody as Readable;
      } catch (err) {
        throw toSourceError(err, ctx, options.signal);
      }
      try {
        for await (const chunk of body) {
          timer.pause();
          yield chunk as Buffer;
          timer.touch();
        }
      } catch (err) {
        throw toSourceError(err, ctx, options.signal);
      } finally {
        body.destroy();
      }
    } finally {
      timer.dispose();
    }
  }

  async write(key: string, body: AsyncIterable<Uint8Array>, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    let size = 0;
    let bodyError: unknown;
    const timer = new StallTimer(this.timeoutMs, options.signal);
    async function* counted() {
      try {
        for await (const chunk of body) {
          timer.touch();
          size += chunk.length;
          yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
      } catch (err) {
        bodyError = err;
        throw err;
      }
    }
    try {
      const res = await this.containerClient
        .getBlockBlobClient(this.root + key)
        .uploadStream(Readable.from(counted(), { objectMode: false }), UPLOAD_BLOCK_BYTES, UPLOAD_CONCURRENCY, {
          abortSignal: timer.signal,
          blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : undefined,
          onProgress: () => timer.touch(),
        });
      return { key, uri: this.objectUri(key), size, etag: res.etag ?? null, lastModified: res.lastModified?.getTime() ?? null };
    } catch (err) {
      // A failure of the caller's body is theirs, not the service's: it passes through unchanged.
      if (bodyError !== undefined) throw bodyError;
      throw toSourceError(err, this.context('writing', key, timer), options.signal);
    } finally {
      timer.dispose();
    }
  }

  async close(): Promise<void> {
    // The SDK shares one keep-alive agent per process; there is nothing of ours to release.
  }
}

/** The factory src/sources/open.ts calls. */
export async function createAzureBlobSource(location: SourceLocation, options: AzureBlobSourceOptions = {}): Promise<AzureBlobSource> {
  if (location.kind !== 'azure' || !location.account || !location.container) {
    throw new SourceError(`${location.uri}: not an Azure Blob location (azure://<account>/<container>[/prefix])`, {
      transient: false,
      target: location.uri,
    });
  }
  const { client, credentialKind } = await createBlobServiceClient(location.account, options);
  const where = { account: location.account, container: location.container, prefix: location.prefix };
  return new AzureBlobSource(where, client.getContainerClient(location.container), credentialKind, options);
}
