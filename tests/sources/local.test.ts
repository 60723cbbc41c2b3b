import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLocalSource, fsError, LocalSource } from '../../src/sources/local.js';
import { SourceError, type ObjectInfo } from '../../src/sources/types.js';
import { parseLocation } from '../../src/sources/uri.js';
import { objectSourceContract } from './contract.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nf-local-'));
}

objectSourceContract('local folder', async () => {
  const dir = tempDir();
  return {
    source: new LocalSource(dir),
    async put(key, body) {
      const file = path.join(dir, ...key.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

async function listKeys(source: LocalSource, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of source.list({ prefix })) keys.push(...page.map((i: ObjectInfo) => i.key));
  return keys;
}

async function drain(iter: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of iter) parts.push(c);
  return Buffer.concat(parts);
}

describe('LocalSource', () => {
  it('lists in plain key order (a-c before a/b), skips unfinished writes, follows links to files only', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'a'));
    writeFileSync(path.join(dir, 'a', 'b'), 'x');
    writeFileSync(path.join(dir, 'a-c'), 'x');
    writeFileSync(path.join(dir, 'B'), 'x');
    writeFileSync(path.join(dir, '.nf-tmp-123-half'), 'x');
    symlinkSync(path.join(dir, 'a-c'), path.join(dir, 'link-to-file'));
    symlinkSync(path.join(dir, 'a'), path.join(dir, 'link-to-folder'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    const source = new LocalSource(dir);
    const keys = await listKeys(source);
    expect(keys).toEqual(['B', 'a-c', 'a/b', 'link-to-file']);
    expect(keys).toEqual([...keys].sort());
    expect(await listKeys(source, 'a/')).toEqual(['a/b']);
    expect(await listKeys(source, 'a')).toEqual(['a-c', 'a/b']);
  });

  it('skips a file removed while the listing is under way', async () => {
    const dir = tempDir();
    for (const n of ['a', 'b', 'c']) writeFileSync(path.join(dir, n), n);
    const seen: string[] = [];
    for await (const page of new LocalSource(dir).list({ pageSize: 1 })) {
      seen.push(...page.map((i) => i.key));
      if (seen.length === 1) rmSync(path.join(dir, 'b'));
    }
    expect(seen).toEqual(['a', 'c']);
  });

  it('names objects by file:// URI under its root, and takes a location', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'with space.log'), 'hello');
    const source = createLocalSource(parseLocation(dir));
    expect(source.uri).toBe(pathToFileURL(dir).href);
    const info = await source.stat('with space.log');
    expect(info.uri).toBe(pathToFileURL(path.join(dir, 'with space.log')).href);
    expect(info.uri).toContain('with%20space.log');
    expect(() => createLocalSource(parseLocation('s3://bucket/x'))).toThrow(/not a local location/);
  });

  it('changes the etag when a file is rewritten', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f.log');
    writeFileSync(file, 'one');
    const source = new LocalSource(dir);
    const before = await source.stat('f.log');
    writeFileSync(file, 'two');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const after = await source.stat('f.log');
    expect(after.etag).not.toBe(before.etag);
    const e = await drain(source.read('f.log', { ifMatch: before.etag! })).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).status).toBe(412);
  });

  it('rejects keys that would leave the folder', async () => {
    const source = new LocalSource(tempDir());
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', '', 'a//b', './a']) {
      await expect(source.stat(key), key).rejects.toMatchObject({ transient: false, message: expect.stringMatching(/not a valid key/) });
    }
    await expect(source.write('../x', (async function* () {})())).rejects.toBeInstanceOf(SourceError);
  });

  it('reports a missing root, a folder key and an empty range plainly', async () => {
    const missing = new LocalSource(path.join(tempDir(), 'nope'));
    await expect(listKeys(missing)).rejects.toMatchObject({ transient: false, message: expect.stringContaining('no such file or folder') });
    const dir = tempDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'f'), '0123456789');
    const source = new LocalSource(dir);
    await expect(source.stat('sub')).rejects.toMatchObject({ message: expect.stringContaining('is a folder') });
    await expect(drain(source.read('sub'))).rejects.toMatchObject({ transient: false });
    expect((await drain(source.read('f', { start: 5, end: 5 }))).length).toBe(0);
    expect((await drain(source.read('f', { start: 8, end: 100 }))).toString()).toBe('89');
    expect((await drain(source.read('f', { start: 20 }))).length).toBe(0);
  });

  it('stops a read when its signal aborts', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(2_000_000));
    const source = new LocalSource(dir);
    const controller = new AbortController();
    let chunks = 0;
    const run = (async () => {
      for await (const _ of source.read('big', { signal: controller.signal })) {
        chunks++;
        controller.abort(new Error('stop'));
      }
    })();
    await expect(run).rejects.toBeDefined();
    expect(chunks).toBe(1);
  });

  it('maps permission errors to permanent and descriptor exhaustion to transient', async () => {
    expect(fsError(Object.assign(new Error('x'), { code: 'EACCES' }), 'file:///x')).toMatchObject({ transient: false, message: expect.stringContaining('permission denied') });
    expect(fsError(Object.assign(new Error('x'), { code: 'EMFILE' }), 'file:///x')).toMatchObject({ transient: true });
    expect(fsError(Object.assign(new Error('x'), { code: 'EAGAIN' }), 'file:///x')).toMatchObject({ transient: true });
    expect(fsError(new Error('odd'), 'file:///x')).toMatchObject({ transient: false, message: 'file:///x: odd' });
    const same = new SourceError('s', { transient: true, target: 't' });
    expect(fsError(same, 't')).toBe(same);
    if (process.getuid?.() !== 0) {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'secret'), 'x');
      chmodSync(path.join(dir, 'secret'), 0o000);
      await expect(drain(new LocalSource(dir).read('secret'))).rejects.toMatchObject({ transient: false, message: expect.stringContaining('permission denied') });
    }
  });

  it('writes atomically: a failing body leaves no file and no temporary behind', async () => {
    const dir = tempDir();
    const source = new LocalSource(dir);
    async function* failing() {
      yield new Uint8Array([1, 2, 3]);
      throw new Error('body failed');
    }
    await expect(source.write('deep/x.bin', failing())).rejects.toBeInstanceOf(SourceError);
    expect(readdirSync(path.join(dir, 'deep'))).toEqual([]);
    const info = await source.write('deep/x.bin', (async function* () {
      yield new Uint8Array([7]);
    })());
    expect(info).toMatchObject({ key: 'deep/x.bin', size: 1 });
    expect(readdirSync(path.join(dir, 'deep'))).toEqual(['x.bin']);
    await source.close();
  });
});
