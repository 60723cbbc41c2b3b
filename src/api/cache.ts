/**
 * Results cached per lake version. The version is a digest of the manifest's content (its files and
 * objects), so it changes exactly when an ingest changed the lake, and every entry of an older version is
 * dropped on refresh.
 *
 * - Anomalies: detection takes seconds on millions of flows, so each (version, filter) is detected once and
 *   kept (up to ANOMALY_ENTRIES filters); the summary aggregate reuses the same detection.
 * - Everything else: a small LRU keyed by (route, normalized query, version); entries are small (top-N rows,
 *   heatmaps, series of ≤ 2,000 buckets).
 * Concurrent requests for one key share one computation (the pending promise is what is cached); a failed
 * computation is not kept.
 */
import { createHash } from 'node:crypto';
import type { Manifest } from '../index.js';

export const LRU_ENTRIES = 256;
export const ANOMALY_ENTRIES = 32;

export class LruCache<T> {
  private readonly entries = new Map<string, Promise<T>>();
  /** Computations actually started (cache misses); tests and logs read it. */
  misses = 0;

  constructor(private readonly capacity: number) {}

  /** The cached value of `key`, or the result of `compute` (cached once it fulfils). */
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key); // re-insert: Map order is the recency order
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const pending = compute();
    this.entries.set(key, pending);
    pending.catch(() => {
      if (this.entries.get(key) === pending) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return pending;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A short digest of what queries depend on (`updatedAt` changes on commits that changed nothing). */
export function lakeVersion(manifest: Readonly<Manifest>): string {
  return createHash('sha256').update(JSON.stringify({ files: manifest.files, objects: manifest.objects })).digest('hex').slice(0, 16);
}
