/**
 * `networkflow logs pull` (cloud log APIs → the events table, resumable, rate-limited, optionally following)
 * and `networkflow logs show` (the stored events as NDJSON or CSV).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  EventLake,
  EVENT_COLUMNS,
  NetworkflowError,
  SourceError,
  csvLine,
  eventRecordToJson,
  createObjectLogSource,
  logBuckets,
  openDuckDB,
  openLogSource,
  pullLogs,
  type LogProvider,
  type LogPullSourceResult,
  type LogPullSpec,
  type LogSourceSpec,
} from '../index.js';
import { parseFlags, positiveNumber, timeBound } from './args.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';
import { dataDirArg } from './lake-args.js';

export const LOGS_HELP = `Usage: networkflow logs pull --provider aws|azure|gcp <source flags> --since <time> --data-dir <dir> [options]
       networkflow logs pull --config networkflow.config.json [options]
       networkflow logs show --data-dir <dir> [--since T] [--until T] [--limit N] [--output ndjson|csv]

Pulls cloud logs from the providers' APIs into the events table of a data dir (events/date=…/hour=…/
*.parquet), normalized (see README "Cloud logs"). Each page is stored and checkpointed in one step: a pull
stopped at any point (Ctrl-C, a crash, kill -9) resumes where it stopped, with no gap and no duplicate; a
rerun over a range already pulled asks the API for nothing. Several sources are pulled at once; one that
fails is reported and the others go on.

Sources (repeat --log-group for several; or list them in --config):
  --provider aws    --log-group <name> [--log-stream-prefix P] [--filter-pattern F] [--region R] [--profile NAME]
  --provider azure  --workspace <workspace id> --query <KQL> [--tenant ID]
  --provider gcp    [--project ID] [--filter <Logging query>]
  --source <uri>    log files in a bucket or folder (s3://…/AWSLogs/<acct>/CloudTrail/, azure://<account>/
                    insights-logs-<category>, gs://<sink bucket>, a local folder): read in key order, objects whose
                    path time is outside the range skipped; repeat for several
  --endpoint <url>  the API's endpoint (a local emulator, a private endpoint)
  --page-size <n>   events per API page (AWS limit 1–10000, GCP pageSize 1–1000; default the API's)

Options:
  --since <time>    start (ISO 8601 or a duration before now: 90m, 24h, 7d); required unless the config has it
  --until <time>    end (default: now)
  --data-dir <dir>  the lake (default: $NETWORKFLOW_DATA_DIR)
  --follow [every]  keep pulling new events every interval (default 60s); Ctrl-C stops after the current page
  --rate <n>        requests per second to the provider's API (default: its documented quota — AWS 5, Azure 5,
                    GCP 1)
  --config <file>   networkflow.config.json: {"dataDir", "since", "until", "rateLimits": {"aws": 5, …},
                    "sources": [{"provider": "aws", "logGroup": "/aws/lambda/f", "region": "eu-west-1"}, …]}
  --json            print the results as JSON
  -h, --help        this help

Credentials come from each cloud's chain (AWS profile/SSO/role, Azure DefaultAzureCredential, Google
application-default credentials), never from flags. Exit codes: 0 every source pulled; 2 a source failed
(the others were still pulled); 64 usage error.
`;

/** A log API, or log files in an object store (CloudTrail's bucket, Azure's insights-logs containers, a GCS sink). */
export type PullSourceSpec = LogSourceSpec | { provider: 'objects'; uri: string; endpoint?: string };

interface Config {
  dataDir?: string;
  since?: string;
  until?: string;
  rateLimits?: Partial<Record<LogProvider, number>>;
  sources?: unknown[];
}

export interface LogsPullCommand {
  specs: PullSourceSpec[];
  since: number;
  until?: number;
  dataDir: string;
  followMs?: number;
  rates: Partial<Record<LogProvider, number>>;
  json: boolean;
}

const PROVIDERS: readonly LogProvider[] = ['aws', 'azure', 'gcp'];

function intervalMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new UsageError(`--follow needs an interval such as 30s, 5m (got ${text})`);
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (n < 1000) throw new UsageError(`--follow needs an interval of at least 1s (got ${text})`);
  return n;
}

