/**
 * Google Cloud Storage as an ObjectSource, over the official @google-cloud/storage (JSON API).
 *
 * Credentials are application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC
 * file, the metadata server). The library itself reads STORAGE_EMULATOR_HOST and then sends no
 * credentials; `options.endpoint` sets apiEndpoint, with ADC unless it is plain http:// (an emulator:
 * tokens never travel in clear text). The object's generation serves as its etag.
 */
import { Storage, type File, type FileMetadata } from '@google-cloud/storage';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseRetryAfter } from './retry.js';
import type { SourceLocation, SourceOptions } from './uri.js';
import { SourceError, type ListOptions, type ObjectInfo, type ObjectSource, type ReadOptions } from './types.js';

/** Where the source is rooted: a bucket and a name prefix (`gs://bucket/prefix`). */
export interface GcsLocation {
  bucket: string;
  prefix: string;
}

export interface GcsSourceOptions {
  /** apiEndpoint: an emulator (http, no auth) or another GCS endpoint (https, ADC). */
  endpoint?: string;
  /** Default objects per listing page. */
  pageSize?: number;
  /** Per-request timeout until the response starts, and the longest silence within a body: a stall becomes a transient error. */
  requestTimeoutMs?: number;
}

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_IDLE_MS = 60_000;

/** A root prefix names a folder: `logs` and `logs/` both mean everything under `logs/`. */
function folderPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

export class GcsSource implements ObjectSource {
  readonly kind = 'gcs' as const;
  readonly uri: string;
  private readonly storage: Storage;
  private readonly bucketName: string;
  private readonly root: string;
  private readonly pageSize: number;
  private readonly idleMs: number;

