/**
 * Amazon S3 (and S3-compatible stores) as an ObjectSource, over the official @aws-sdk/client-s3.
 *
 * Credentials come only from the SDK's default provider chain (env, profile, SSO, web identity,
 * container/instance metadata). The endpoint is `options.endpoint`, else whatever the SDK itself reads
 * from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the profile's `endpoint_url` (not applied twice here);
 * any custom endpoint switches to path-style addressing, which emulators and most S3-compatible
 * stores need. Every failure becomes a SourceError classified once, here.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { parseRetryAfter } from './retry.js';
import { SourceError, type ListOptions, type ObjectInfo, type ObjectSource, type ReadOptions } from './types.js';

/** Where the source is rooted: a bucket and a key prefix (`s3://bucket/prefix`). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export interface S3SourceOptions {
  /** Custom endpoint (emulator, S3-compatible store, sovereign partition). */
  endpoint?: string;
  /** Default objects per listing page (S3 caps it at 1000). */
  pageSize?: number;
  /** Overrides the region chain (AWS_REGION, AWS_DEFAULT_REGION, profile, us-east-1). */
  region?: string;
  /** Inactivity limit per request (connect, or no bytes for this long): a stall becomes a transient error. */
  requestTimeoutMs?: number;
  /** Path-style addressing (default: true when an endpoint is given or set in the environment). */
  forcePathStyle?: boolean;
  /** Multipart part size for writes (S3 minimum 5 MiB); a write holds at most two parts in memory. */
  partSizeBytes?: number;
}

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** A root prefix names a folder: `logs` and `logs/` both mean everything under `logs/`. */
function folderPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** Region: explicit, AWS_REGION, AWS_DEFAULT_REGION (which the JS SDK does not read), the profile, else us-east-1. */
async function resolveRegion(explicit: string | undefined): Promise<string> {
  const fromEnv = explicit ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  // the SDK's own chain (env and the shared config file's profile), through a client that sends nothing
  const probe = new S3Client({});
  try {
    return await probe.config.region();
  } catch {
    return 'us-east-1';
  } finally {
    probe.destroy();
  }
}

export class S3Source implements ObjectSource {
  readonly kind = 's3' as const;
  readonly uri: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly pageSize: number;
  private readonly partSize: number;

