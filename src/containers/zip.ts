/**
 * A streaming zip reader: walks the local file headers front to back, so archives are read in one pass
 * with bounded memory and zips written by streaming zippers (sizes in a data descriptor after the data,
 * general-purpose flag bit 3) work too. The central directory is not needed and not read.
 *
 * Entry data: stored (method 0) and deflate (method 8, inflated by node:zlib off the JS thread). The end
 * of a deflated entry of unknown size is where its deflate stream ends, as zlib reports it; no signature
 * scanning, so compressed bytes that happen to look like a header cannot cut an entry short. Every entry's
 * CRC-32 is checked. Names are UTF-8 when flag bit 11 says so, else code page 437.
 */
import { crc32 } from 'node:zlib';
import { NetworkflowError } from '../model/index.js';
import { RawInflater } from './zlib-unzip-decoder.js';

export { openZlibInflaters } from './zlib-unzip-decoder.js';

export interface ZipEntry {
  /** The entry's path inside the archive. */
  name: string;
  /** The entry's bytes; read them (or stop) before asking for the next entry. Iterate once. */
  bytes: AsyncIterable<Uint8Array>;
}

export interface ZipReadHooks {
  /** Called with the size of every chunk read from the archive. May throw to stop reading. */
  onCompressed?: (bytes: number) => void;
  /** Called with the size of every inflated chunk, read or skipped. May throw to stop reading. */
  onInflated?: (bytes: number) => void;
}

const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
/** Records that follow the last entry: central directory, ZIP64 end records, end record, signatures. */
const SIG_ARCHIVE_END = new Set([0x02014b50, 0x06054b50, 0x06064b50, 0x07064b50, 0x05054b50, 0x08064b50]);
/** Written before the first header of a split archive that fits one segment (APPNOTE 8.5.4). */
const SIG_SPLIT_MARKERS = new Set([SIG_DESCRIPTOR, 0x30304b50]);
const LOCAL_HEADER_BYTES = 30;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const ZIP64_EXTRA = 0x0001;
/** Info-ZIP Unicode Path: the UTF-8 name of an entry whose header name is in the legacy code page. */
const UNICODE_PATH_EXTRA = 0x7075;
const U32_MAX = 0xffffffff;
const EMPTY = new Uint8Array(0);

/** Code page 437, bytes 0x80–0xFF (the lower half is ASCII). */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

/**
 * The archive as a cursor over its chunks: header-sized reads are made contiguous, entry data is handed
 * out in the source's own chunks (no copy). Never holds more than the current chunk and a header's worth.
 */
class ArchiveCursor {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Archive offset of `buf[0]`. */
  private bufStart = 0;
  ended = false;

  constructor(
    private readonly input: AsyncIterator<Uint8Array>,
    private readonly onBytes: (n: number) => void,
  ) {}

  /** Archive offset of the next unread byte. */
  get offset(): number {
    return this.bufStart + this.pos;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** The unread bytes of the current buffer. Valid until the next read. */
  view(): Uint8Array {
    return this.buf.subarray(this.pos);
  }

  advance(n: number): void {
    this.pos += n;
  }

  /** Steps back over the last `n` bytes handed out by `readUpTo` (they are still in the buffer). */
  unread(n: number): void {
    this.pos -= n;
  }

  private async pull(): Promise<Uint8Array | null> {
    while (!this.ended) {
      const r = await this.input.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      if (r.value.length === 0) continue;
      this.onBytes(r.value.length);
      return r.value;
    }
    return null;
  }

  /** Makes at least `n` bytes contiguous in `view()`; false if the archive ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      if (!(await this.more())) return false;
    }
    return true;
  }

  /** Appends the next chunk to the unread bytes; false at the end of the archive. */
  async more(): Promise<boolean> {
    const chunk = await this.pull();
    if (!chunk) return false;
    if (this.available === 0) {
      this.bufStart += this.buf.length;
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(this.available + chunk.length);
      joined.set(this.view());
      joined.set(chunk, this.available);
      this.bufStart += this.pos;
      this.buf = joined;
    }
    this.pos = 0;
    return true;
  }

  /** Up to `max` (> 0) bytes, fewer at a chunk's end; null at the end of the archive. */
  async readUpTo(max: number): Promise<Uint8Array | null> {
    if (this.available === 0 && !(await this.more())) return null;
    const n = Math.min(max, this.available);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips `n` bytes; false if the archive ends first. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      const piece = await this.readUpTo(n);
      if (!piece) return false;
      n -= piece.length;
    }
    return true;
  }
}

