/**
 * Local inputs for `networkflow parse`: files, folders (read recursively, in name order) and `-` for
 * standard input. Bytes are streamed, never read whole. (Issue #3 puts this behind ObjectSource.)
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const STDIN = '-';

export interface LocalInput {
  /** The name used in records and messages: the path as given, or joined below a given folder. */
  name: string;
  path: string;
}

export interface LocalListing {
  inputs: LocalInput[];
  /** Paths that do not exist or cannot be read: reported as failed inputs. */
  missing: { path: string; message: string }[];
}

export async function listLocalInputs(paths: readonly string[]): Promise<LocalListing> {
  const inputs: LocalInput[] = [];
  const missing: LocalListing['missing'] = [];
  const walk = async (dir: string) => {
    const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) inputs.push({ name: p, path: p });
    }
  };
  for (const p of paths) {
    if (p === STDIN) {
      inputs.push({ name: 'stdin', path: STDIN });
      continue;
    }
    try {
      const st = await stat(p);
      if (st.isDirectory()) await walk(p);
      else inputs.push({ name: p, path: p });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      missing.push({ path: p, message: e.code === 'ENOENT' ? 'no such file or folder' : e.message });
    }
  }
  return { inputs, missing };
}

export function openLocalInput(input: LocalInput): AsyncIterable<Uint8Array> {
  if (input.path === STDIN) return process.stdin;
  return createReadStream(input.path, { highWaterMark: 256 * 1024 });
}
