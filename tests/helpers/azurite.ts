/**
 * Starts Azurite's blob service (the npm devDependency, no global install) on 127.0.0.1 for tests and
 * benchmarks: in memory, a port chosen by the OS (Azurite prints the one it got), access log off.
 *
 * The account and key are Azurite's documented, public development credentials (devstoreaccount1), not
 * a secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `http://127.0.0.1:<port>` */
  readonly host: string;
  /** Blob service URL, account included: `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly blobEndpoint: string;
  /** A full connection string for the SDK (account, key and BlobEndpoint). */
  readonly connectionString: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Connection string for Azurite's account at another blob endpoint (e.g. a fault proxy in front of it). */
export function azuriteConnectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
}

function azuriteBlobScript(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
}

export async function startAzurite(options: { startTimeoutMs?: number } = {}): Promise<Azurite> {
  const args = [
    azuriteBlobScript(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--inMemoryPersistence',
    '--extentMemoryLimit',
    '1024',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    '--disableTelemetry',
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 20_000} ms:\n${out}`)), options.startTimeoutMs ?? 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining, so a full pipe never blocks it
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`Azurite exited before listening (code ${code}, signal ${signal}):\n${out}`)));
  });
  child.removeAllListeners('exit');
  // If the test process ends without stop() (a crash, a killed worker), do not leave Azurite running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const host = `http://127.0.0.1:${port}`;
  const blobEndpoint = `${host}/${AZURITE_ACCOUNT}`;
  return {
    host,
    blobEndpoint,
    connectionString: azuriteConnectionString(blobEndpoint),
    port,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