interface LocalHeader {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Flag bit 3: CRC and sizes (unless given here anyway) come in a data descriptor after the data. */
  descriptor: boolean;
  /** A ZIP64 extra field is present: sizes in the data descriptor are 8 bytes each. */
  zip64: boolean;
}

type Fail = (code: 'truncated-archive' | 'corrupt-archive', detail: string, cause?: unknown) => NetworkflowError;

/**
 * Streams the entries of a zip archive, directories left out. Pulls the archive only as fast as entry
 * bytes are read; an entry left unread or read partly is skipped (by size, or inflated to its end when its
 * size comes after it). Leaving the iteration frees every zlib handle and returns the source iterator.
 */
export async function* readZip(source: AsyncIterable<Uint8Array>, archive: string, hooks: ZipReadHooks = {}): AsyncGenerator<ZipEntry, void, undefined> {
  const input = source[Symbol.asyncIterator]();
  const cursor = new ArchiveCursor(input, hooks.onCompressed ?? (() => {}));
  const onInflated = hooks.onInflated ?? (() => {});
  let entries = 0;
  let current: EntryReader | undefined;
  try {
    for (let first = true; ; first = false) {
      const headerAt = cursor.offset;
      if (!(await cursor.ensure(4))) {
        throw zipError(archive, 'truncated-archive', `the file ends at byte ${headerAt}, before the zip's central directory`);
      }
      const sig = u32(cursor.view(), 0);
      if (first && SIG_SPLIT_MARKERS.has(sig)) {
        cursor.advance(4);
        continue;
      }
      if (SIG_ARCHIVE_END.has(sig)) break;
      if (sig !== SIG_LOCAL) {
        throw zipError(archive, 'corrupt-archive', `no zip entry header at byte ${headerAt} (found 0x${sig.toString(16).padStart(8, '0')})`);
      }
      const header = await readLocalHeader(cursor, archive);
      entries++;
      const fail: Fail = (code, detail, cause) => zipError(archive, code, `entry ${header.name}: ${detail}`, cause);
      current = new EntryReader(header, cursor, fail, onInflated);
      if (!header.name.endsWith('/')) yield { name: header.name, bytes: current.bytes() };
      // the consumer read the entry, stopped early or never started: find the next header
      await current.skip();
      current = undefined;
    }
    if (entries === 0) throw zipError(archive, 'corrupt-archive', 'zip archive without entries');
    while (await cursor.skip(Number.MAX_SAFE_INTEGER)); // the central directory: read to the end, unused
  } finally {
    // an error or an abandoned iteration: no zlib handle outlives the archive, and the source is released
    current?.destroy();
    if (!cursor.ended) await input.return?.();
  }
}

function zipError(archive: string, code: 'truncated-archive' | 'corrupt-archive', detail: string, cause?: unknown): NetworkflowError {
  return code === 'truncated-archive'
    ? new NetworkflowError(code, `${archive}: truncated zip data (${detail})`, 'download the object again', { cause })
    : new NetworkflowError(code, `${archive}: corrupt zip data (${detail})`, 'check that the object is a valid zip archive', { cause });
}