  constructor(location: GcsLocation, options: GcsSourceOptions = {}) {
    this.bucketName = location.bucket;
    this.root = folderPrefix(location.prefix);
    // canonical like uri.ts: no trailing slash (`gs://bucket`, `gs://bucket/prefix`)
    this.uri = `gs://${this.bucketName}${this.root ? `/${this.root.slice(0, -1)}` : ''}`;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.idleMs = options.requestTimeoutMs ?? DEFAULT_IDLE_MS;
    this.storage = new Storage({
      ...(options.endpoint ? { apiEndpoint: options.endpoint, useAuthWithCustomEndpoint: !/^http:\/\//i.test(options.endpoint) } : {}),
      ...(options.requestTimeoutMs ? { timeout: options.requestTimeoutMs } : {}),
      // No library retries: src/sources/retry.ts retries transient SourceErrors (backoff, jitter,
      // Retry-After, resumed ranged reads), and two retry layers would multiply the attempts.
      retryOptions: { autoRetry: false, maxRetries: 0 },
    });
  }

  private objectUri(key: string): string {
    return `gs://${this.bucketName}/${this.root}${key}`;
  }

  private info(key: string, m: FileMetadata): ObjectInfo {
    return {
      key,
      uri: this.objectUri(key),
      size: m.size === undefined ? null : Number(m.size),
      etag: m.generation === undefined ? null : String(m.generation),
      lastModified: m.updated ? Date.parse(m.updated) : null,
    };
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo[]> {
    const prefix = this.root + (options.prefix ?? '');
    const bucket = this.storage.bucket(this.bucketName);
    const listTarget = prefix ? `gs://${this.bucketName}/${prefix}` : this.uri;
    let pageToken: string | undefined;
    do {
      let files: File[];
      let next: { pageToken?: string } | null;
      try {
        options.signal?.throwIfAborted();
        let body: unknown;
        [files, next, body] = (await bucket.getFiles({ prefix, maxResults: options.pageSize ?? this.pageSize, pageToken, autoPaginate: false })) as [
          File[],
          { pageToken?: string } | null,
          unknown,
        ];
        // The library hands back a JSON body it could not parse as a string: a cut-off page would
        // otherwise read as "no items, no next page" and end the listing early.
        if (typeof body !== 'object' || body === null) throw garbled(listTarget, 'list');
      } catch (err) {
        throw gcsError(err, listTarget, 'list');
      }
      const items = files.filter((f) => f.name.startsWith(this.root)).map((f) => this.info(f.name.slice(this.root.length), f.metadata));
      if (items.length > 0) yield items;
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async stat(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    try {
      options.signal?.throwIfAborted();
      const [metadata] = await this.storage.bucket(this.bucketName).file(this.root + key).getMetadata();
      if (!isObjectResource(metadata)) throw garbled(this.objectUri(key), 'stat');
      return this.info(key, metadata);
    } catch (err) {
      throw gcsError(err, this.objectUri(key), 'stat');
    }
  }

  async *read(key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const target = this.objectUri(key);
    const start = options.start ?? 0;
    if (options.end !== undefined && options.end <= start) return; // an empty range: nothing to fetch
    if (options.ifMatch !== undefined && !/^\d+$/.test(options.ifMatch)) {
      throw new SourceError(`GCS read of ${target} failed: '${options.ifMatch}' is not a GCS generation number; list or stat the object again.`, {
        transient: false,
        target,
        status: 412,
      });
    }
    const file = this.storage.bucket(this.bucketName).file(this.root + key);
    const ifMatch = options.ifMatch;
    if (ifMatch !== undefined) {
      // createReadStream takes no preconditions; a request interceptor adds ifGenerationMatch to the
      // media GET, so a resumed read fails (412) instead of mixing two versions.
      file.interceptors.push({
        request: (reqOpts) => {
          reqOpts.qs = { ...reqOpts.qs, ifGenerationMatch: ifMatch };
          return reqOpts as ReturnType<File['interceptors'][number]['request']>;
        },
      });
    }
    const ranged = start > 0 || options.end !== undefined;
    // GCS `end` is inclusive, ours is exclusive. No validation (hashes cover whole objects only: the
    // length check below covers cut-offs) and no decompression (bytes as stored; containers/ unwraps).
    const stream = file.createReadStream({
      ...(ranged ? { start, ...(options.end !== undefined ? { end: options.end - 1 } : {}) } : {}),
      validation: false,
      decompress: false,
    });
    let expected: number | null = null;
    stream.on('response', (res: { headers?: Record<string, string | undefined> }) => {
      expected = expectedLength(res.headers ?? {});
    });
    const onAbort = () => stream.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // The library's transport does not notice a connection dropped mid-body (the body just stops), so a
    // body silent for the idle limit is ended here as a transient error. The clock stops while the
    // consumer holds a chunk, so a slow consumer is not mistaken for a dead connection.
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      idle = setTimeout(() => stream.destroy(Object.assign(new Error(`no bytes for ${this.idleMs} ms (connection dropped or stalled)`), { code: 'ETIMEDOUT' })), this.idleMs);
    };
    let received = 0;
    try {
      options.signal?.throwIfAborted();
      arm();
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        received += chunk.length;
        yield chunk;
        arm();
      }
    } catch (err) {
      throw gcsError(err, target, 'read');
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
    if (expected !== null && received < expected) {
      throw new SourceError(`GCS read of ${target} ended early: ${received} of ${expected} bytes arrived; retry resumes at the cut-off`, {
        transient: true,
        target,
      });
    }
  }

  async write(key: string, body: AsyncIterable<Uint8Array>, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const file = this.storage.bucket(this.bucketName).file(this.root + key);
    try {
      // A simple (multipart/related) upload, streamed: no resumable session for one-shot writes.
      const out = file.createWriteStream({ resumable: false, contentType: options.contentType, metadata: { contentType: options.contentType } });
      await pipeline(Readable.from(copies(body)), out, { signal: options.signal });
      // (a cut-off answer here fails the library's own upload validation: FILE_NO_UPLOAD, transient)
      return this.info(key, file.metadata);
    } catch (err) {
      throw gcsError(err, this.objectUri(key), 'write');
    }
  }

  async close(): Promise<void> {
    // The library keeps no connections that need closing.
  }
}

/**
 * Copies each chunk: the stream buffers chunks while the producer runs on, and a producer may reuse
 * (rewrite) its buffer once it resumes.
 */
async function* copies(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) yield Uint8Array.prototype.slice.call(chunk);
}

/** A parsed object resource (the library passes an unparseable body through as a string). */
function isObjectResource(m: unknown): m is FileMetadata {
  return typeof m === 'object' && m !== null && typeof (m as { name?: unknown }).name === 'string';
}

function garbled(target: string, op: 'list' | 'stat'): SourceError {
  return new SourceError(`GCS ${op} of ${target} failed for now: the JSON API's answer was cut off or garbled; it will be retried.`, {
    transient: true,
    target,
  });
}

/** Bytes a media response should carry: Content-Range, else Content-Length, else the stored length. */
function expectedLength(h: Record<string, string | undefined>): number | null {
  const m = h['content-range'] ? /^bytes (\d+)-(\d+)\//.exec(h['content-range']) : null;
  if (m) return Number(m[2]) - Number(m[1]) + 1;
  const length = h['content-length'] ?? h['x-goog-stored-content-length'];
  return length === undefined ? null : Number(length);
}

// ---------------------------------------------------------------------------------------------
// Error classification

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  // the library's upload validation: the server's hash of the upload differs (the answer or the data was damaged)
  'FILE_NO_UPLOAD',
  'FILE_NO_UPLOAD_DELETE',
]);

const TRANSIENT_FETCH_TYPES = new Set(['request-timeout', 'body-timeout', 'invalid-json', 'system']);

interface GcsErrorShape {
  name?: string;
  code?: number | string;
  type?: string;
  message?: string;
  response?: { headers?: Record<string, string | undefined> | { get?(name: string): string | null } };
}

function header(e: GcsErrorShape, name: string): string | undefined {
  const h = e.response?.headers;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined;
  return (h as Record<string, string | undefined>)[name];
}

/** Turns whatever the library or the socket threw into a SourceError that says what to do. */
export function gcsError(err: unknown, target: string, op: 'list' | 'stat' | 'read' | 'write'): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as GcsErrorShape;
  const status = typeof e.code === 'number' ? e.code : null;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = e.message ?? 'unknown error';
  const what = `GCS ${op} of ${target}`;
  // Only the library's own message is kept as the cause: its errors hold request options and headers.
  const cause = new Error(message);

