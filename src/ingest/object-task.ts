/**
 * One object, from its bytes to columnar batches: read (with retries and resumed ranged reads) → unwrap →
 * detect → parse → encode. Runs inside a parsing worker (worker.ts) or, for tests and tiny inputs, in the
 * calling thread; both speak the same messages. `emit` is awaited, so a writer that falls behind slows the
 * reader (backpressure) instead of letting batches pile up.
 */
import type { ContainerLimits } from '../containers/index.js';
import { NetworkflowError } from '../model/index.js';
import { BatchEncoder, DEFAULT_BATCH_ROWS } from './encode-batch.js';
import { decodeFlows } from './decode.js';
import { DEFAULT_RETRY_POLICY, resilientRead } from '../sources/retry.js';
import { openSource } from '../sources/open.js';
import type { ObjectInfo, ObjectSource } from '../sources/types.js';
import type { SourceLocation, SourceOptions } from '../sources/uri.js';
import type { ColumnBatch } from '../store/column-batch.js';
import type { FlowFormatId } from '../parsers/types.js';

export interface ObjectTask {
  objectId: number;
  info: ObjectInfo;
  location: SourceLocation;
  sourceOptions: SourceOptions;
  format: FlowFormatId | 'auto';
  awsFields?: readonly string[];
  limits?: Partial<ContainerLimits>;
  batchRows?: number;
}

export interface ObjectStats {
  records: number;
  entries: number;
  badByReason: Record<string, number>;
  warningsByReason: Record<string, number>;
  infoByReason: Record<string, number>;
  formats: Record<string, number>;
  /** Entries of an archive that could not be read (unknown format, empty): the other entries went through. */
  entryFailures: { entry: string; code: string; message: string }[];
  bytesRead: number;
}

export type TaskMessage =
  | { type: 'batch'; objectId: number; batch: ColumnBatch }
  | { type: 'progress'; objectId: number; bytesRead: number }
  | { type: 'done'; objectId: number; stats: ObjectStats; failure: { code: string; message: string } | null };

/** Opened sources, reused across the objects of one worker (SDK clients are not shared between threads). */
export class SourceCache {
  private readonly sources = new Map<string, Promise<ObjectSource>>();
  get(location: SourceLocation, options: SourceOptions): Promise<ObjectSource> {
    let s = this.sources.get(location.uri);
    if (!s) {
      s = openSource(location, options);
      this.sources.set(location.uri, s);
      s.catch(() => this.sources.delete(location.uri));
    }
    return s;
  }
  async close(): Promise<void> {
    for (const s of this.sources.values()) await (await s.catch(() => null))?.close();
    this.sources.clear();
  }
}

export function emptyStats(): ObjectStats {
  return { records: 0, entries: 0, badByReason: {}, warningsByReason: {}, infoByReason: {}, formats: {}, entryFailures: [], bytesRead: 0 };
}

export async function runObjectTask(task: ObjectTask, sources: SourceCache, emit: (m: TaskMessage) => Promise<void> | void): Promise<void> {
  const stats = emptyStats();
  let failure: { code: string; message: string } | null = null;
  const batchRows = task.batchRows ?? DEFAULT_BATCH_ROWS;
  let encoder = new BatchEncoder({ capacity: batchRows });
  try {
    const source = await sources.get(task.location, task.sourceOptions);
    const policy = task.sourceOptions.retry ?? DEFAULT_RETRY_POLICY;
    const counted = countBytes(resilientRead(source, task.info, policy, { target: task.info.uri }), (n) => {
      stats.bytesRead += n;
    });
    const events = decodeFlows(counted, task.info.uri, { format: task.format, awsFields: task.awsFields, limits: task.limits });
    for await (const ev of events) {
      if (ev.kind === 'entry') {
        stats.entries++;
        stats.formats[ev.format] = (stats.formats[ev.format] ?? 0) + 1;
      } else if (ev.kind === 'entry-failed') {
        stats.entryFailures.push({ entry: ev.entry, code: ev.error.code, message: ev.error.message });
      } else if (ev.kind === 'batch') {
        // (ingest decodes flow formats only: no `events` batches come here)
        for (const d of ev.diagnostics) {
          const bucket = d.severity === 'error' ? stats.badByReason : d.severity === 'warning' ? stats.warningsByReason : stats.infoByReason;
          bucket[d.reason] = (bucket[d.reason] ?? 0) + 1;
        }
        for (const r of ev.records) {
          if (!encoder.add(r)) {
            stats.badByReason['missing-timestamp'] = (stats.badByReason['missing-timestamp'] ?? 0) + 1;
            continue;
          }
          stats.records++;
          if (encoder.full) {
            await emit({ type: 'batch', objectId: task.objectId, batch: encoder.finish() });
            encoder = new BatchEncoder({ capacity: batchRows });
          }
        }
        await emit({ type: 'progress', objectId: task.objectId, bytesRead: stats.bytesRead });
      }
    }
    if (encoder.size > 0) await emit({ type: 'batch', objectId: task.objectId, batch: encoder.finish() });
  } catch (err) {
    failure = describeFailure(err);
  }
  await emit({ type: 'done', objectId: task.objectId, stats, failure });
}

function describeFailure(err: unknown): { code: string; message: string } {
  if (err instanceof NetworkflowError) return { code: err.code, message: err.message };
  const e = err as { name?: string; message?: string; status?: number | null };
  if (e?.name === 'SourceError') return { code: e.status ? `http-${e.status}` : 'source-error', message: e.message ?? String(err) };
  return { code: 'input-unreadable', message: e?.message ?? String(err) };
}

async function* countBytes(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.byteLength);
    yield chunk;
  }
}
