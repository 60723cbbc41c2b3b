/**
 * Cloud logs that the clouds write to object storage — CloudTrail's S3 objects, Azure diagnostic-settings
 * blobs (`insights-logs-*`, `insights-activity-logs`), Cloud Logging sinks to GCS, CloudWatch exports — as
 * a LogSource, so `networkflow logs pull` stores them in the events table with the same checkpoints,
 * resume and dedupe as the log APIs.
 *
 * Objects are read in key order (the order every store lists in), those whose path time (Azure y=/m=/d=/h=,
 * AWS yyyy/mm/dd) lies outside the window are skipped; objects without a time in their path are read in
 * every window. Each object's events go out in pages of at most `pageEvents`. The cursor names the object
 * being read and how many of its events are already delivered, so a pull stopped inside a large object
 * re-reads it and skips what was stored; after an object, the cursor moves past its key.
 */
import { NetworkflowError, type EventRecord, type Diagnostic } from '../model/index.js';
import type { LogCursor, LogPage, LogSource, LogWindow } from '../sources/logs/types.js';
import { openSource } from '../sources/open.js';
import { DEFAULT_RETRY_POLICY, resilientRead, type RetryPolicy } from '../sources/retry.js';
import { inWindow } from '../sources/time-window.js';
import type { ObjectInfo, ObjectSource } from '../sources/types.js';
import { parseLocation, type SourceOptions } from '../sources/uri.js';
import { decodeFlows } from './decode.js';

export interface ObjectLogSourceOptions {
  /** `s3://bucket/prefix`, `azure://account/container/prefix`, `gs://bucket/prefix`, or a local folder. */
  uri: string;
  /** Object-store endpoint (emulators, sovereign clouds); credentials from each cloud's chain. */
  source?: SourceOptions;
  /** Events per page (default 10,000). */
  pageEvents?: number;
  retry?: RetryPolicy;
  /** Test seam: how the object store is opened. */
  open?: typeof openSource;
}

const DEFAULT_PAGE_EVENTS = 10_000;
/** Objects named by the hour they were written hold events from just before it (delivery takes minutes). */
const PATH_SLACK_MS = 15 * 60_000;

interface ObjectCursor {
  /** Keys up to and including this one are done. */
  after: string | null;
  /** The object being read, and how many of its events are stored. */
  key?: string;
  skip?: number;
}

export function createObjectLogSource(options: ObjectLogSourceOptions): LogSource {
  const location = parseLocation(options.uri);
  if (location.kind === 'stdin') throw new NetworkflowError('bad-option', 'a log source must be a folder or an object-store URI, not standard input');
  const pageEvents = options.pageEvents ?? DEFAULT_PAGE_EVENTS;
  const open = options.open ?? openSource;
  return {
    provider: location.kind === 's3' ? 'aws' : location.kind === 'azure' ? 'azure' : location.kind === 'gcs' ? 'gcp' : 'aws',
    id: `objects:${location.uri}`,
    description: `log objects under ${location.uri}`,
    async *pages(window: LogWindow, cursor: LogCursor | null, signal?: AbortSignal): AsyncGenerator<LogPage, void, undefined> {
      const state = (cursor ?? { after: null }) as unknown as ObjectCursor;
      const store = await open(location, options.source ?? {});
      try {
        let after = state.after;
        for await (const page of store.list({ signal })) {
          for (const info of page) {
            if (after !== null && info.key <= after && info.key !== state.key) continue;
            if (!inWindow(info.key, window.since, window.until, PATH_SLACK_MS)) continue;
            const skip = info.key === state.key ? (state.skip ?? 0) : 0;
            yield* readObject(store, info, skip, after, pageEvents, options.retry ?? DEFAULT_RETRY_POLICY, signal);
            after = info.key;
          }
        }
        yield { events: [], diagnostics: [], cursor: null, requests: 0 };
      } finally {
        await store.close();
      }
    },
  };
}

/** One object's events in pages; the last page's cursor moves past the object. */
async function* readObject(
  store: ObjectSource,
  info: ObjectInfo,
  skip: number,
  after: string | null,
  pageEvents: number,
  retry: RetryPolicy,
  signal?: AbortSignal,
): AsyncGenerator<LogPage, void, undefined> {
  let events: EventRecord[] = [];
  let diagnostics: Diagnostic[] = [];
  let seen = 0;
  let delivered = skip;
  for await (const ev of decodeFlows(resilientRead(store, info, retry, { target: info.uri, signal }), info.uri, { logs: true })) {
    if (ev.kind === 'entry-failed') {
      diagnostics.push({ object: ev.entry, line: null, field: null, reason: ev.error.code, message: ev.error.message, severity: 'error' });
    } else if (ev.kind === 'batch') {
      // a flow log among the log objects: not for the events table
      diagnostics.push({ object: ev.entry, line: null, field: null, reason: 'flow-log-object', message: `${ev.entry} holds flow logs: ingest it with networkflow ingest`, severity: 'warning' });
    } else if (ev.kind === 'events') {
      diagnostics.push(...ev.diagnostics);
      for (const e of ev.events) {
        if (seen++ < skip) continue;
        events.push(e);
        if (events.length >= pageEvents) {
          delivered += events.length;
          yield { events, diagnostics, cursor: { after, key: info.key, skip: delivered }, requests: 1 };
          events = [];
          diagnostics = [];
        }
      }
    }
  }
  yield { events, diagnostics, cursor: { after: info.key }, requests: 1 };
}
