/**
 * `networkflow analyze` on a real lake: the JSON document against the library functions called directly on
 * the same lake, the table and CSV against plain loops over the generated records, --source into a temporary
 * or a given data dir, and the usage and data errors.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYZE_HELP, parseAnalyzeArgs, type AnalyzeCommand } from '../../src/cli/analyze.js';
import { UsageError } from '../../src/cli/io.js';
import { AGGREGATE_NAMES } from '../../src/analytics/analysis.js';
import {
  FlowStore,
  countries,
  deniedBy,
  deniedOverTime,
  detectAnomalies,
  heatmapDayHour,
  heatmapNsgHour,
  sankeyPairs,
  servicePorts,
  summary,
  timeSeries,
  topListeners,
  topTalkers,
  type BucketUnit,
  type Filter,
} from '../../src/index.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';
import { runCli } from '../helpers/cli.js';
import { csvObjects, parseCsv } from '../helpers/csv-parse.js';

const NO_ENV = {};
const NOW = Date.parse('2026-11-03T00:00:00Z');
const START = Date.parse('2026-11-02T00:00:00Z');
const HOUR = 3_600_000;

let lake: AnalyticsLake;
let store: FlowStore;
const dirs: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `nf-analyze-cli-${label}-`));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 3, flowsPerHour: 1500, seed: 5, start: new Date(START).toISOString() });
  store = await FlowStore.open(lake.dataDir);
}, 120_000);

afterAll(async () => {
  store?.close();
  await lake?.cleanup();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** The generator's input folder next to the lake (see buildAnalyticsLake). */
const sourceDir = () => path.join(path.dirname(lake.dataDir), 'source');

/** The document the CLI should print, from the library functions called one by one. */
async function libraryAnalysis(filter: Filter, top?: number, bucket?: BucketUnit) {
  const limit = top === undefined ? {} : { limit: top };
  const anomalies = await detectAnomalies(store, filter);
  return {
    filter,
    summary: { ...(await summary(store, filter)), anomalies: { count: anomalies.length, timestamps: anomalies.map((a) => a.start).sort((a, b) => a - b) } },
    topTalkers: await topTalkers(store, filter, limit),
    topListeners: await topListeners(store, filter, limit),
    servicePorts: await servicePorts(store, filter, limit),
    denied: {
      byNsgRule: await deniedBy(store, filter, 'nsg_rule', top),
      bySource: await deniedBy(store, filter, 'source', top),
      byPort: await deniedBy(store, filter, 'dst_port', top),
      overTime: await deniedOverTime(store, filter, { bucket }),
    },
    timeSeries: await timeSeries(store, filter, { bucket }),
    heatmaps: { dayHour: await heatmapDayHour(store, filter), nsgHour: await heatmapNsgHour(store, filter, top) },
    sankey: await sankeyPairs(store, filter, limit),
    countries: await countries(store, filter),
    anomalies,
  };
}

/** Sources by bytes (ties by address), from the records: [ip, flows, bytes]. */
function talkersByLoop(records: AnalyticsLake['records']): [string, number, number][] {
  const bySrc = new Map<string, { flows: number; bytes: number }>();
  for (const r of records) {
    const t = bySrc.get(r.src_ip as string) ?? { flows: 0, bytes: 0 };
    t.flows++;
    t.bytes += r.bytes ?? 0;
    bySrc.set(r.src_ip as string, t);
  }
  return [...bySrc].map(([ip, t]): [string, number, number] => [ip, t.flows, t.bytes]).sort((a, b) => b[2] - a[2] || (a[0] < b[0] ? -1 : 1));
}

function command(argv: string[], env: Record<string, string | undefined> = NO_ENV): AnalyzeCommand {
  const cmd = parseAnalyzeArgs(argv, env, NOW);
  if (cmd === 'help') throw new Error('unexpected help');
  return cmd;
}

