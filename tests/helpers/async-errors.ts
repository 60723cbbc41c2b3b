/** Small async test helpers: the NetworkflowError a call rejects with, and letting closed handles settle. */
import { expect } from 'vitest';
import { NetworkflowError } from '../../src/model/index.js';

/** Runs `run`, expects it to reject with a NetworkflowError, and returns that error. */
export async function failure(run: () => Promise<unknown>): Promise<NetworkflowError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkflowError);
    return err as NetworkflowError;
  }
  throw new Error('expected an error');
}

/** Waits for handles closed by destroy() (zlib) to report 'close', which they do on a later tick. */
export async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
