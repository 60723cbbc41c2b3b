/**
 * A parsing worker thread: takes object tasks from the ingest coordinator, runs them one at a time and
 * posts columnar batches back (their buffers transferred, not copied). At most MAX_IN_FLIGHT batches are
 * unacknowledged: when the writer falls behind, the worker stops reading (backpressure).
 */
import { parentPort } from 'node:worker_threads';
import { transferList } from '../store/column-batch.js';
import { runObjectTask, SourceCache, type ObjectTask, type TaskMessage } from './object-task.js';

/** Batches (32k rows each by default) a worker may have waiting for the writer before it pauses. */
export const MAX_IN_FLIGHT = 4;

export type ToWorker = { type: 'task'; task: ObjectTask } | { type: 'ack' } | { type: 'close' };

const port = parentPort;
if (port) {
  const sources = new SourceCache();
  let credits = MAX_IN_FLIGHT;
  let wake: (() => void) | null = null;
  let lastProgress = 0;
  const post = async (m: TaskMessage): Promise<void> => {
    if (m.type === 'batch') {
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port.postMessage(m, transferList(m.batch));
    } else if (m.type === 'progress') {
      const now = Date.now();
      if (now - lastProgress < 200) return;
      lastProgress = now;
      port.postMessage(m);
    } else {
      port.postMessage(m);
    }
  };
  let chain = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'ack') {
      credits++;
      const w = wake;
      wake = null;
      w?.();
    } else if (m.type === 'task') {
      chain = chain.then(() => runObjectTask(m.task, sources, post));
    } else {
      void chain.then(() => sources.close()).finally(() => port.close());
    }
  });
}