describe('parseAnalyzeArgs', () => {
  it('reads a data dir with the documented defaults, or takes it from the environment', () => {
    expect(command(['--data-dir', 'lake'])).toEqual({ dataDir: path.resolve('lake'), filter: {}, options: { top: undefined, bucket: undefined }, format: 'table', quiet: false, ingestArgs: [] });
    expect(command([], { NETWORKFLOW_DATA_DIR: '/srv/lake' }).dataDir).toBe('/srv/lake');
    expect(command(['--data-dir', 'file:///srv/lake2'], { NETWORKFLOW_DATA_DIR: '/srv/lake' }).dataDir).toBe('/srv/lake2');
    expect(parseAnalyzeArgs(['-h'], NO_ENV)).toBe('help');
  });

  it('reads every option; --source passes the window and the ingest options to the ingest', () => {
    const cmd = command([
      '--source', 's3://bkt/logs', '--data-dir', '/lake', '--concurrency', '0', '--endpoint', 'http://127.0.0.1:9000', '--top', '5', '--bucket', 'HOUR',
      '--format', 'json', '--quiet', '--since', '2026-11-02', '--until', '6h', '--decision', 'deny', '--port', '22,3389',
    ]);
    expect(cmd).toEqual({
      source: 's3://bkt/logs',
      dataDir: '/lake',
      filter: { decision: ['Deny'], port: [22, 3389], since: START, until: NOW - 6 * HOUR },
      options: { top: 5, bucket: 'hour' },
      format: 'json',
      quiet: true,
      ingestArgs: ['--concurrency', '0', '--endpoint', 'http://127.0.0.1:9000', '--since', '2026-11-02T00:00:00.000Z', '--until', '2026-11-02T18:00:00.000Z', '--quiet'],
    });
    // with --source, the environment's data dir is not used: a temporary one is
    expect(command(['--source', '/logs'], { NETWORKFLOW_DATA_DIR: '/srv/lake' }).dataDir).toBeUndefined();
  });

  it.each([
    [[], /give --data-dir <dir> \(or set NETWORKFLOW_DATA_DIR\)/],
    [['--data-dir', ''], /--data-dir needs a folder name/],
    [['--data-dir', 's3://bkt'], /--data-dir must be a local folder/],
    [['--data-dir', 'file://host/x'], /--data-dir: file:\/\/host\/x is not a valid file:\/\/ URI/],
    [['--source', ' '], /--source needs a folder/],
    [['--data-dir', '/d', 'extra'], /analyze takes no arguments \(got 'extra'\)/],
    [['--data-dir', '/d', '--concurrency', '2'], /--concurrency goes with --source/],
    [['--data-dir', '/d', '--top', '0'], /--top needs a whole number from 1 to 10000 \(got 0\)/],
    [['--data-dir', '/d', '--top', '2.5'], /--top needs a whole number/],
    [['--data-dir', '/d', '--top', '10001'], /--top needs a whole number/],
    [['--data-dir', '/d', '--bucket', 'week'], /--bucket must be one of minute, hour, day \(got week\)/],
    [['--data-dir', '/d', '--format', 'xml'], /--format must be one of table, json, csv \(got xml\)/],
    [['--data-dir', '/d', '--port', '99999'], /^--port: "99999" is not valid \(ports are whole numbers/],
    [['--data-dir', '/d', '--since', 'soon'], /^--since: "soon" is not valid/],
    [['--data-dir', '/d', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseAnalyzeArgs(argv as string[], NO_ENV, NOW)).toThrow(UsageError);
    expect(() => parseAnalyzeArgs(argv as string[], NO_ENV, NOW)).toThrow(message);
  });
});

describe('networkflow analyze', () => {
  it('--format json prints one document equal to the library functions on the same lake', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(await libraryAnalysis({}))));
  }, 60_000);

  it('applies the filters, --top and --bucket to every aggregate', async () => {
    const since = START + HOUR;
    const run = await runCli([
      'analyze', '--data-dir', lake.dataDir, '--format', 'json', '--top', '3', '--bucket', 'hour',
      '--since', new Date(since).toISOString(), '--direction', 'inbound', '--protocol', 'tcp',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const filter: Filter = { direction: ['Inbound'], protocol: ['TCP'], since };
    const doc = JSON.parse(run.stdout) as { filter: Filter; topTalkers: unknown[]; timeSeries: { unit: string } };
    expect(doc).toEqual(JSON.parse(JSON.stringify(await libraryAnalysis(filter, 3, 'hour'))));
    expect(doc.topTalkers).toHaveLength(4); // 3 + other
    expect(doc.timeSeries.unit).toBe('hour');
    // the filter really narrowed the data (compared with a plain count over the records)
    const expected = lake.records.filter((r) => r.timestamp >= since && r.flow_direction === 'Inbound' && r.protocol === 'TCP').length;
    expect((doc as unknown as { summary: { flows: number } }).summary.flows).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(lake.records.length);
  }, 60_000);

  it('passes the anomaly flags to the detectors', async () => {
    const baseline = { since: START, until: START + HOUR };
    const run = await runCli([
      'analyze', '--data-dir', lake.dataDir, '--format', 'json', '--anomaly-types', 'lateral-movement,new-external-talker',
      '--anomaly-types', 'persistent-connection', '--threshold', 'lateralMinHosts=3', '--threshold', 'lateralPorts=22,3389',
      '--threshold', 'newTalkerMinFlows=2', '--baseline-since', new Date(baseline.since).toISOString(), '--baseline-until', new Date(baseline.until).toISOString(),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const options = {
      types: ['lateral-movement', 'new-external-talker', 'persistent-connection'] as const,
      thresholds: { lateralMinHosts: 3, lateralPorts: [22, 3389], newTalkerMinFlows: 2 },
      baseline,
    };
    const expected = await detectAnomalies(store, {}, { ...options, types: [...options.types] });
    const doc = JSON.parse(run.stdout) as { anomalies: unknown[]; summary: { anomalies: { count: number } } };
    expect(doc.anomalies).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.length).toBeGreaterThan(0); // the lowered thresholds make the detectors speak on this small lake
    expect(doc.summary.anomalies.count).toBe(expected.length);
  }, 60_000);

  it.each([
    [['--anomaly-types', 'nope'], /'nope' is not a detector/],
    [['--threshold', 'spikeMinZ'], /name=value/],
    [['--threshold', 'nope=3'], /name=value/],
    [['--threshold', 'spikeMinZ=x'], /spikeMinZ needs a number/],
    [['--threshold', 'spikeMinZ=1,2'], /spikeMinZ needs a number/],
    [['--threshold', 'lateralPorts=22,'], /list of ports/],
    [['--baseline-since', '2026-11-01'], /go together/],
    [['--baseline-since', '2026-11-02', '--baseline-until', '2026-11-01'], /must be before/],
  ])('rejects anomaly flags %j', (args, message) => {
    expect(() => parseAnalyzeArgs(['--data-dir', '/tmp/x', ...args], NO_ENV, NOW)).toThrow(message);
  });

  it('reports a threshold the library rejects as a usage error', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--threshold', 'spikeMinZ=-1']);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/anomaly threshold spikeMinZ: -1 is not valid/);
  });

  it('prints readable tables: the summary, the top talker and its flows as a plain loop finds them, every section, the anomalies', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--top', '5']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    const records = lake.records;
    expect(out).toMatch(new RegExp(`^ {2}flows +${records.length.toLocaleString('en-US')}$`, 'm'));
    const denied = records.filter((r) => r.flow_decision === 'Deny').length;
    expect(out).toMatch(new RegExp(`^ {2}denied +${denied.toLocaleString('en-US')} \\(${((denied / records.length) * 100).toFixed(1)}% of flows\\)$`, 'm'));
    const [topIp, topFlows] = talkersByLoop(records)[0];
    expect(out).toMatch(new RegExp(`^ +1 +${topIp.replace(/\./g, '\\.')} +${topFlows.toLocaleString('en-US')} +[\\d.]+ (B|KiB|MiB|GiB) `, 'm'));
    for (const title of [
      'Summary', 'Top talkers', 'Top listeners', 'Service ports', 'Denied by NSG / rule', 'Denied by source', 'Denied by destination port', 'Flows over time',
      'Denied flows over time', 'Flows by day of week × hour', 'Flows by NSG × hour', 'Top IP pairs', 'Source countries', 'Destination countries', 'Anomalies',
    ]) {
      expect(out).toMatch(new RegExp(`^${title.replace(/[()×/]/g, '.')}`, 'm'));
    }
    const anomalies = await detectAnomalies(store, {});
    expect(anomalies.length).toBeGreaterThan(0);
    expect(out).toContain(`Anomalies (${anomalies.length})`);
    for (const a of anomalies) {
      expect(out).toContain(`[${a.severity}] ${a.type}`);
      expect(out).toContain(a.summary);
    }
    // aligned columns: every row of the top-talkers table is as wide as its header or narrower
    const talkers = out.split('Top talkers')[1].split('\n\n')[0].split('\n').slice(1);
    expect(talkers).toHaveLength(7); // header, 5 rows, other
    const byteColumnEnd = talkers[0].indexOf('bytes') + 'bytes'.length;
    for (const line of talkers.slice(1)) expect(line[byteColumnEnd - 1]).toMatch(/[A-Za-z]/); // units right-aligned under the header
  }, 60_000);

  it('says "none" for empty sections', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--decision', 'allow']);
    expect(run.code).toBe(0);
    for (const title of ['Denied by NSG / rule', 'Denied by source', 'Denied by destination port']) expect(run.stdout).toContain(`${title}\n  none\n`);
    expect(run.stdout).toMatch(/^ {2}denied +0 \(0\.0% of flows\)$/m);
  });

  it('says when no flow matches', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--ip', '192.0.2.1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}flows +0$/m);
    expect(run.stdout).toContain('No flows match the filter.');
    expect(run.stdout).not.toContain('Top talkers');
  });

  it('--format csv prints every aggregate as a # section, matching plain loops and the library', async () => {
    const run = await runCli(['analyze', '--data-dir', lake.dataDir, '--format', 'csv', '--decision', 'allow']);
    expect(run.code, run.stderr).toBe(0);
    const sections = run.stdout.split(/\n(?=# )/);
    expect(sections.map((s) => s.split('\n')[0])).toEqual(AGGREGATE_NAMES.map((n) => `# ${n}`));
    const section = (name: string) => csvObjects(sections[AGGREGATE_NAMES.indexOf(name as (typeof AGGREGATE_NAMES)[number])].replace(/^# .*\n/, '').replace(/\n+$/, '\n'));
    const allowed = lake.records.filter((r) => r.flow_decision === 'Allow');
    const [s] = section('summary');
    expect(Number(s.flows)).toBe(allowed.length);
    expect(Number(s.denied)).toBe(0);
    expect(Number(s.bytes)).toBe(allowed.reduce((n, r) => n + (r.bytes ?? 0), 0));
    const talkers = section('top-talkers');
    const expected = talkersByLoop(allowed);
    expect(talkers.slice(0, 10).map((t) => [t.ip, Number(t.flows), Number(t.bytes)])).toEqual(expected.slice(0, 10));
    expect(talkers[10].ip).toBe('other');
    expect(Number(talkers[10].flows)).toBe(expected.slice(10).reduce((n, t) => n + t[1], 0));
    // each section is a rectangular table
    for (const text of sections) {
      const rows = parseCsv(text.replace(/^# .*\n/, '').replace(/\n+$/, '\n'));
      for (const r of rows) expect(r.length).toBe(rows[0].length);
    }
  }, 60_000);

  it('--source ingests into a temporary data dir, analyzes it, and removes it', async () => {
    const run = await runCli(['analyze', '--source', sourceDir(), '--format', 'json', '--quiet', '--concurrency', '0']);
    expect(run.code, run.stderr).toBe(0);
    const temporary = /→ (.*networkflow-analyze-[^\s]+)\n/.exec(run.stderr)?.[1];
    expect(temporary).toBeDefined();
    expect(existsSync(temporary as string)).toBe(false);
    expect(run.stderr).not.toMatch(/ingesting .*objects/); // --quiet: no progress
    const doc = JSON.parse(run.stdout) as { summary: unknown; topTalkers: unknown };
    expect(doc.summary).toEqual(JSON.parse(JSON.stringify((await libraryAnalysis({})).summary)));
  }, 60_000);

  it('--source with --data-dir keeps the lake; --since limits what is ingested and analyzed', async () => {
    const dataDir = path.join(tempDir('keep'), 'lake');
    const since = START + 2 * HOUR;
    const run = await runCli(['analyze', '--source', sourceDir(), '--data-dir', dataDir, '--format', 'json', '--concurrency', '0', '--since', new Date(since).toISOString()]);
    expect(run.code, run.stderr).toBe(0);
    const kept = await FlowStore.open(dataDir);
    try {
      const inWindow = lake.records.filter((r) => r.timestamp >= since).length;
      expect(await kept.count({ since })).toBe(inWindow);
      expect((JSON.parse(run.stdout) as { summary: { flows: number } }).summary.flows).toBe(inWindow);
    } finally {
      kept.close();
    }
  }, 60_000);

  it('still analyzes what landed when an object fails to ingest, and exits 2', async () => {
    const src = path.join(tempDir('bad'), 'src');
    cpSync(sourceDir(), src, { recursive: true });
    writeFileSync(path.join(src, 'truncated.gz'), gzipSync('version srcaddr\n'.repeat(5000)).subarray(0, 100));
    const run = await runCli(['analyze', '--source', src, '--format', 'json', '--quiet', '--concurrency', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/FAILED .*truncated\.gz/);
    expect(run.stderr).toContain('networkflow analyze: the ingest reported failures (see above); analyzing what the data dir holds');
    expect((JSON.parse(run.stdout) as { summary: { flows: number } }).summary.flows).toBe(lake.records.length);
  }, 60_000);

  it('exits 2 with nothing to analyze when the source cannot be read', async () => {
    const run = await runCli(['analyze', '--source', path.join(tempDir('nosrc'), 'nope'), '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file or folder/);
    expect(run.stderr).toContain('networkflow analyze: nothing was ingested (see above), so there is nothing to analyze');
    expect(run.stdout).toBe('');
  });

  it('exits 64 on a bad source and 2 on a missing data dir, naming it', async () => {
    const bad = await runCli(['analyze', '--source', '-']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^networkflow analyze: --source cannot be standard input/);
    const dir = path.join(tempDir('missing'), 'no-lake');
    const missing = await runCli(['analyze', '--data-dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`networkflow analyze: data dir ${dir} does not exist or is not a folder (run networkflow ingest --data-dir ${dir} first, or pass the folder it wrote)\n`);
    const usage = await runCli(['analyze', '--data-dir', dir, '--country', 'USA']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toMatch(/^networkflow analyze: --country: "USA" is not valid .*\nRun 'networkflow analyze --help' for usage\.\n$/);
  });

  it('has help in the style of the other commands, and is listed', async () => {
    const run = await runCli(['analyze', '--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(ANALYZE_HELP);
    for (const flag of ['--source', '--data-dir', '--top', '--bucket', '--format', '--quiet', '--subscription', '--resource-group', '--nsg', '--rule', '--protocol', '--direction', '--decision', '--since', '--until', '--ip', '--port', '--country', 'Exit codes']) {
      expect(ANALYZE_HELP).toContain(flag);
    }
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}analyze {3}/m);
  });
});
