/**
 * A local folder as an ObjectSource (`file://` URIs and plain paths): keys are `/`-separated paths
 * relative to the folder, listed recursively in key order; reads stream with ranges; writes go to a
 * temporary name in the same folder and are renamed into place, so a reader never sees half an object.
 * The ETag is size + modification time, which changes whenever the content is rewritten.
 */
import { createWriteStream, type Dirent, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { SourceError, type ListOptions, type ObjectInfo, type ObjectSource, type ReadOptions } from './types.js';
import type { SourceLocation, SourceOptions } from './uri.js';

/** `-` on the command line: standard input. */
export const STDIN = '-';

const DEFAULT_PAGE_SIZE = 1000;
const READ_CHUNK = 256 * 1024;
/** Temporary files of unfinished writes: never listed. */
const TEMP_MARK = '.nf-tmp-';

const PERMANENT_CODES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'no such file or folder (a part of the path is a file)',
  EACCES: 'permission denied: check the permissions of the file and its folders',
  EPERM: 'operation not permitted: check the permissions of the file and its folders',
  EISDIR: 'is a folder, not a file',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT']);

/** Maps a file-system error to a SourceError: missing or forbidden is permanent; out of descriptors or busy is transient. */
export function fsError(err: unknown, target: string): SourceError {
  if (err instanceof SourceError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const transient = TRANSIENT_CODES.has(code);
  const what = PERMANENT_CODES[code] ?? (transient ? `temporarily unavailable (${code}); retrying may help` : (e?.message ?? String(err)));
  return new SourceError(`${target}: ${what}`, { transient, target, cause: err });
}

export function localEtag(st: Stats): string {
  return `${st.size}-${Math.round(st.mtimeMs * 1000)}`;
}

function byName(a: { sortName: string }, b: { sortName: string }): number {
  return a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0;
}

export class LocalSource implements ObjectSource {
  readonly kind = 'local' as const;
  readonly uri: string;
  /** Absolute path of the folder. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  private fileOf(key: string): string {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw new SourceError(`${this.uri}: '${key}' is not a valid key (relative, '/'-separated, no '.' or '..' parts)`, { transient: false, target: key });
    }
    return path.join(this.root, ...parts);
  }

  private info(key: string, st: Stats): ObjectInfo {
    return { key, uri: pathToFileURL(path.join(this.root, ...key.split('/'))).href, size: st.size, etag: localEtag(st), lastModified: Math.floor(st.mtimeMs) };
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo[]> {
    const pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
    let page: ObjectInfo[] = [];
    for await (const info of this.walk(this.root, '', options.prefix ?? '', options.signal)) {
      page.push(info);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** Siblings sort by name, with `/` after folder names, so the walk yields keys in plain string order. */
  private async *walk(dir: string, keyBase: string, prefix: string, signal: AbortSignal | undefined): AsyncGenerator<ObjectInfo> {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, keyBase === '' ? this.uri : `${this.uri}/${keyBase}`);
    }
    const items: { d: Dirent; st: Stats | null; key: string; sortName: string }[] = [];
    for (const d of entries) {
      if (d.name.startsWith(TEMP_MARK)) continue;
      const key = keyBase + d.name;
      let isDir = d.isDirectory();
      let st: Stats | null = null;
      if (d.isSymbolicLink()) {
        // follow links to files; links to folders are not followed (no cycles)
        st = await stat(path.join(dir, d.name)).catch(() => null);
        if (!st?.isFile()) continue;
        isDir = false;
      } else if (!isDir && !d.isFile()) continue;
      items.push({ d, st, key, sortName: isDir ? `${d.name}/` : d.name });
    }
    items.sort(byName);
    for (const { d, st, key } of items) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        const folderKey = `${key}/`;
        if (folderKey.startsWith(prefix) || prefix.startsWith(folderKey)) yield* this.walk(full, folderKey, prefix, signal);
      } else if (key.startsWith(prefix)) {
        let fileStat = st;
        if (fileStat === null) {
          try {
            fileStat = await stat(full);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while listing
            throw fsError(err, `${this.uri}/${key}`);
          }
        }
        yield this.info(key, fileStat);
      }
    }
  }

  async stat(key: string, _options?: { signal?: AbortSignal }): Promise<ObjectInfo> {
    const file = this.fileOf(key);
    let st: Stats;
    try {
      st = await stat(file);
    } catch (err) {
      throw fsError(err, pathToFileURL(file).href);
    }
    if (!st.isFile()) throw fsError(Object.assign(new Error('not a file'), { code: 'EISDIR' }), pathToFileURL(file).href);
    return this.info(key, st);
  }

  async *read(key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const file = this.fileOf(key);
    const target = pathToFileURL(file).href;
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw fsError(err, target);
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw fsError(Object.assign(new Error('not a file'), { code: 'EISDIR' }), target);
      if (options.ifMatch !== undefined && options.ifMatch !== localEtag(st)) {
        throw new SourceError(`${target}: changed since it was listed (etag ${localEtag(st)}, expected ${options.ifMatch})`, { transient: false, status: 412, target });
      }
      const start = options.start ?? 0;
      const end = Math.min(options.end ?? st.size, st.size);
      if (end <= start) return;
      // createReadStream's `end` is inclusive; ours is exclusive
      const stream = handle.createReadStream({ start, end: end - 1, highWaterMark: READ_CHUNK, autoClose: false });
      try {
        for await (const chunk of stream) {
          options.signal?.throwIfAborted();
          yield chunk as Buffer;
        }
      } catch (err) {
        throw fsError(err, target);
      } finally {
        stream.destroy();
      }
    } finally {
      await handle.close();
    }
  }

  async write(key: string, body: AsyncIterable<Uint8Array>, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const file = this.fileOf(key);
    const target = pathToFileURL(file).href;
    const temp = path.join(path.dirname(file), `${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}-${path.basename(file)}`);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(Readable.from(body, { objectMode: false }), createWriteStream(temp), { signal: options.signal });
      await rename(temp, file);
      return this.info(key, await stat(file));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw fsError(err, target);
    }
  }

  async close(): Promise<void> {}
}

export function createLocalSource(location: SourceLocation, _options: SourceOptions = {}): LocalSource {
  if (location.kind !== 'local' || location.path === undefined) throw new Error(`createLocalSource: not a local location: ${location.uri}`);
  return new LocalSource(location.path);
}

