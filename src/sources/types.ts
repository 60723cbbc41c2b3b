/**
 * Where bytes come from: one small interface over local folders, Azure Blob, S3 and GCS
 * (one file per implementation; SDKs loaded only when their source is used).
 *
 * Keys are paths relative to the source's root (the container/bucket plus the prefix of its URI),
 * with `/` separators. Every error is a SourceError that says whether retrying can help: an expired
 * credential or a missing container must never look like an empty listing.
 */

export type SourceKind = 'local' | 'azure' | 's3' | 'gcs';

export interface ObjectInfo {
  /** Path relative to the source root, `/`-separated, no leading `/`. */
  key: string;
  /** Full URI of the object (`s3://bucket/a/b.log.gz`, `azure://acct/container/…`, `file:///…`): its name in records and the manifest. */
  uri: string;
  size: number | null;
  /** Changes whenever the content changes: ETag, GCS generation, or size+mtime for local files. */
  etag: string | null;
  /** Epoch milliseconds. */
  lastModified: number | null;
}

export interface ListOptions {
  /** Only keys starting with this (relative to the source root). */
  prefix?: string;
  /** Objects per page asked of the service (a hint). */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface ReadOptions {
  /** First byte to read (inclusive), for ranged reads and resuming a cut-off body. */
  start?: number;
  /** Last byte to read (exclusive); default: to the end. */
  end?: number;
  /** Read only if the object still has this ETag/generation (resumed reads must not mix versions). */
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface ObjectSource {
  readonly kind: SourceKind;
  /** Canonical URI of the source root. */
  readonly uri: string;
  /** Lists objects page by page (following the service's continuation tokens), in key order where the service gives it. */
  list(options?: ListOptions): AsyncIterable<ObjectInfo[]>;
  stat(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo>;
  /** Streams the object's bytes (or a range of them); never buffers the whole object. */
  read(key: string, options?: ReadOptions): AsyncIterable<Uint8Array>;
  /**
   * Writes an object from a stream (for `networkflow generate --out <uri>` and test setup). Sources that
   * cannot write leave it undefined.
   */
  write?(key: string, body: AsyncIterable<Uint8Array>, options?: { contentType?: string; signal?: AbortSignal }): Promise<ObjectInfo>;
  close(): Promise<void>;
}

/** An I/O failure, classified once where it happens so that callers only ask `transient`. */
export class SourceError extends Error {
  /** Retrying may help (5xx, 429, resets, timeouts, a body cut off). */
  readonly transient: boolean;
  /** HTTP status, where there was one. */
  readonly status: number | null;
  /** Server-requested wait (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | null;
  /** The object or source URI it concerns. */
  readonly target: string;
  constructor(
    message: string,
    init: { transient: boolean; target: string; status?: number | null; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super(message, { cause: init.cause });
    this.name = 'SourceError';
    this.transient = init.transient;
    this.status = init.status ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.target = init.target;
  }
}
