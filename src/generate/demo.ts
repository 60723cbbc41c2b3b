/**
 * The built-in demo data (`networkflow dashboard` with no source): 48 hours of csv-zip with a fixed seed and
 * start, generated once into a cache folder and reused. Generation writes to a temporary sibling folder
 * that is renamed into place, so an interrupted run never leaves half a data set behind.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateFlowLogs, type GenerateOptions } from './generate.js';
import { localObjectWriter } from './object-writer.js';

export const DEMO_VERSION = 'demo-v1';
export const DEMO_OPTIONS: GenerateOptions = {
  format: 'csv-zip',
  hours: 48,
  seed: 42,
  start: '2026-11-02T00:00:00Z',
  flowsPerHour: 20_000,
};

/** networkflow's cache folder: $XDG_CACHE_HOME/networkflow, else ~/.cache/networkflow. */
export function networkflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'networkflow');
}

export function defaultDemoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(networkflowCacheDir(env), DEMO_VERSION);
}

const pending = new Map<string, Promise<string>>();

/** The demo data folder, generating it on first use; `options` overrides the demo settings (for tests). */
export function ensureDemoData(cacheDir: string = defaultDemoCacheDir(), options: GenerateOptions = DEMO_OPTIONS): Promise<string> {
  const dir = path.resolve(cacheDir);
  let p = pending.get(dir);
  if (!p) {
    p = makeDemo(dir, options).finally(() => pending.delete(dir));
    pending.set(dir, p);
  }
  return p;
}

async function makeDemo(dir: string, options: GenerateOptions): Promise<string> {
  if (await exists(path.join(dir, 'truth.json'))) return dir;
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await generateFlowLogs(localObjectWriter(tmp), options);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // another process finished first: use its copy
      if (await exists(path.join(dir, 'truth.json'))) return dir;
      throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
