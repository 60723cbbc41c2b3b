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
import { Unzip } from 'fflate';
import { NetworkflowError } from '../model/index.js';
import { peekBytes, type Chunk } from './peek.js';
import { zlibInflateDecoder, type ZlibInflateDecoder } from './zlib-unzip-decoder.js';

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

interface PendingEntry {
  name: string;
  queue: Uint8Array[];
  queuedBytes: number;
  done: boolean;
  error: Error | null;
  /** The zlib decoder of a deflated entry; stored and empty entries are decoded synchronously by fflate. */
  decoder?: ZlibInflateDecoder;
  /** Resolves the reader's wait for output or for the decoder to take more input. */
  wake?: () => void;
}

/** Inflated bytes queued for an entry above which its decoder is paused until the reader catches up. */
const QUEUE_HIGH_BYTES = 4 * 1024 * 1024;

function notify(entry: PendingEntry): void {
  const wake = entry.wake;
  entry.wake = undefined;
  wake?.();
}

/** fflate has handed over all of the entry's compressed bytes: the archive is read past it. */
function inputPassed(entry: PendingEntry): boolean {
  return entry.done || entry.error !== null || entry.decoder?.inputEnded === true;
}

/**
 * Streams the entries of a zip archive (local headers, so data-descriptor entries written by streaming
 * zippers work too). fflate parses the container; deflated entries are inflated by node:zlib off the JS
 * thread. The archive is pulled only as fast as the consumer reads entry bytes: more input is pushed only
 * when the entry's decoder has inflated what it was given, so about one chunk of compressed input is ahead
 * of the reader whatever the archive's size.
 */
async function* unzipEntries(source: AsyncIterable<Uint8Array>, name: string, limits: ContainerLimits): AsyncGenerator<{ name: string; bytes: AsyncIterable<Uint8Array> }> {
  const meter = new InflateMeter(name, limits);
  const input = source[Symbol.asyncIterator]();
  const discovered: PendingEntry[] = [];
  const liveDecoders = new Set<ZlibInflateDecoder>();
  let inputDone = false;
  let sawEntry = false;
  /** The decoder fflate creates inside `file.start()`, caught by the registered class below. */
  const started: { decoder?: ZlibInflateDecoder } = {};
  const unzip = new Unzip((file) => {
    sawEntry = true;
    if (file.name.endsWith('/')) return; // directory: no data to read
    const entry: PendingEntry = { name: file.name, queue: [], queuedBytes: 0, done: false, error: null };
    discovered.push(entry);
    file.ondata = (err, data, final) => {
      if (err) entry.error = err;
      else if (data.length > 0) {
        entry.queue.push(data);
        entry.queuedBytes += data.length;
        if (entry.queuedBytes > QUEUE_HIGH_BYTES) entry.decoder?.pause();
      }
      if (final) {
        entry.done = true;
        if (entry.decoder) liveDecoders.delete(entry.decoder);
      }
      notify(entry);
    };
    started.decoder = undefined;
    try {
      file.start(); // creates the decoder (deflate) and feeds it what fflate already holds of the entry
    } catch (err) {
      // fflate reports an unknown compression method through ondata, then throws a TypeError: keep the first
      entry.error ??= err as Error;
    }
    const decoder = started.decoder as ZlibInflateDecoder | undefined; // set during start(), which TS cannot see
    if (decoder) {
      entry.decoder = decoder;
      decoder.onprogress = () => notify(entry);
      if (!entry.done && entry.error === null) liveDecoders.add(decoder);
    }
  });
  unzip.register(
    zlibInflateDecoder((decoder) => {
      started.decoder = decoder;
    }),
  );

  /** Feeds one more chunk of the archive to the unzipper; false once the input has ended. */
  const pump = async (): Promise<boolean> => {
    if (inputDone) return false;
    const r = await input.next();
    try {
      if (r.done) {
        inputDone = true;
        unzip.push(new Uint8Array(0), true);
        return true;
      }
      meter.compressed += r.value.length;
      unzip.push(r.value);
    } catch (err) {
      // fflate rejects the final push when the archive stops inside an entry
      if (r.done) {
        throw new NetworkflowError('truncated-archive', `${name}: truncated zip data (the file ends inside an entry)`, 'download the object again', {
          cause: err,
        });
      }
      throw new NetworkflowError('corrupt-archive', `${name}: corrupt zip data (${(err as Error).message})`, undefined, { cause: err });
    }
    return true;
  };

  async function* entryBytes(entry: PendingEntry): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        while (entry.queue.length > 0) {
          const data = entry.queue.shift() as Uint8Array;
          entry.queuedBytes -= data.length;
          if (entry.queuedBytes <= QUEUE_HIGH_BYTES / 2) entry.decoder?.resume();
          meter.addInflated(data.length);
          yield data;
        }
        if (entry.error) throw zipEntryError(entry.error, name, entry.name);
        if (entry.done) return;
        const decoder = entry.decoder;
        if (decoder && !decoder.acceptsInput) {
          // input in flight or the entry's input complete: wait for output, an inflated chunk or the end
          decoder.resume();
          await new Promise<void>((resolve) => (entry.wake = resolve));
          continue;
        }
        if (!(await pump())) {
          throw new NetworkflowError('truncated-archive', `${name}: truncated zip data in entry ${entry.name} (the file ends early)`, 'download the object again');
        }
      }
    } finally {
      // stopped early or failed: free the zlib handle now rather than inflate what nobody reads
      if (!entry.done) entry.decoder?.terminate();
    }
  }

  try {
    for (;;) {
      const entry = discovered.shift();
      if (entry) {
        yield { name: entry.name, bytes: entryBytes(entry) };
        // the consumer may have stopped early: stop inflating and read past the rest of this entry
        if (!entry.done && entry.decoder) {
          entry.decoder.terminate();
          liveDecoders.delete(entry.decoder);
        }
        entry.queue.length = 0;
        while (!inputPassed(entry)) {
          if (!(await pump())) break;
        }
        continue;
      }
      if (!(await pump())) break;
    }
    if (!sawEntry) {
      throw new NetworkflowError('corrupt-archive', `${name}: zip archive without entries or unreadable`, undefined);
    }
  } finally {
    // an error or an abandoned iteration: no zlib handle outlives the archive, and the source is released
    for (const decoder of liveDecoders) decoder.terminate();
    liveDecoders.clear();
    if (!inputDone) await input.return?.();
  }
}

function zipEntryError(err: Error, archive: string, entry: string): NetworkflowError {
  if (err instanceof NetworkflowError) return err;
  const msg = err.message || String(err);
  // fflate says "unexpected EOF"; zlib says "unexpected end of file" (Z_BUF_ERROR)
  if ((err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || /unexpected EOF|end of/i.test(msg)) {
    return new NetworkflowError('truncated-archive', `${archive}: truncated zip entry ${entry}`, 'download the object again', { cause: err });
  }
  return new NetworkflowError('corrupt-archive', `${archive}: corrupt zip entry ${entry} (${msg})`, undefined, { cause: err });
}