  constructor(location: S3Location, options: S3SourceOptions = {}) {
    this.bucket = location.bucket;
    this.root = folderPrefix(location.prefix);
    // canonical like uri.ts: no trailing slash (`s3://bucket`, `s3://bucket/prefix`)
    this.uri = `s3://${this.bucket}${this.root ? `/${this.root.slice(0, -1)}` : ''}`;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? DEFAULT_PART_SIZE);
    const endpointFromEnv = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    let region: Promise<string> | undefined; // resolved once, on the first request
    this.client = new S3Client({
      region: () => (region ??= resolveRegion(options.region)),
      // Only an explicit endpoint is passed; the SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL itself.
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint ?? endpointFromEnv),
      // No SDK retries: src/sources/retry.ts retries transient SourceErrors (backoff, jitter,
      // Retry-After, resumed ranged reads), and two retry layers would multiply the attempts.
      maxAttempts: 1,
      // socketTimeout is an inactivity limit: a stalled response fails, a long healthy download does not.
      requestHandler: {
        connectionTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        socketTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      },
    });
  }

  private info(key: string, size: number | undefined, etag: string | undefined, lastModified: Date | undefined): ObjectInfo {
    return {
      key,
      uri: this.objectUri(key),
      size: size ?? null,
      etag: etag ?? null,
      lastModified: lastModified ? lastModified.getTime() : null,
    };
  }

  private objectUri(key: string): string {
    return `s3://${this.bucket}/${this.root}${key}`;
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo[]> {
    const prefix = this.root + (options.prefix ?? '');
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: options.pageSize ?? this.pageSize,
            ContinuationToken: token,
          }),
          { abortSignal: options.signal },
        );
      } catch (err) {
        throw s3Error(err, prefix ? `s3://${this.bucket}/${prefix}` : this.uri, 'list');
      }
      const items = (page.Contents ?? [])
        .filter((o) => o.Key !== undefined && o.Key.startsWith(this.root))
        .map((o) => this.info(o.Key!.slice(this.root.length), o.Size, o.ETag, o.LastModified));
      if (items.length > 0) yield items;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.root + key }), {
        abortSignal: options.signal,
      });
      return this.info(key, head.ContentLength, head.ETag, head.LastModified);
    } catch (err) {
      throw s3Error(err, this.objectUri(key), 'stat');
    }
  }

  async *read(key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const target = this.objectUri(key);
    const start = options.start ?? 0;
    if (options.end !== undefined && options.end <= start) return; // an empty range: nothing to fetch
    // Always ranged, even from 0: the 206 answer's Content-Range states the length, so a body cut
    // short is caught even when a proxy drops Content-Length.
    const Range = `bytes=${start}-${options.end === undefined ? '' : options.end - 1}`;
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key, Range, IfMatch: options.ifMatch }),
        { abortSignal: options.signal },
      );
    } catch (err) {
      const status = (err as SdkErrorShape).$metadata?.httpStatusCode;
      // `bytes=0-` is unsatisfiable only for an empty object
      if (status === 416 && start === 0 && options.end === undefined) return;
      throw s3Error(err, target, 'read');
    }
    // In Node the body is an http.IncomingMessage: iterate it, never collect it.
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
    if (start > 0 && !response.ContentRange) {
      body?.destroy?.();
      throw new SourceError(`S3 read of ${target} failed: the endpoint ignored the Range header, so a partial read is impossible; use an S3-compatible store that supports ranged GETs.`, {
        transient: false,
        target,
      });
    }
    const expected = expectedLength(response.ContentRange, response.ContentLength);
    let received = 0;
    try {
      if (body) {
        for await (const chunk of body) {
          received += chunk.length;
          yield chunk;
        }
      }
    } catch (err) {
      throw s3Error(err, target, 'read');
    }
    if (expected !== null && received < expected) {
      throw new SourceError(`S3 read of ${target} ended early: ${received} of ${expected} bytes arrived; retry resumes at the cut-off`, {
        transient: true,
        target,
      });
    }
  }

  async write(key: string, body: AsyncIterable<Uint8Array>, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const target = this.objectUri(key);
    const Key = this.root + key;
    const send = { abortSignal: options.signal };
    const parts = partsOf(body, this.partSize);
    const first = await parts.next();
    try {
      if (first.done || first.value.last) {
        // Small object: one PutObject with a known length.
        const bytes = first.done ? new Uint8Array(0) : first.value.bytes;
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.length, ContentType: options.contentType }),
          send,
        );
        return await this.stat(key, options);
      }
      // Large object: multipart, holding at most two parts in memory.
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ContentType: options.contentType }), send);
      const UploadId = created.UploadId!;
      try {
        const done: CompletedPart[] = [];
        for (let part = first.value; ; ) {
          const PartNumber = done.length + 1;
          const up = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: part.bytes, ContentLength: part.bytes.length }),
            send,
          );
          done.push({ PartNumber, ETag: up.ETag });
          if (part.last) break;
          part = (await parts.next()).value as Part;
        }
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: done } }), send);
      } catch (err) {
        // best effort: do not leave billed, invisible parts behind
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
        throw err;
      }
      return await this.stat(key, options);
    } catch (err) {
      throw err instanceof SourceError ? err : s3Error(err, target, 'write');
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Bytes a response should carry: from `Content-Range: bytes a-b/total`, else Content-Length. */
function expectedLength(contentRange: string | undefined, contentLength: number | undefined): number | null {
  const m = contentRange ? /^bytes (\d+)-(\d+)\//.exec(contentRange) : null;
  if (m) return Number(m[2]) - Number(m[1]) + 1;
  return contentLength ?? null;
}

interface Part {
  bytes: Uint8Array;
  /** No more bytes follow this part. */
  last: boolean;
}

/**
 * Cuts a stream into parts of exactly `size` bytes (the last may be shorter). A full part is held back
 * until more bytes arrive (so the last part is known as last): at most two parts are in memory.
 * Chunks are copied, since a producer may reuse its buffer once it resumes.
 */
async function* partsOf(body: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Part> {
  let chunks: Uint8Array[] = [];
  let fill = 0;
  let pending: Uint8Array | null = null;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.length) {
      if (pending) {
        yield { bytes: pending, last: false };
        pending = null;
      }
      const n = Math.min(size - fill, chunk.length - offset);
      chunks.push(Uint8Array.prototype.slice.call(chunk, offset, offset + n)); // a copy (Buffer#slice is a view)
      fill += n;
      offset += n;
      if (fill === size) {
        pending = Buffer.concat(chunks, fill);
        chunks = [];
        fill = 0;
      }
    }
  }
  if (pending) yield { bytes: pending, last: fill === 0 };
  if (fill > 0 || !pending) yield { bytes: Buffer.concat(chunks, fill), last: true };
}

