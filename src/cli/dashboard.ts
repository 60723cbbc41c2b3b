/**
 * `networkflow dashboard`: the HTTP API and the dashboard over a lake. With no source it serves the built-in
 * demo data (generated on first use); with a source it ingests it, then keeps ingesting new objects with
 * --watch. The server listens first (/healthz answers at once, /readyz once the data is in), so a container
 * health check passes while a large first ingest runs.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
// the one face that starts another: the command is the server's launcher (its entry file only)
import { authFromEnv, buildServer, type NetworkflowServer } from '../api/server.js';
import { DEMO_OPTIONS, defaultDemoCacheDir, ensureDemoData, ingest, networkflowCacheDir, type GenerateOptions } from '../index.js';
import { parseFlags } from './args.js';
import { DATA_DIR_ENV, runIngest } from './ingest.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { localDir } from './lake-args.js';

/** Every setting has an environment variable, so a container is configured without a command line. */
export const DASHBOARD_ENV = {
  source: 'NETWORKFLOW_SOURCE',
  storageAccount: 'NETWORKFLOW_STORAGE_ACCOUNT',
  container: 'NETWORKFLOW_CONTAINER',
  host: 'NETWORKFLOW_HOST',
  port: 'NETWORKFLOW_PORT',
  watch: 'NETWORKFLOW_WATCH',
} as const;

export const DEFAULT_PORT = 8050;
export const DEFAULT_HOST = '127.0.0.1';

export const DASHBOARD_HELP = `Usage: networkflow dashboard [--source <uri|path> | --storage-account A --container C] [options]

Serves the dashboard and its JSON API (http://127.0.0.1:8050 by default). With no source it serves the
built-in demo data: 48 hours of generated flows with labelled anomalies, generated on first use into
~/.cache/networkflow. With a source it ingests it into the data dir (incremental: a restart reads only
what is new), serving as soon as the server is up; /readyz answers 200 once the data is in.

Source (optional; default: the demo data):
  --source <uri|path>        a folder or file, azure://, s3:// or gs:// (see networkflow ingest --help)
  --storage-account <name>   with --container: an Azure Blob container
  --container <name>

Options:
  --data-dir <dir>           the lake (default: $${DATA_DIR_ENV}; for the demo, next to its data in the cache;
                             for a source, a folder per source under ~/.cache/networkflow/lakes)
  --port <n>                 default ${DEFAULT_PORT}
  --host <addr>              default ${DEFAULT_HOST} (this machine only); 0.0.0.0 to serve a network
  --watch <interval>         ingest new objects every interval (e.g. 60s, 5m), and the page picks them up
  --endpoint <url>           object-store endpoint (an emulator or a sovereign cloud)
  --quiet                    no ingest progress, no request log
  -h, --help                 this help

Environment: ${DASHBOARD_ENV.source}, ${DASHBOARD_ENV.storageAccount}, ${DASHBOARD_ENV.container}, ${DATA_DIR_ENV},
${DASHBOARD_ENV.host}, ${DASHBOARD_ENV.port}, ${DASHBOARD_ENV.watch} stand in for the flags. Authentication (for
deployments): NETWORKFLOW_AUTH_TOKEN (Authorization: Bearer) or NETWORKFLOW_AUTH_USER and
NETWORKFLOW_AUTH_PASSWORD (Basic); when set, every route but /healthz requires it. Cloud credentials come
from each cloud's own chain, as for ingest.

Stops on Ctrl-C (SIGINT) or SIGTERM. Exit codes: 0 stopped; 2 the port is taken or the data cannot be read;
64 usage error.
`;

export interface DashboardCommand {
  /** Absent: the demo data. */
  source?: string;
  dataDir?: string;
  port: number;
  host: string;
  /** Milliseconds between ingests of new objects; absent: no watching. */
  watchMs?: number;
  endpoint?: string;
  quiet: boolean;
}

/** Pure argument parsing; `env` supplies every default. */
export function parseDashboardArgs(argv: string[], env: Record<string, string | undefined> = process.env): DashboardCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    source: { type: 'string' },
    'storage-account': { type: 'string' },
    container: { type: 'string' },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    watch: { type: 'string' },
    endpoint: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`dashboard takes no arguments (got '${positionals[0]}'); give a source with --source`);
  const given = (flag: string | undefined, name: string): string | undefined => {
    const v = flag ?? env[name];
    return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  };
  let source = given(values.source, DASHBOARD_ENV.source);
  const account = given(values['storage-account'], DASHBOARD_ENV.storageAccount);
  const container = given(values.container, DASHBOARD_ENV.container);
  if ((account === undefined) !== (container === undefined)) throw new UsageError('--storage-account and --container go together');
  if (account !== undefined && container !== undefined) {
    if (values.source !== undefined) throw new UsageError('give either --source or --storage-account/--container, not both');
    source = `azure://${account}/${container}`;
  }
  const dataDirText = given(values['data-dir'], DATA_DIR_ENV);
  const cmd: DashboardCommand = {
    port: portArg(given(values.port, DASHBOARD_ENV.port)),
    host: given(values.host, DASHBOARD_ENV.host) ?? DEFAULT_HOST,
    quiet: values.quiet,
  };
  if (source !== undefined) cmd.source = source;
  if (dataDirText !== undefined) cmd.dataDir = localDir('--data-dir', dataDirText);
  const watch = given(values.watch, DASHBOARD_ENV.watch);
  if (watch !== undefined) cmd.watchMs = intervalArg(watch);
  if (values.endpoint !== undefined) cmd.endpoint = values.endpoint;
  return cmd;
}

