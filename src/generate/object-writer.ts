/**
 * Where generated objects go. A small interface so the generator does not care whether it writes a local
 * folder or a bucket: `objectWriterFromSource` adapts any ObjectSource that can write (local folders, Azure,
 * S3, GCS).
 */
import { NetworkflowError } from '../model/index.js';
import { LocalSource } from '../sources/local.js';
import type { ObjectSource } from '../sources/types.js';

export interface ObjectWriter {
  /** Where the objects go, for messages. */
  readonly uri: string;
  /** Writes one object from a stream of chunks; resolves with the bytes written. */
  write(key: string, body: AsyncIterable<Uint8Array>, contentType: string): Promise<number>;
}

/** A local folder, through the local ObjectSource (each object written to a temporary name, then renamed). */
export function localObjectWriter(root: string): ObjectWriter {
  return objectWriterFromSource(new LocalSource(root));
}

export function objectWriterFromSource(source: ObjectSource): ObjectWriter {
  const write = source.write?.bind(source);
  if (!write) {
    throw new NetworkflowError('bad-option', `${source.uri} cannot be written to`, 'choose a local folder or an azure://, s3:// or gs:// URI for --out');
  }
  return {
    uri: source.uri,
    async write(key, body, contentType) {
      let bytes = 0;
      const counted = async function* () {
        for await (const chunk of body) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      };
      await write(key, counted(), { contentType });
      return bytes;
    },
  };
}
