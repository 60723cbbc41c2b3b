/**
 * A deflate decoder (zip compression method 8) for fflate's streaming `Unzip`, backed by node:zlib: the
 * inflating runs natively on libuv's thread pool instead of fflate's JavaScript inflate on the JS thread.
 *
 * Unlike fflate's own decoders it is asynchronous: `ondata` fires after `push` has returned. `acceptsInput`
 * tells a reader whether it may feed more compressed input or should wait for the input already handed
 * over to be inflated; `onprogress` fires whenever that may have changed.
 */
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import type { AsyncFlateStreamHandler, FlateError, UnzipDecoder, UnzipDecoderConstructor } from 'fflate';

/** Compressed chunks handed to zlib and not yet fully inflated, beyond which a reader should wait. */
export const MAX_WRITES_IN_FLIGHT = 1;
/** zlib's output chunk size: larger than zlib's 16 KiB default, so fewer thread-pool round trips. */
const OUTPUT_CHUNK_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

let openInflaters = 0;

/** zlib inflaters created by these decoders and not yet closed (freed), for leak checks. */
export function openZlibInflaters(): number {
  return openInflaters;
}

export class ZlibInflateDecoder implements UnzipDecoder {
  static readonly compression = 8;
  ondata: AsyncFlateStreamHandler = () => {};
  /** Called when a compressed chunk has been fully inflated (its output already went to `ondata`). */
  onprogress: () => void = () => {};
  /** fflate has pushed the entry's last compressed bytes (also true once terminated and pushed final). */
  inputEnded = false;
  /** The final `ondata` (end or error) has been delivered, or the decoder was terminated. */
  finished = false;
  private writesInFlight = 0;
  private paused = false;
  private readonly inflater: InflateRaw;

  constructor(readonly filename: string) {
    this.inflater = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES });
    openInflaters++;
    this.inflater.once('close', () => openInflaters--);
    this.inflater.on('data', (out: Buffer) => {
      if (!this.finished) this.ondata(null, new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.length), false);
    });
    this.inflater.on('end', () => this.finish(null));
    // a zlib error (corrupt or truncated deflate data) ends the entry; after terminate() none arrives
    this.inflater.on('error', (err: Error) => this.finish(err));
  }

  /** True while the decoder wants more compressed input now rather than later. */
  get acceptsInput(): boolean {
    return !this.finished && !this.inputEnded && this.writesInFlight < MAX_WRITES_IN_FLIGHT;
  }

  push(chunk: Uint8Array, final: boolean): void {
    if (final) this.inputEnded = true;
    if (this.finished) return; // terminated or failed: later input is dropped, as fflate expects
    if (chunk.length > 0) {
      this.writesInFlight++;
      // fflate may reuse the memory it passes, and zlib reads it later: hand zlib a copy
      this.inflater.write(Buffer.from(chunk), () => {
        this.writesInFlight--;
        this.onprogress();
      });
    }
    if (final) this.inflater.end();
  }

  /** Stops output while the reader has enough queued; zlib then stops inflating after its buffer fills. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.inflater.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.inflater.resume();
  }

  /** Frees the zlib handle; no more `ondata` calls follow. */
  terminate(): void {
    this.finished = true;
    this.inflater.destroy();
  }

  private finish(err: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    if (err) this.ondata(err as FlateError, EMPTY, true);
    else this.ondata(null, EMPTY, true);
  }
}

/** A decoder class to register with `Unzip`, reporting each decoder it creates to `onCreate`. */
export function zlibInflateDecoder(onCreate: (decoder: ZlibInflateDecoder) => void): UnzipDecoderConstructor {
  return class extends ZlibInflateDecoder {
    constructor(filename: string) {
      super(filename);
      onCreate(this);
    }
  };
}
