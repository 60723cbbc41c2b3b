/**
 * The manifest: the one file that says what the lake holds. Every ingested object (uri, etag, size, counts,
 * the files its rows went to) and every live Parquet file (rows, time range, the objects in it).
 *
 * It is the commit point of the crash discipline: data files are written under temporary names, renamed
 * into place, and only then is the manifest replaced (write to a temporary file, fsync, rename, fsync the
 * folder). A file that is on disk but not in the manifest was never committed and is deleted by the next
 * run; readers query only the files the manifest lists, so they never see half an ingest.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE } from './schema.js';

export const MANIFEST_VERSION = 1;

export interface ManifestObject {
  /** Stable id written into every row of the object (`object_id`). */
  id: number;
  uri: string;
  etag: string | null;
  size: number | null;
  lastModified: number | null;
  /** Rows written to the lake. */
  records: number;
  /** Rows rejected, by reason. */
  badRecords: number;
  badByReason: Record<string, number>;
  /** Lake-relative paths of the files holding rows of this object. */
  files: string[];
  /** Epoch ms of the ingest that committed it. */
  ingestedAt: number;
  /**
   * Some of its rows are live but not all were written when the manifest was committed (a run was
   * interrupted mid-object): the next run removes its rows and ingests it again.
   */
  partial?: boolean;
  /** Set when the object failed as a whole (corrupt archive, unreadable): retried on the next run. */
  failed?: { code: string; message: string };
}

export interface ManifestFile {
  /** Lake-relative path, e.g. `flows/date=2026-11-02/hour=03/f-000012-1a2b.parquet`. */
  path: string;
  /** `YYYY-MM-DD` and 0–23: the partition. */
  date: string;
  hour: number;
  rows: number;
  bytes: number;
  /** Epoch ms of the first and last `timestamp` in the file (rows without a timestamp are not stored). */
  minTime: number;
  maxTime: number;
  /** Ids of the objects with rows in this file. */
  objects: number[];
  /**
   * The dashboard rollups of exactly this file's rows (rollup name → file), written and committed together
   * with it, so a rollup can never disagree with the raw rows it summarizes; see rollups.ts.
   */
  rollups?: Record<string, { path: string; rows: number }>;
}

export interface Manifest {
  version: number;
  nextObjectId: number;
  /** Sequence for file names, so names never repeat across runs. */
  nextFileSeq: number;
  /** Keyed by object uri. */
  objects: Record<string, ManifestObject>;
  /** Keyed by lake-relative path. */
  files: Record<string, ManifestFile>;
  /** Epoch ms of the last commit. */
  updatedAt: number;
}

export function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, nextObjectId: 1, nextFileSeq: 1, objects: {}, files: {}, updatedAt: 0 };
}

/** Reads the manifest of a data directory; an absent one is an empty lake. */
export async function readManifest(dataDir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyManifest();
    throw err;
  }
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION) {
    throw new Error(`${path.join(dataDir, MANIFEST_FILE)}: manifest version ${String(m.version)} is not ${MANIFEST_VERSION}; re-ingest into a new data dir`);
  }
  return m;
}

/** Replaces the manifest atomically and durably. */
export async function writeManifest(dataDir: string, manifest: Manifest): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  manifest.updatedAt = Date.now();
  await replaceJsonFile(path.join(dataDir, MANIFEST_FILE), manifest);
}

/** Writes `value` as JSON to `target` atomically and durably: temp file + fsync + rename + fsync of the folder. */
export async function replaceJsonFile(target: string, value: unknown): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(value));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await syncDir(path.dirname(target));
}

/** fsync of a folder, so a rename in it survives a power cut (a no-op where the platform refuses it). */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // some platforms and file systems do not allow fsync on a directory
  } finally {
    await fh?.close();
  }
}

/** The live data files of the lake, optionally only those that may hold rows in [since, until). */
export function liveFiles(manifest: Manifest, since?: number, until?: number): ManifestFile[] {
  return Object.values(manifest.files)
    .filter((f) => (since === undefined || f.maxTime >= since) && (until === undefined || f.minTime < until))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
