/** What a command needs from the process, passed in so commands run in-process in tests. */
import type { Writable } from 'node:stream';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
}

export const EXIT = { ok: 0, strict: 1, inputFailed: 2, usage: 64 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Writes and waits for the stream to drain when its buffer is full (backpressure). */
export async function writeOut(stream: Writable, text: string): Promise<void> {
  if (text.length === 0) return;
  if (!stream.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        stream.off('drain', onDrain);
        stream.off('error', done);
        stream.off('close', onDrain);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      stream.once('drain', onDrain);
      stream.once('close', onDrain);
      stream.once('error', done);
    });
  }
}