async function readLocalHeader(cursor: ArchiveCursor, archive: string): Promise<LocalHeader> {
  const at = cursor.offset;
  const truncated = () => zipError(archive, 'truncated-archive', `the file ends inside the entry header at byte ${at}`);
  if (!(await cursor.ensure(LOCAL_HEADER_BYTES))) throw truncated();
  let b = cursor.view();
  const flags = u16(b, 6);
  const method = u16(b, 8);
  const crc = u32(b, 14);
  let compressedSize = u32(b, 18);
  let size = u32(b, 22);
  const nameLength = u16(b, 26);
  const extraLength = u16(b, 28);
  const total = LOCAL_HEADER_BYTES + nameLength + extraLength;
  if (!(await cursor.ensure(total))) throw truncated();
  b = cursor.view();
  const nameBytes = b.subarray(LOCAL_HEADER_BYTES, LOCAL_HEADER_BYTES + nameLength);
  let name = flags & FLAG_UTF8 ? Buffer.from(nameBytes).toString('utf8') : decodeCp437(nameBytes);
  let zip64 = false;
  const extra = b.subarray(LOCAL_HEADER_BYTES + nameLength, total);
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = u16(extra, i);
    const len = u16(extra, i + 2);
    const data = extra.subarray(i + 4, i + 4 + len);
    if (id === ZIP64_EXTRA) {
      zip64 = true;
      // only the fields whose header value is 0xFFFFFFFF are here, in this order
      let k = 0;
      if (size === U32_MAX && k + 8 <= data.length) {
        size = u64(data, k);
        k += 8;
      }
      if (compressedSize === U32_MAX && k + 8 <= data.length) compressedSize = u64(data, k);
    } else if (id === UNICODE_PATH_EXTRA && data.length > 5 && data[0] === 1 && u32(data, 1) === crc32(nameBytes)) {
      // written by Info-ZIP's zip for names it cannot flag as UTF-8; valid only while the CRC matches the header name
      name = Buffer.from(data.subarray(5)).toString('utf8');
    }
    i += 4 + len;
  }
  cursor.advance(total);
  if (flags & FLAG_ENCRYPTED) {
    throw zipError(archive, 'corrupt-archive', `entry ${name}: encrypted entries are not supported; decrypt the archive first`);
  }
  return { name, flags, method, crc, compressedSize, size, descriptor: (flags & FLAG_DESCRIPTOR) !== 0, zip64 };
}

/** What an entry's data turned out to be, checked against the header or the data descriptor. */
interface EntryTotals {
  crc: number;
  compressedSize: number;
  size: number;
}

/** Reads (or skips) one entry's data, leaving the cursor at the next header. */
class EntryReader {
  private crc = 0;
  private inflated = 0;
  /** Compressed bytes of the entry handed out or given to zlib so far. */
  private consumed = 0;
  private checkCrc = true;
  private done = false;
  private failure: unknown = null;
  private inflater: RawInflater | undefined;
  private feeding: Promise<void> | undefined;
  private feedStop = false;
  /** What stopped the feeding: a source error (passed on as is) or a truncated archive. */
  private feedFailure: unknown = null;
  /** The archive ended while the entry's data was being read. */
  private sourceEnded = false;

  constructor(
    private readonly header: LocalHeader,
    private readonly cursor: ArchiveCursor,
    private readonly fail: Fail,
    private readonly onInflated: (n: number) => void,
  ) {}

