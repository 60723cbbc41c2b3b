/**
 * Container unwrapping as streams: gzip (one or more members), zip (every entry, each detected on its
 * own, so a zip may hold formats of several kinds or nested gzip files) and plain bytes. Detection is by
 * magic bytes, never by file name. Limits against archive bombs bound the inflated size and the inflate
 * ratio of every archive level; crossing one is an `archive-limit` error naming the input.
 *
 * Errors are thrown from the entry's byte stream when reading reaches the problem (truncated or corrupt
 * archive, limit crossed), so records read before it have already reached the caller; the caller fails
 * that object alone.
 */
import { pipeline } from 'node:stream';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { NetworkflowError } from '../model/index.js';
import { peekBytes, type Chunk } from './peek.js';
import { readZip, type ZipEntry } from './zip.js';

export type ContainerKind = 'plain' | 'gzip' | 'zip';

export interface ContainerLimits {
  /** Largest total size an archive may inflate to, in bytes. */
  maxInflatedBytes: number;
  /** Largest inflated/compressed ratio, checked once more than `ratioGraceBytes` have been inflated. */
  maxInflateRatio: number;
  ratioGraceBytes: number;
}

export const DEFAULT_LIMITS: ContainerLimits = {
  maxInflatedBytes: 64 * 1024 ** 3,
  // Flow logs compress 10–50×; deflate tops out near 1032× on degenerate input, which only bombs reach.
  maxInflateRatio: 500,
  ratioGraceBytes: 16 * 1024 ** 2,
};

export interface ContainerEntry {
  /** `input` for plain and gzip; `input!entry/path` for a zip entry. */
  name: string;
  /** The container layers that were opened to reach this entry, outermost first. */
  containers: ContainerKind[];
  bytes: AsyncIterable<Uint8Array>;
}

const MAX_NESTING = 3;

export function detectContainer(head: Uint8Array): ContainerKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) {
    return 'zip';
  }
  return 'plain';
}

/**
 * Yields the plain byte streams inside an input. Entries are yielded one at a time: read (or abandon)
 * one entry's bytes before asking for the next.
 */
export async function* unwrap(
  source: AsyncIterable<Chunk>,
  name: string,
  limits: Partial<ContainerLimits> = {},
): AsyncGenerator<ContainerEntry, void, undefined> {
  yield* unwrapLevel(source, name, { ...DEFAULT_LIMITS, ...limits }, [], 0);
}

async function* unwrapLevel(
  source: AsyncIterable<Chunk>,
  name: string,
  limits: ContainerLimits,
  layers: ContainerKind[],
  depth: number,
): AsyncGenerator<ContainerEntry, void, undefined> {
  const { head, stream } = await peekBytes(source, 4);
  const kind = depth >= MAX_NESTING ? 'plain' : detectContainer(head);
  if (kind === 'plain') {
    yield { name, containers: layers, bytes: stream };
    return;
  }
  if (kind === 'gzip') {
    yield* unwrapLevel(gunzip(stream, name, limits), name, limits, [...layers, 'gzip'], depth + 1);
    return;
  }
  for await (const entry of unzipEntries(stream, name, limits)) {
    yield* unwrapLevel(entry.bytes, `${name}!${entry.name}`, limits, [...layers, 'zip'], depth + 1);
  }
}

/** Counts compressed input and inflated output and throws when a limit is crossed. */
class InflateMeter {
  compressed = 0;
  inflated = 0;
  constructor(
    private readonly name: string,
    private readonly limits: ContainerLimits,
  ) {}
  addInflated(n: number): void {
    this.inflated += n;
    const { maxInflatedBytes, maxInflateRatio, ratioGraceBytes } = this.limits;
    if (this.inflated > maxInflatedBytes) {
      throw new NetworkflowError(
        'archive-limit',
        `${this.name}: inflates to more than ${maxInflatedBytes} bytes (archive bomb?)`,
        'raise --max-inflated-size if the archive is genuine',
      );
    }
    if (this.inflated > ratioGraceBytes && this.inflated > maxInflateRatio * Math.max(this.compressed, 1)) {
      throw new NetworkflowError(
        'archive-limit',
        `${this.name}: inflate ratio above ${maxInflateRatio}:1 (archive bomb?)`,
        'raise --max-inflate-ratio if the archive is genuine',
      );
    }
  }
}

async function* countCompressed(source: AsyncIterable<Uint8Array>, meter: InflateMeter): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    meter.compressed += chunk.length;
    yield chunk;
  }
}

async function* gunzip(source: AsyncIterable<Uint8Array>, name: string, limits: ContainerLimits): AsyncGenerator<Uint8Array> {
  const meter = new InflateMeter(name, limits);
  const gz = createGunzip();
  // pipeline destroys the gunzip stream with the source's error, so iteration below sees it
  pipeline(Readable.from(countCompressed(source, meter)), gz, () => {});
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      meter.addInflated(chunk.length);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  } catch (err) {
    throw archiveError(err, name, 'gzip');
  } finally {
    gz.destroy();
  }
}

function archiveError(err: unknown, name: string, kind: 'gzip' | 'zip'): unknown {
  if (err instanceof NetworkflowError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(String(e.message)))) {
    return new NetworkflowError('truncated-archive', `${name}: truncated ${kind} data (the file ends early)`, 'download the object again', {
      cause: err,
    });
  }
  if (e && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new NetworkflowError('corrupt-archive', `${name}: corrupt ${kind} data (${e.message})`, undefined, { cause: err });
  }
  return err;
}

/** The entries of a zip archive (see zip.ts), metered against the limits as one archive level. */
function unzipEntries(source: AsyncIterable<Uint8Array>, name: string, limits: ContainerLimits): AsyncGenerator<ZipEntry> {
  const meter = new InflateMeter(name, limits);
  return readZip(source, name, {
    onCompressed: (n) => (meter.compressed += n),
    onInflated: (n) => meter.addInflated(n),
  });
}