  if (e.name === 'AbortError') return new SourceError(`${what} was cancelled.`, { transient: false, target });
  if (status === 401 || (status === null && /credential|invalid_grant|The file at .* does not exist/i.test(message))) {
    // google-auth-library's messages name files and grant errors, never key material
    return new SourceError(
      `${what} failed: Google credentials were refused or not found (${status ?? message}). Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file or run 'gcloud auth application-default login'; for an emulator use STORAGE_EMULATOR_HOST or an http:// --endpoint.`,
      { transient: false, target, status },
    );
  }
  if (status === 403) {
    return new SourceError(
      `${what} failed: access denied (403). Grant the identity from application default credentials storage.objects.list and storage.objects.get${op === 'write' ? ' and storage.objects.create' : ''} on this bucket.`,
      { transient: false, target, status },
    );
  }
  if (status === 404) {
    const thing = /bucket/i.test(message) && !/object/i.test(message) ? 'the bucket does not exist' : 'no such object';
    return new SourceError(`${what} failed: ${thing} (404). Check the bucket and prefix in the URI, and the endpoint.`, { transient: false, target, status, cause });
  }
  if (status === 412) {
    return new SourceError(`${what} failed: the object changed since it was listed (412 conditionNotMet); list again to read the new generation.`, {
      transient: false,
      target,
      status,
      cause,
    });
  }
  const transient =
    (status !== null && (TRANSIENT_STATUS.has(status) || status >= 500)) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    // node-fetch (under the library) reports stalls and cut-off JSON bodies by type
    (e.type !== undefined && TRANSIENT_FETCH_TYPES.has(e.type)) ||
    /socket hang up|premature close|network timeout|ECONNRESET|ETIMEDOUT/i.test(message);
  if (transient) {
    const reason = [status ?? code, message.split('\n')[0]].filter((x) => x !== undefined).join(': ');
    return new SourceError(`${what} failed for now (${reason}); it will be retried.`, {
      transient: true,
      target,
      status,
      retryAfterMs: parseRetryAfter(header(e, 'retry-after')),
      cause,
    });
  }
  return new SourceError(`${what} failed${status ? ` (${status})` : ''}: ${message}`, { transient: false, target, status, cause });
}

/**
 * Factory used by open.ts (loaded with a dynamic import so the library loads only for gs:// URIs):
 * takes a parsed `SourceLocation` and the common `SourceOptions` (the retry policy's per-attempt
 * timeout becomes the request timeout).
 */
export function createGcsSource(location: Pick<SourceLocation, 'bucket' | 'prefix'>, options: SourceOptions & GcsSourceOptions = {}): GcsSource {
  return new GcsSource(
    { bucket: location.bucket ?? '', prefix: location.prefix },
    { endpoint: options.endpoint, pageSize: options.pageSize, requestTimeoutMs: options.requestTimeoutMs ?? options.retry?.timeoutMs },
  );
}
