/**
 * One FlowStore has one DuckDB connection, and concurrent requests must not interleave statements on it:
 * every query of the server's store runs through one first-in-first-out queue. The queue sits around each
 * query (not each request), so a long anomaly detection does not hold the connection between its queries
 * and a cheap request waits for one statement, not for the whole detection.
 */
import type { FlowStore } from '../index.js';

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private closed = false;

  /** Runs `task` after every task queued before it has settled (fulfilled or rejected). */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the server is closing'));
    this.waiting++;
    const result = this.tail.then(task, task);
    const settle = () => {
      this.waiting--;
    };
    this.tail = result.then(settle, settle);
    return result;
  }

  /** Settles once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** Refuses new tasks; settles once the queued ones have run (then the connection can close). */
  close(): Promise<void> {
    this.closed = true;
    return this.idle();
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.waiting;
  }
}

/**
 * Routes the store's two entry points to DuckDB (`query`, `queryRollup`; every other read method calls
 * `query`) through the queue, on this instance only.
 */
export function serializeStore(store: FlowStore, queue: SerialQueue): void {
  const query = store.query.bind(store);
  const queryRollup = store.queryRollup.bind(store);
  store.query = ((...args: Parameters<FlowStore['query']>) => queue.run(() => query(...args))) as FlowStore['query'];
  store.queryRollup = ((...args: Parameters<FlowStore['queryRollup']>) => queue.run(() => queryRollup(...args))) as FlowStore['queryRollup'];
}
