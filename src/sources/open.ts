/**
 * From a location to an ObjectSource. Local folders are opened directly; the cloud sources are loaded
 * with a dynamic `import()` only when their kind is used, so `networkflow parse ./logs` never loads an SDK.
 *
 * Each cloud module exports a factory `(location: SourceLocation, options: SourceOptions) =>
 * ObjectSource | Promise<ObjectSource>`: `createAzureBlobSource` in azure-blob.ts, `createS3Source` in
 * s3.ts, `createGcsSource` in gcs.ts.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fsError, LocalSource } from './local.js';
import { SourceError, type ObjectSource } from './types.js';
import type { SourceLocation, SourceOptions } from './uri.js';

export type SourceFactory = (location: SourceLocation, options: SourceOptions) => ObjectSource | Promise<ObjectSource>;

type CloudKind = 'azure' | 's3' | 'gcs';

/** The factories of the cloud sources, each loaded on first use. Replaceable in tests through `loaders`. */
export const CLOUD_LOADERS: Record<CloudKind, () => Promise<SourceFactory>> = {
  azure: async () => (await import('./azure-blob.js')).createAzureBlobSource,
  s3: async () => {
    const { createS3Source } = await import('./s3.js');
    return (location, options) =>
      createS3Source(
        { bucket: location.bucket ?? '', prefix: location.prefix },
        { endpoint: options.endpoint, pageSize: options.pageSize, region: options.region, requestTimeoutMs: options.retry?.timeoutMs },
      );
  },
  gcs: async () => (await import('./gcs.js')).createGcsSource,
};

/**
 * Opens the source a location names. A local location must be a folder (a single file is read through
 * its parent folder: see `openLocalFile`); `-` (standard input) is not an object source.
 */
export async function openSource(location: SourceLocation, options: SourceOptions = {}, loaders: Partial<Record<CloudKind, () => Promise<SourceFactory>>> = {}): Promise<ObjectSource> {
  switch (location.kind) {
    case 'local': {
      const root = location.path!;
      const st = await stat(root).catch((err: unknown) => {
        throw fsError(err, location.uri);
      });
      if (!st.isDirectory()) {
        throw new SourceError(`${location.uri}: is a file, not a folder (open its folder, or read it with openLocalFile)`, { transient: false, target: location.uri });
      }
      return new LocalSource(root);
    }
    case 'azure':
    case 's3':
    case 'gcs': {
      const load = loaders[location.kind] ?? CLOUD_LOADERS[location.kind];
      const factory = await load();
      return factory(location, options);
    }
    default:
      throw new SourceError(`${location.uri}: standard input is not an object source; read it as a stream`, { transient: false, target: location.uri });
  }
}

/** A single local file as (its folder's source, its key), so files and folders share one read path. */
export function openLocalFile(file: string): { source: LocalSource; key: string } {
  const abs = path.resolve(file);
  return { source: new LocalSource(path.dirname(abs)), key: path.basename(abs) };
}