// ---------------------------------------------------------------------------------------------
// Error classification

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['SlowDown', 'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'InternalError', 'ThrottlingException', 'TimeoutError']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH']);
const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * The SDK's errors hold the raw HTTP request and response (headers such as x-amz-security-token
 * included), so a SourceError keeps only their name, code and message as its cause.
 */
function slimCause(e: SdkErrorShape): Error {
  const cause = new Error(e.message ?? 'unknown error');
  cause.name = e.Code ?? e.name ?? 'Error';
  return cause;
}

/** Turns whatever the SDK or the socket threw into a SourceError that says what to do. */
export function s3Error(err: unknown, target: string, op: 'list' | 'stat' | 'read' | 'write'): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? null;
  const name = e.Code ?? e.name ?? 'Error';
  const code = e.code;
  const what = `S3 ${op} of ${target}`;
  if (name === 'AbortError') return new SourceError(`${what} was cancelled.`, { transient: false, target });

  if (CREDENTIAL_ERRORS.has(name) || status === 401) {
    // The SDK's error may carry the access key id (e.g. <AWSAccessKeyId>), so it is not kept as the cause.
    return new SourceError(
      `${what} failed: the AWS credentials were refused or not found (${name}${status ? ` ${status}` : ''}). Check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run 'aws sso login'), and AWS_ENDPOINT_URL_S3 / --endpoint if you use an S3-compatible store.`,
      { transient: false, target, status },
    );
  }
  if (status === 403 || name === 'AccessDenied') {
    return new SourceError(
      `${what} failed: access denied (${name} 403). Check that the credentials from the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance role) are valid for this endpoint and may s3:ListBucket and s3:GetObject${op === 'write' ? ' and s3:PutObject' : ''} on this bucket, and the bucket policy.`,
      { transient: false, target, status: status ?? 403 },
    );
  }
  if (status === 404 || name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') {
    const thing = name === 'NoSuchBucket' ? 'the bucket does not exist' : 'no such object';
    return new SourceError(`${what} failed: ${thing} (${name} 404). Check the bucket and prefix in the URI, and the region/endpoint.`, {
      transient: false,
      target,
      status: 404,
      cause: slimCause(e),
    });
  }
  const transient =
    // a success status with an error: the response body (XML) was cut off or garbled on the way
    (status !== null && (TRANSIENT_STATUS.has(status) || status >= 500 || (status >= 200 && status < 300))) ||
    TRANSIENT_CODES.has(name) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /socket hang up|premature close/i.test(e.message ?? '');
  const wait = parseRetryAfter(e.$response?.headers?.['retry-after']);
  if (transient) {
    return new SourceError(`${what} failed for now (${status ?? code ?? name}); it will be retried.`, {
      transient: true,
      target,
      status,
      retryAfterMs: wait,
      cause: slimCause(e),
    });
  }
  if (status === 412) {
    return new SourceError(`${what} failed: the object changed since it was listed (412 PreconditionFailed); list again to read the new version.`, {
      transient: false,
      target,
      status,
      cause: slimCause(e),
    });
  }
  return new SourceError(`${what} failed (${name}${status ? ` ${status}` : ''}): ${e.message ?? 'unknown error'}`, {
    transient: false,
    target,
    status,
    cause: slimCause(e),
  });
}

/** Factory used by open.ts (loaded with a dynamic import so the SDK loads only for s3:// URIs). */
export function createS3Source(location: S3Location, options: S3SourceOptions = {}): S3Source {
  return new S3Source(location, options);
}