function portArg(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port needs a whole number from 0 to 65535 (got ${text})`);
  return n;
}

const INTERVAL = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i;
const INTERVAL_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `60s`, `5m`, `1h`, `500ms`, or plain seconds; at least one second. */
export function intervalArg(text: string): number {
  const m = INTERVAL.exec(text.trim());
  const ms = m ? Number(m[1]) * INTERVAL_MS[(m[2] ?? 's').toLowerCase()] : NaN;
  if (!Number.isFinite(ms) || ms < 1000) throw new UsageError(`--watch needs an interval of at least 1s such as 30s, 5m or 1h (got ${text})`);
  return ms;
}

/** The lake of a source when no data dir is given: one folder per source, so sources never mix. */
export function defaultLakeDir(source: string, env: NodeJS.ProcessEnv = process.env): string {
  const slug = source.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(-80) || 'source';
  return path.join(networkflowCacheDir(env), 'lakes', slug);
}

export interface RunningDashboard {
  url: string;
  server: NetworkflowServer;
  /** Resolves when the first ingest is done (and the data is served); its exit code (0, or 2 when an object failed). */
  loaded: Promise<number>;
  close(): Promise<void>;
}

export interface DashboardHooks {
  /** Demo generator settings (tests use a small demo). */
  demoOptions?: GenerateOptions;
  /** Demo cache folder (default ~/.cache/networkflow/<demo version>). */
  demoDir?: string;
}

/** Starts the server, then loads the data into it; the caller stops it with close(). */
export async function startDashboard(cmd: DashboardCommand, io: CliIO, hooks: DashboardHooks = {}): Promise<RunningDashboard> {
  const demoDir = hooks.demoDir ?? defaultDemoCacheDir();
  // the demo's lake sits beside its generated logs (inside, it would block the rename that publishes them)
  const dataDir = cmd.dataDir ?? (cmd.source === undefined ? `${demoDir}-lake` : defaultLakeDir(cmd.source));
  await mkdir(dataDir, { recursive: true });
  let ready = false;
  const server = await buildServer({
    dataDir,
    auth: authFromEnv(),
    logger: cmd.quiet ? false : { level: 'info' },
    ready: () => ready,
  });
  try {
    await server.app.listen({ port: cmd.port, host: cmd.host });
  } catch (err) {
    await server.close();
    throw err;
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : cmd.port;
  const url = `http://${cmd.host.includes(':') ? `[${cmd.host}]` : cmd.host}:${port}/`;
  io.stderr.write(`networkflow dashboard: serving ${url} (loading ${cmd.source ?? 'the demo data'} into ${dataDir})\n`);

  let watcher: { stop(): Promise<void> } | undefined;
  let closed = false;
  const loaded = (async () => {
    const source = cmd.source ?? (await ensureDemoData(demoDir, hooks.demoOptions ?? DEMO_OPTIONS));
    const args = ['--source', source, '--data-dir', dataDir, ...(cmd.endpoint ? ['--endpoint', cmd.endpoint] : []), ...(cmd.quiet ? ['--quiet'] : [])];
    const code = await runIngest(args, { ...io, stdout: io.stderr });
    await server.refresh();
    ready = true;
    io.stderr.write(`networkflow dashboard: ready at ${url}\n`);
    if (cmd.watchMs !== undefined && !closed) watcher = scheduleWatch(cmd, io, server, source, dataDir);
    return code;
  })();
  loaded.catch(() => undefined);
  return {
    url,
    server,
    loaded,
    async close() {
      closed = true;
      await watcher?.stop();
      await loaded.catch(() => undefined);
      await server.close();
    },
  };
}

/** Ingests new objects every interval (never two at once), then refreshes the server's view of the lake. */
function scheduleWatch(cmd: DashboardCommand, io: CliIO, server: NetworkflowServer, source: string, dataDir: string): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const tick = async () => {
    try {
      const s = await ingest({ source, dataDir, ...(cmd.endpoint ? { sourceOptions: { endpoint: cmd.endpoint } } : {}) });
      const changed = await server.refresh();
      if (!cmd.quiet && (changed || s.failures.length > 0)) {
        io.stderr.write(`networkflow dashboard: watch: ${s.objectsIngested} new object(s), ${s.records} record(s)${s.failures.length ? `, ${s.failures.length} failed` : ''}\n`);
      }
    } catch (err) {
      io.stderr.write(`networkflow dashboard: watch: ${(err as Error).message}\n`);
    }
    if (!stopped) timer = setTimeout(() => (running = tick()), cmd.watchMs);
  };
  timer = setTimeout(() => (running = tick()), cmd.watchMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export async function runDashboard(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseDashboardArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(DASHBOARD_HELP);
    return EXIT.ok;
  }
  let running: RunningDashboard;
  try {
    running = await startDashboard(cmd, io);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${cmd.port} on ${cmd.host} is already in use (pick another with --port)` : e.message;
    io.stderr.write(`networkflow dashboard: ${why}\n`);
    return EXIT.inputFailed;
  }
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop;
  io.stderr.write('networkflow dashboard: stopping\n');
  await running.close();
  return EXIT.ok;
}