/** Validates one source entry of the config file or the flags. */
export function checkSpec(raw: unknown, where: string): PullSourceSpec {
  if (typeof raw !== 'object' || raw === null) throw new UsageError(`${where}: a source must be an object`);
  const s = raw as Record<string, unknown>;
  const num = (k: string): number | undefined => {
    const v = s[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`${where}: '${k}' must be a whole number ≥ 1`);
    return v;
  };
  const str = (k: string, required = false): string | undefined => {
    const v = s[k];
    if (v === undefined || v === null) {
      if (required) throw new UsageError(`${where}: '${k}' is required for provider ${String(s.provider)}`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${where}: '${k}' must be a non-empty string`);
    return v;
  };
  switch (s.provider) {
    case 'aws':
      return { provider: 'aws', logGroup: str('logGroup', true) as string, logStreamNamePrefix: str('logStreamNamePrefix'), filterPattern: str('filterPattern'), region: str('region'), profile: str('profile'), endpoint: str('endpoint'), pageSize: num('pageSize') };
    case 'azure':
      return { provider: 'azure', workspace: str('workspace', true) as string, query: str('query', true) as string, tenant: str('tenant'), endpoint: str('endpoint') };
    case 'gcp':
      return { provider: 'gcp', project: str('project'), filter: str('filter'), endpoint: str('endpoint'), pageSize: num('pageSize') };
    case 'objects':
      return { provider: 'objects', uri: str('uri', true) as string, endpoint: str('endpoint') };
    default:
      throw new UsageError(`${where}: provider must be aws, azure, gcp or objects (got ${JSON.stringify(s.provider)})`);
  }
}

/** Pure argument parsing (the config file's text is passed in). */
export function parseLogsPullArgs(argv: string[], env: Record<string, string | undefined>, now: number, configText?: string): LogsPullCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    provider: { type: 'string' },
    'log-group': { type: 'string', multiple: true },
    source: { type: 'string', multiple: true },
    'log-stream-prefix': { type: 'string' },
    'filter-pattern': { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
    workspace: { type: 'string' },
    query: { type: 'string' },
    tenant: { type: 'string' },
    project: { type: 'string' },
    filter: { type: 'string' },
    endpoint: { type: 'string' },
    'page-size': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'data-dir': { type: 'string' },
    follow: { type: 'string' },
    rate: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  let config: Config = {};
  if (configText !== undefined) {
    try {
      config = JSON.parse(configText) as Config;
    } catch (err) {
      throw new UsageError(`--config ${values.config}: not JSON (${(err as Error).message})`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError(`--config ${values.config}: must be a JSON object`);
  }
  if (config.sources !== undefined && !Array.isArray(config.sources)) throw new UsageError('--config sources: must be a list');
  const specs: PullSourceSpec[] = (config.sources ?? []).map((s, i) => checkSpec(s, `--config sources[${i}]`));
  for (const uri of values.source ?? []) specs.push(checkSpec({ provider: 'objects', uri, endpoint: values.endpoint }, '--source'));
  if (values.provider !== undefined) {
    const base = {
      provider: values.provider,
      logStreamNamePrefix: values['log-stream-prefix'],
      filterPattern: values['filter-pattern'],
      region: values.region,
      profile: values.profile,
      workspace: values.workspace,
      query: values.query,
      tenant: values.tenant,
      project: values.project,
      filter: values.filter,
      endpoint: values.endpoint,
      pageSize: values['page-size'] === undefined ? undefined : positiveNumber('--page-size', values['page-size']),
    };
    if (values.provider === 'aws') {
      const groups = values['log-group'] ?? [];
      if (groups.length === 0) throw new UsageError('--provider aws needs --log-group');
      for (const g of groups) specs.push(checkSpec({ ...base, logGroup: g }, '--provider aws'));
    } else {
      specs.push(checkSpec(base, `--provider ${values.provider}`));
    }
  }
  if (specs.length === 0) throw new UsageError('no source: give --provider with its flags, --source with a bucket or folder of log files, or --config with a sources list');
  const sinceText = values.since ?? config.since;
  if (sinceText === undefined) throw new UsageError('--since is required (ISO 8601 or a duration such as 24h)');
  const since = timeBound('--since', sinceText, now);
  const untilText = values.until ?? config.until;
  const until = untilText === undefined ? undefined : timeBound('--until', untilText, now);
  if (until !== undefined && until <= since) throw new UsageError('--until must be after --since');
  const dataDir = dataDirArg(values['data-dir'], env) ?? (config.dataDir ? path.resolve(config.dataDir) : undefined);
  if (dataDir === undefined) throw new UsageError('--data-dir is required (or $NETWORKFLOW_DATA_DIR, or "dataDir" in the config)');
  const rates: Partial<Record<LogProvider, number>> = {};
  for (const [p, r] of Object.entries(config.rateLimits ?? {})) {
    if (!PROVIDERS.includes(p as LogProvider) || typeof r !== 'number' || !(r > 0)) throw new UsageError(`--config rateLimits: '${p}' must be aws, azure or gcp with a positive number`);
    rates[p as LogProvider] = r;
  }
  if (values.rate !== undefined) {
    const r = positiveNumber('--rate', values.rate);
    for (const s of specs) if (s.provider !== 'objects') rates[s.provider] = r;
  }
  return {
    specs,
    since,
    until,
    dataDir,
    followMs: values.follow === undefined ? undefined : intervalMs(values.follow === '' ? '60s' : values.follow),
    rates,
    json: values.json ?? false,
  };
}

function formatResult(r: LogPullSourceResult): string {
  const covered = r.covered ? `${new Date(r.covered.since).toISOString()} – ${new Date(r.covered.until).toISOString()}` : 'nothing yet';
  const bad = Object.entries(r.diagnostics).map(([k, n]) => `${n} ${k}`);
  const lines = [
    `${r.error ? 'FAILED' : 'ok    '} ${r.description}`,
    `       ${r.pages} pages (${r.requests} requests), ${r.stored} events stored, ${r.duplicates} duplicates dropped${r.untimed ? `, ${r.untimed} without a time` : ''}${bad.length ? `; ${bad.join(', ')}` : ''}`,
    `       stored range: ${covered}`,
  ];
  if (r.error) lines.push(`       ${r.error}`);
  for (const d of r.samples) lines.push(`       ${d.severity}: ${d.message}`);
  return lines.join('\n');
}

export async function runLogs(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    await writeOut(io.stdout, LOGS_HELP);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub === 'show') return runLogsShow(rest, io);
  if (sub !== 'pull') throw new UsageError(`unknown subcommand '${sub}': use pull or show`);
  const configIndex = rest.indexOf('--config');
  let configText: string | undefined;
  if (configIndex !== -1 && rest[configIndex + 1] !== undefined) {
    try {
      configText = await readFile(rest[configIndex + 1], 'utf8');
    } catch (err) {
      throw new UsageError(`--config ${rest[configIndex + 1]}: ${(err as Error).message}`);
    }
  }
  const cmd = parseLogsPullArgs(rest, process.env, Date.now(), configText);
  if (cmd === 'help') {
    await writeOut(io.stdout, LOGS_HELP);
    return EXIT.ok;
  }
  const buckets = logBuckets(Object.fromEntries(Object.entries(cmd.rates).map(([p, r]) => [p, { ratePerSecond: r, burst: Math.max(1, Math.floor(r)) }])));
  const db = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('stopped'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const lake = await EventLake.open(db, cmd.dataDir);
    const specs: LogPullSpec[] = [];
    for (const spec of cmd.specs) {
      try {
        const source = spec.provider === 'objects' ? createObjectLogSource({ uri: spec.uri, source: spec.endpoint ? { endpoint: spec.endpoint } : undefined }) : await openLogSource(spec, { buckets });
        specs.push({ source, since: cmd.since, until: cmd.until });
      } catch (err) {
        if (!(err instanceof SourceError) && !(err instanceof NetworkflowError)) throw err;
        io.stderr.write(`networkflow logs: ${err.message}\n`);
        return EXIT.inputFailed;
      }
    }
    const results = await pullLogs(lake, specs, {
      signal: controller.signal,
      follow: cmd.followMs === undefined ? undefined : { intervalMs: cmd.followMs },
      onPage: cmd.json ? undefined : (p) => io.stderr.write(`${p.source}: ${p.pages} pages, ${p.stored} events\n`),
      onError: (id, err) => io.stderr.write(`${id}: ${err.message}\n`),
    });
    await writeOut(io.stdout, cmd.json ? `${JSON.stringify({ dataDir: cmd.dataDir, sources: results }, null, 2)}\n` : `${results.map(formatResult).join('\n')}\n`);
    return results.some((r) => r.error !== null) ? EXIT.inputFailed : EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    db.close();
  }
}

async function runLogsShow(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    'data-dir': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    output: { type: 'string', default: 'ndjson' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeOut(io.stdout, LOGS_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const dataDir = dataDirArg(values['data-dir'], process.env);
  if (dataDir === undefined) throw new UsageError('--data-dir is required (or $NETWORKFLOW_DATA_DIR)');
  if (values.output !== 'ndjson' && values.output !== 'csv') throw new UsageError(`--output must be ndjson or csv (got ${values.output})`);
  const now = Date.now();
  const db = await openDuckDB({ threads: 1 });
  try {
    const lake = await EventLake.open(db, dataDir);
    const events = await lake.readEvents({
      since: values.since === undefined ? undefined : timeBound('--since', values.since, now),
      until: values.until === undefined ? undefined : timeBound('--until', values.until, now),
      limit: values.limit === undefined ? undefined : positiveNumber('--limit', values.limit),
    });
    if (values.output === 'csv') {
      const rows = events.map((e) => {
        const j = eventRecordToJson(e);
        return csvLine(EVENT_COLUMNS.map((c) => (c === 'attributes' && j[c] !== null ? JSON.stringify(j[c]) : (j[c] as string | number | null))));
      });
      await writeOut(io.stdout, `${EVENT_COLUMNS.join(',')}\n${rows.join('')}`);
    } else {
      await writeOut(io.stdout, events.map((e) => `${JSON.stringify(eventRecordToJson(e))}\n`).join(''));
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
}