  async *bytes(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = await this.next();
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Skips what the consumer did not read; rethrows the entry's failure. */
  async skip(): Promise<void> {
    if (this.done) return;
    this.checkCrc = false; // unread bytes: their checksum guards nothing
    const { method, descriptor, compressedSize } = this.header;
    if (method === 8 && !descriptor && this.failure === null) {
      // known size: stop inflating and skip the rest of the compressed bytes
      this.feedStop = true;
      this.inflater?.destroy();
      await this.feeding;
      if (this.feedFailure !== null) throw this.feedFailure; // e.g. the source failed while zlib had input
      if (!(await this.cursor.skip(compressedSize - this.consumed))) throw this.fail('truncated-archive', 'the file ends inside the entry');
      this.done = true;
      return;
    }
    while ((await this.next()) !== null);
  }

  /** Frees the zlib handle of an entry abandoned with the archive. */
  destroy(): void {
    this.feedStop = true;
    this.done = true;
    this.inflater?.destroy();
  }

  /** The next chunk of entry bytes, or null at its end (after its checks). Errors repeat once thrown. */
  private async next(): Promise<Uint8Array | null> {
    if (this.done) return null;
    if (this.failure !== null) throw this.failure;
    try {
      const chunk = await this.nextChunk();
      if (chunk === null) this.done = true;
      return chunk;
    } catch (err) {
      this.failure = err;
      this.inflater?.destroy();
      throw err;
    }
  }

  private nextChunk(): Promise<Uint8Array | null> {
    const { method, descriptor, compressedSize } = this.header;
    if (method === 8) return descriptor || compressedSize > 0 ? this.nextInflated() : this.finish();
    if (method === 0) return descriptor && compressedSize === 0 ? this.nextStoredUnsized() : this.nextStored();
    throw this.fail('corrupt-archive', `unsupported compression method ${method} (only stored and deflate are)`);
  }

  private count(chunk: Uint8Array): Uint8Array {
    if (this.checkCrc) this.crc = crc32(chunk, this.crc);
    this.inflated += chunk.length;
    this.onInflated(chunk.length);
    return chunk;
  }

  private async nextStored(): Promise<Uint8Array | null> {
    const left = this.header.compressedSize - this.consumed;
    if (left === 0) return this.finish();
    const piece = await this.cursor.readUpTo(left);
    if (!piece) throw this.fail('truncated-archive', 'the file ends inside the entry');
    this.consumed += piece.length;
    return this.count(piece);
  }

  /**
   * Stored data of unknown size ends where a data descriptor follows (with its signature, as streaming
   * zippers write it) whose sizes match the bytes before it: the only way to find its end. Its CRC is then
   * checked like any other.
   */
  private async nextStoredUnsized(): Promise<Uint8Array | null> {
    const width = this.header.zip64 ? 8 : 4;
    const read = width === 8 ? u64 : u32;
    const need = 4 + 4 + 2 * width;
    for (;;) {
      const view = this.cursor.view();
      let at = view.indexOf(0x50);
      for (; at !== -1 && at + need <= view.length; at = view.indexOf(0x50, at + 1)) {
        const size = this.consumed + at;
        if (u32(view, at) !== SIG_DESCRIPTOR || read(view, at + 8) !== size % 2 ** (8 * width) || read(view, at + 8 + width) !== size % 2 ** (8 * width)) continue;
        if (at > 0) return this.takeStored(at); // the bytes before the descriptor; it is matched again next call
        this.cursor.advance(need);
        if (this.checkCrc && u32(view, 4) !== this.crc) throw this.crcMismatch(u32(view, 4));
        return null;
      }
      // bytes before any possible descriptor start are entry data
      const safe = at === -1 ? Math.max(0, view.length - 3) : at;
      if (safe > 0) return this.takeStored(safe);
      if (!(await this.cursor.more())) throw this.fail('truncated-archive', 'the file ends inside the entry or its data descriptor');
    }
  }

  private takeStored(n: number): Uint8Array {
    const piece = this.cursor.view().subarray(0, n);
    this.cursor.advance(n);
    this.consumed += n;
    return this.count(piece);
  }

  private async nextInflated(): Promise<Uint8Array | null> {
    if (!this.inflater) {
      this.inflater = new RawInflater();
      this.feeding = this.feed(this.inflater);
    }
    let out: Buffer | null;
    try {
      out = await this.inflater.read();
    } catch (err) {
      if (err instanceof NetworkflowError || err === this.feedFailure) throw err;
      if (this.sourceEnded) throw this.fail('truncated-archive', 'the file ends inside the entry', err);
      throw this.fail('corrupt-archive', `bad deflate data (${(err as Error).message})`, err);
    }
    if (out) return this.count(out);
    await this.feeding;
    if (this.feedFailure !== null) throw this.feedFailure; // after zlib had all it needed, e.g. cut in padding
    this.inflater.destroy(); // the stream has ended: free the zlib handle now
    this.inflater = undefined;
    return this.finish();
  }

  /**
   * Gives zlib the entry's compressed bytes, one source chunk at a time, each once zlib has taken the one
   * before (and zlib takes none while its output waits for a slow reader). A known size is fed exactly;
   * an unknown one until the deflate stream ends, and the bytes after its end go back to the cursor.
   */
  private async feed(inflater: RawInflater): Promise<void> {
    const { descriptor, compressedSize } = this.header;
    try {
      for (;;) {
        const left = descriptor ? Number.MAX_SAFE_INTEGER : compressedSize - this.consumed;
        if (left === 0) break;
        const piece = await this.cursor.readUpTo(left);
        if (this.feedStop) {
          if (piece) this.cursor.unread(piece.length); // skipping by size continues from here
          return;
        }
        if (!piece) {
          this.sourceEnded = true;
          if (!descriptor) throw this.fail('truncated-archive', 'the file ends inside the entry');
          break; // zlib says whether the deflate stream was complete
        }
        const used = await inflater.write(piece);
        if (inflater.stopped) {
          this.consumed += piece.length;
          return;
        }
        this.consumed += used;
        if (used < piece.length) {
          // the deflate stream ended inside this piece
          if (descriptor) {
            this.cursor.unread(piece.length - used);
          } else {
            // padding after the stream's end inside the entry's recorded size: skipped (the CRC still checks the data)
            if (!(await this.cursor.skip(compressedSize - this.consumed - (piece.length - used)))) {
              this.sourceEnded = true;
              throw this.fail('truncated-archive', 'the file ends inside the entry');
            }
            this.consumed = compressedSize;
          }
          break;
        }
      }
      inflater.end();
    } catch (err) {
      this.feedFailure = err;
      inflater.fail(err as Error);
    }
  }

  /** All data read: check it against the header, or read and check the data descriptor. */
  private async finish(): Promise<null> {
    const { header } = this;
    const actual: EntryTotals = { crc: this.crc, compressedSize: this.consumed, size: this.inflated };
    const expected = header.descriptor ? await this.readDescriptor(actual) : header;
    if (expected.compressedSize !== actual.compressedSize || expected.size !== actual.size) {
      throw this.fail(
        'corrupt-archive',
        `sizes ${actual.compressedSize}/${actual.size} do not match the recorded ${expected.compressedSize}/${expected.size} (compressed/inflated)`,
      );
    }
    if (this.checkCrc && expected.crc !== actual.crc) throw this.crcMismatch(expected.crc);
    return null;
  }

  private crcMismatch(recorded: number): NetworkflowError {
    return this.fail('corrupt-archive', `CRC-32 mismatch (recorded ${hex(recorded)}, data ${hex(this.crc)}): the data is damaged`);
  }

  /**
   * The data descriptor: optional signature, CRC-32, then compressed and inflated sizes (8 bytes each for
   * ZIP64). Of the possible layouts, the one whose sizes match the data is taken, so a CRC that happens to
   * equal the signature cannot mislead.
   */
  private async readDescriptor(actual: EntryTotals): Promise<EntryTotals> {
    const widths = this.header.zip64 ? [8, 4] : [4, 8];
    await this.cursor.ensure(24); // may be fewer at the end of a (broken) archive; checked per layout below
    const view = this.cursor.view();
    const hasSig = view.length >= 4 && u32(view, 0) === SIG_DESCRIPTOR;
    for (const skip of hasSig ? [4, 0] : [0]) {
      for (const width of widths) {
        const length = skip + 4 + 2 * width;
        if (view.length < length) continue;
        const read = width === 8 ? u64 : u32;
        const found = { crc: u32(view, skip), compressedSize: read(view, skip + 4), size: read(view, skip + 4 + width) };
        const wrap = 2 ** (8 * width);
        if (found.compressedSize === actual.compressedSize % wrap && found.size === actual.size % wrap) {
          this.cursor.advance(length);
          return { ...found, compressedSize: actual.compressedSize, size: actual.size };
        }
      }
    }
    if (this.cursor.ended && view.length < 4 + 4 + 2 * widths[0]) {
      throw this.fail('truncated-archive', 'the file ends inside the data descriptor');
    }
    throw this.fail('corrupt-archive', `no data descriptor matching the entry's ${actual.compressedSize} compressed and ${actual.size} inflated bytes`);
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
