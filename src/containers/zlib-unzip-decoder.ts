/**
 * Raw-deflate decoding of one zip entry by node:zlib: the inflating runs natively on libuv's thread pool,
 * off the JS thread. Output waits in a queue for the reader; zlib is paused while the reader is behind, so
 * little output piles up however fast zlib is. `write` reports how many of the given compressed bytes the
 * deflate stream used: fewer than given once the stream's final block has ended, which is how the zip
 * reader finds the end of an entry whose size is not known up front.
 */
import { createInflateRaw, type InflateRaw } from 'node:zlib';

/** zlib's output chunk size: larger than zlib's 16 KiB default, so fewer thread-pool round trips. */
const OUTPUT_CHUNK_BYTES = 64 * 1024;
/** Inflated bytes queued for the reader above which zlib is paused until the reader catches up. */
export const QUEUE_HIGH_BYTES = 4 * 1024 * 1024;

let openInflaters = 0;

/** zlib inflaters created here and not yet closed (freed), for leak checks. */
export function openZlibInflaters(): number {
  return openInflaters;
}

export class RawInflater {
  private readonly zlib: InflateRaw;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  /** zlib delivered its last output ('end'): what is queued is all there is. */
  private ended = false;
  private error: Error | null = null;
  private paused = false;
  private wake: (() => void) | undefined;
  private writeDone: (() => void) | undefined;

  constructor() {
    this.zlib = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES });
    openInflaters++;
    this.zlib.once('close', () => {
      openInflaters--;
      this.releaseWriter(); // destroyed with a write in flight: its callback may never come
      this.notify();
    });
    this.zlib.on('data', (out: Buffer) => {
      this.queue.push(out);
      this.queuedBytes += out.length;
      if (this.queuedBytes > QUEUE_HIGH_BYTES && !this.paused) {
        this.paused = true;
        this.zlib.pause();
      }
      this.notify();
    });
    this.zlib.on('end', () => {
      this.ended = true;
      this.notify();
    });
    // corrupt deflate data, or the input ended inside the deflate stream ("unexpected end of file")
    this.zlib.on('error', (err: Error) => this.fail(err));
  }

  /** True once this inflater failed or was destroyed: further writes are pointless. */
  get stopped(): boolean {
    return this.error !== null || this.zlib.destroyed;
  }

  /**
   * Hands zlib compressed bytes and resolves, with how many of them the deflate stream used, once zlib has
   * taken them all or the stream ended inside them. zlib holds the bytes until then: do not change them.
   */
  async write(piece: Uint8Array): Promise<number> {
    const before = this.zlib.bytesWritten;
    await new Promise<void>((resolve) => {
      this.writeDone = resolve;
      this.zlib.write(piece, () => this.releaseWriter());
    });
    return this.zlib.bytesWritten - before;
  }

  /** No more input: zlib fails with "unexpected end of file" unless the deflate stream is complete. */
  end(): void {
    if (!this.stopped) this.zlib.end();
  }

  /** The next inflated chunk, or null after the last; throws the inflater's error. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const out = this.queue.shift();
      if (out) {
        this.queuedBytes -= out.length;
        if (this.paused && this.queuedBytes <= QUEUE_HIGH_BYTES / 2) this.resume();
        return out;
      }
      if (this.error) throw this.error;
      if (this.ended) return null;
      this.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Ends the inflation with an error that `read` throws (first error wins), freeing the zlib handle. */
  fail(err: Error): void {
    this.error ??= err;
    this.destroy();
    this.notify();
  }

  /** Frees the zlib handle; pending and later reads see the end or the error already recorded. */
  destroy(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (!this.zlib.destroyed) this.zlib.destroy();
    if (!this.ended && this.error === null) this.error = new Error('inflater destroyed');
    this.releaseWriter();
    this.notify();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.zlib.resume();
  }

  private releaseWriter(): void {
    const done = this.writeDone;
    this.writeDone = undefined;
    done?.();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
