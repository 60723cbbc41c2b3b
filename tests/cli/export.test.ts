/**
 * `networkflow export` on a real lake: every aggregate in JSON (equal to the library function called
 * directly) and in CSV (parsed back and compared with the library result), the raw flows streamed as NDJSON
 * and CSV (against the generated records and FlowStore.count), --output written atomically, formula cells
 * neutralized, and the usage and data errors.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATE_NAMES, sankeyCsv, type AggregateName } from '../../src/analytics/analysis.js';
import { csvCell, csvText } from '../../src/model/csv.js';
import { EXPORT_HELP, parseExportArgs, type ExportCommand } from '../../src/cli/export.js';
import { flowPages } from '../../src/cli/flow-pages.js';
import { UsageError } from '../../src/cli/io.js';
import {
  FLOW_COLUMNS,
  FLOW_CSV_HEADER,
  FlowStore,
  countries,
  deniedBy,
  deniedOverTime,
  detectAnomalies,
  flowRecordToCsv,
  flowRecordToJson,
  heatmapDayHour,
  heatmapNsgHour,
  ingest,
  sankeyPairs,
  servicePorts,
  summary,
  timeSeries,
  topListeners,
  topTalkers,
  type Filter,
  type FlowRecord,
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
/** A lake of a few rows with formula-like names and many rows on one timestamp. */
let evilDir: string;
let evilStore: FlowStore;
const EVIL = ['=HYPERLINK("http://evil.example/?x","click")', '@SUM(1+1)', '-2+3', '+cmd|"/C calc"!A0'];
const dirs: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `nf-export-cli-${label}-`));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 3, flowsPerHour: 1500, seed: 7, start: new Date(START).toISOString() });
  store = await FlowStore.open(lake.dataDir);
  const root = tempDir('evil');
  mkdirSync(path.join(root, 'src'));
  const tied = START + 5 * 60_000;
  const rows = lake.records.slice(0, 40).map((r, i): FlowRecord => ({
    ...r,
    timestamp: i < 30 ? tied : r.timestamp,
    nsg_name: EVIL[i % EVIL.length],
    rule_name: EVIL[(i + 1) % EVIL.length],
    flow_decision: 'Deny',
    attributes: null,
  }));
  writeFileSync(path.join(root, 'src', 'evil.csv'), FLOW_CSV_HEADER + rows.map(flowRecordToCsv).join(''));
  evilDir = path.join(root, 'lake');
  await ingest({ source: path.join(root, 'src'), dataDir: evilDir, concurrency: 0 });
  evilStore = await FlowStore.open(evilDir);
}, 120_000);

afterAll(async () => {
  store?.close();
  evilStore?.close();
  await lake?.cleanup();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function command(argv: string[], env: Record<string, string | undefined> = NO_ENV): ExportCommand {
  const cmd = parseExportArgs(argv, env, NOW);
  if (cmd === 'help') throw new Error('unexpected help');
  return cmd;
}

/** Each aggregate from its library function, called here directly. */
async function library(s: FlowStore, name: AggregateName, filter: Filter, top?: number): Promise<unknown> {
  const limit = top === undefined ? {} : { limit: top };
  switch (name) {
    case 'summary': {
      const anomalies = await detectAnomalies(s, filter);
      return { ...(await summary(s, filter)), anomalies: { count: anomalies.length, timestamps: anomalies.map((a) => a.start).sort((a, b) => a - b) } };
    }
    case 'top-talkers':
      return topTalkers(s, filter, limit);
    case 'top-listeners':
      return topListeners(s, filter, limit);
    case 'service-ports':
      return servicePorts(s, filter, limit);
    case 'denied-by-nsg-rule':
      return deniedBy(s, filter, 'nsg_rule', top);
    case 'denied-by-source':
      return deniedBy(s, filter, 'source', top);
    case 'denied-by-port':
      return deniedBy(s, filter, 'dst_port', top);
    case 'denied-over-time':
      return deniedOverTime(s, filter);
    case 'time-series':
      return timeSeries(s, filter);
    case 'heatmap-day-hour':
      return heatmapDayHour(s, filter);
    case 'heatmap-nsg-hour':
      return heatmapNsgHour(s, filter, top);
    case 'sankey':
      return sankeyPairs(s, filter, limit);
    case 'countries':
      return countries(s, filter);
    case 'anomalies':
      return detectAnomalies(s, filter);
  }
}

// ---- the CSV tables read back into the library's shapes ------------------------------------------------------

type Row = Record<string, string>;
const num = (v: string) => Number(v);
const orNull = (v: string) => (v === '' ? null : v);
const numOrNull = (v: string) => (v === '' ? null : Number(v));
const time = (v: string) => (v === '' ? null : Date.parse(v));
const bool = (v: string) => {
  expect(['true', 'false']).toContain(v);
  return v === 'true';
};
const words = (v: string) => (v === '' ? [] : v.split(' '));

function measured(r: Row) {
  return { flows: num(r.flows), bytes: num(r.bytes), packets: num(r.packets), denied: num(r.denied) };
}

function heatmapFrom(rows: Row[], key: string) {
  const labels = [...new Set(rows.map((r) => r[key]))];
  return { rows: labels, z: labels.map((l) => rows.filter((r) => r[key] === l).sort((a, b) => num(a.hour) - num(b.hour)).map((r) => num(r.flows))) };
}

/** What comparing a CSV export with the library result means, per aggregate: [from CSV, from the library]. */
function roundTrip(name: AggregateName, rows: Row[], value: unknown): [unknown, unknown] {
  switch (name) {
    case 'summary': {
      const [r] = rows;
      return [
        {
          flows: num(r.flows), bytes: num(r.bytes), packets: num(r.packets), denied: num(r.denied), denialRate: num(r.denialRate),
          distinctSources: num(r.distinctSources), distinctDestinations: num(r.distinctDestinations), start: time(r.start), end: time(r.end),
          anomalies: { count: num(r.anomalies), timestamps: words(r.anomalyTimestamps).map((t) => Date.parse(t)) },
        },
        value,
      ];
    }
    case 'top-talkers':
    case 'top-listeners':
      return [rows.map((r) => ({ ip: orNull(r.ip), ...measured(r) })), value];
    case 'service-ports':
      return [
        rows.map((r) => ({
          kind: r.kind, protocol: orNull(r.protocol), port: numOrNull(r.port), service: orNull(r.service), label: r.label, ...measured(r), distinctSources: num(r.distinctSources),
        })),
        value,
      ];
    case 'denied-by-nsg-rule':
    case 'denied-by-source':
    case 'denied-by-port':
      return [
        rows.map((r) => {
          const other = bool(r.other);
          const keys: Record<string, unknown> = {};
          if (!other) {
            if ('nsg_name' in r) Object.assign(keys, { nsg_name: orNull(r.nsg_name), rule_name: orNull(r.rule_name) });
            if ('src_ip' in r) keys.src_ip = orNull(r.src_ip);
            if ('dst_port' in r) keys.dst_port = numOrNull(r.dst_port);
          }
          return { label: r.label, ...keys, other, flows: num(r.flows), bytes: num(r.bytes), packets: num(r.packets) };
        }),
        value,
      ];
    case 'denied-over-time':
      return [rows.map((r) => ({ time: time(r.time), flows: num(r.flows), bytes: num(r.bytes) })), (value as { rows: unknown[] }).rows];
    case 'time-series':
      return [
        rows.map((r) => ({ time: time(r.time), flows: num(r.flows), bytes: num(r.bytes), denied: num(r.denied), allowed: num(r.allowed) })),
        (value as { rows: unknown[] }).rows,
      ];
    case 'heatmap-day-hour':
    case 'heatmap-nsg-hour': {
      const h = value as { rows: string[]; z: number[][] };
      return [heatmapFrom(rows, name === 'heatmap-day-hour' ? 'day' : 'nsg'), { rows: h.rows, z: h.z }];
    }
    case 'sankey':
      return [
        rows.map((r) => ({ src_ip: orNull(r.src_ip), dst_ip: orNull(r.dst_ip), other: bool(r.other), flows: num(r.flows), bytes: num(r.bytes) })),
        (value as { rows: unknown[] }).rows,
      ];
    case 'countries': {
      const side = (s: string) => rows.filter((r) => r.side === s);
      return [
        {
          sources: side('src').map((r) => ({ country: orNull(r.src), label: r.label, flows: num(r.flows), bytes: num(r.bytes) })),
          destinations: side('dst').map((r) => ({ country: orNull(r.dst), label: r.label, flows: num(r.flows), bytes: num(r.bytes) })),
          pairs: side('pair').map((r) => ({ src: orNull(r.src), dst: orNull(r.dst), flows: num(r.flows), bytes: num(r.bytes) })),
        },
        value,
      ];
    }
    case 'anomalies':
      return [
        rows.map((r) => ({
          id: r.id, type: r.type, severity: r.severity, score: num(r.score), start: time(r.start), end: time(r.end), flows: num(r.flows),
          entities: { srcIps: words(r.srcIps), dstIps: words(r.dstIps), ports: words(r.ports).map(Number), countries: words(r.countries) },
          summary: r.summary, evidence: JSON.parse(r.evidence) as unknown, filter: JSON.parse(r.filter) as unknown,
        })),
        value,
      ];
  }
}

describe('parseExportArgs', () => {
  it('reads the aggregate and the data dir, with the documented defaults', () => {
    expect(command(['top-talkers', '--data-dir', 'lake'])).toEqual({
      target: 'top-talkers', dataDir: path.resolve('lake'), filter: {}, options: { top: undefined, bucket: undefined }, format: 'json',
    });
    expect(command(['flows'], { NETWORKFLOW_DATA_DIR: '/srv/lake' }).dataDir).toBe('/srv/lake');
    expect(parseExportArgs(['--help'], NO_ENV)).toBe('help');
  });

  it('reads every option', () => {
    expect(command(['time-series', '--data-dir', '/d', '--format', 'CSV', '--output', 'out.csv', '--top', '7', '--bucket', 'day', '--nsg', 'a,b', '--until', '1h'])).toEqual({
      target: 'time-series',
      dataDir: '/d',
      filter: { nsg: ['a', 'b'], until: NOW - HOUR },
      options: { top: 7, bucket: 'day' },
      format: 'csv',
      output: path.resolve('out.csv'),
    });
  });

  it.each([
    [['--data-dir', '/d'], /export writes one aggregate: give one of summary, top-talkers, .*, anomalies, flows$/],
    [['summary', 'countries', '--data-dir', '/d'], /\(got summary countries\)/],
    [['top-ports', '--data-dir', '/d'], new RegExp(`^unknown aggregate 'top-ports': use one of ${AGGREGATE_NAMES.join(', ')}, flows$`)],
    [['summary'], /--data-dir is required \(or set NETWORKFLOW_DATA_DIR\)/],
    [['flows', '--data-dir', '/d', '--top', '5'], /--top applies to aggregates/],
    [['flows', '--data-dir', '/d', '--format', 'ndjson'], /--format must be one of json, csv \(got ndjson\)/],
    [['flows', '--data-dir', '/d', '--output', ''], /--output needs a file name/],
    [['flows', '--data-dir', '/d', '--decision', 'drop'], /^--decision: "drop" is not valid/],
    [['flows', '--data-dir', '/d', '--bucket', 'year'], /--bucket must be one of/],
    [['flows', '--data-dir', '/d', '--limit', '3'], /Unknown option '--limit'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseExportArgs(argv as string[], NO_ENV, NOW)).toThrow(UsageError);
    expect(() => parseExportArgs(argv as string[], NO_ENV, NOW)).toThrow(message);
  });
});

describe('networkflow export <aggregate>', () => {
  const filters: [string, string[], Filter][] = [
    ['no filter', [], {}],
    ['a filter and --top', ['--decision', 'deny', '--since', new Date(START + HOUR).toISOString(), '--top', '3'], { decision: ['Deny'], since: START + HOUR }],
  ];
  for (const [label, flags, filter] of filters) {
    const top = flags.includes('--top') ? 3 : undefined;
    it(`writes every aggregate as JSON equal to the library and as CSV that reads back to it (${label})`, async () => {
      for (const name of AGGREGATE_NAMES) {
        const expected = await library(store, name, filter, top);
        if (Array.isArray(expected) && label === 'no filter') expect(expected.length, `${name} has rows to compare`).toBeGreaterThan(0);
        const json = await runCli(['export', name, '--data-dir', lake.dataDir, ...flags]);
        expect(json.code, `${name}: ${json.stderr}`).toBe(0);
        expect(JSON.parse(json.stdout), name).toEqual(JSON.parse(JSON.stringify(expected)));
        const csv = await runCli(['export', name, '--data-dir', lake.dataDir, '--format', 'csv', ...flags]);
        expect(csv.code, `${name}: ${csv.stderr}`).toBe(0);
        const [fromCsv, fromLibrary] = roundTrip(name, csvObjects(csv.stdout), expected);
        expect(fromCsv, name).toEqual(JSON.parse(JSON.stringify(fromLibrary)));
      }
    }, 120_000);
  }

  it('writes Sankey paths through the port with a dst_port column', async () => {
    const viaPort = await sankeyPairs(store, {}, { viaPort: true, limit: 5 });
    const rows = csvObjects(csvText(sankeyCsv(viaPort)));
    expect(Object.keys(rows[0])).toEqual(['src_ip', 'dst_port', 'dst_ip', 'other', 'flows', 'bytes']);
    expect(rows.map((r) => ({ src_ip: r.src_ip || null, dst_port: r.dst_port === '' ? null : Number(r.dst_port), dst_ip: r.dst_ip || null, other: r.other === 'true', flows: Number(r.flows), bytes: Number(r.bytes) }))).toEqual(
      viaPort.rows.map((r) => (r.other ? { ...r, dst_port: null } : r)),
    );
  });

  it('--bucket sets the series bucket', async () => {
    const run = await runCli(['export', 'time-series', '--data-dir', lake.dataDir, '--bucket', 'hour']);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(await timeSeries(store, {}, { bucket: 'hour' }))));
    expect((JSON.parse(run.stdout) as { rows: unknown[] }).rows).toHaveLength(3);
  });

  it('neutralizes formula cells from the logs and still reads back to the library result', async () => {
    const run = await runCli(['export', 'denied-by-nsg-rule', '--data-dir', evilDir, '--format', 'csv']);
    expect(run.code).toBe(0);
    const cells = parseCsv(run.stdout).slice(1).flat();
    for (const evil of EVIL) {
      expect(cells).toContain(`'${evil}`);
      expect(cells).not.toContain(evil);
    }
    const expected = await deniedBy(evilStore, {}, 'nsg_rule');
    const [fromCsv, fromLibrary] = roundTrip('denied-by-nsg-rule', csvObjects(run.stdout), expected);
    expect(fromCsv).toEqual(JSON.parse(JSON.stringify(fromLibrary)));
  });
});

describe('networkflow export flows', () => {
  /** The records' flow JSON, as `networkflow parse` would print them, in a stable order. */
  const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

  it('streams every flow as NDJSON: the count FlowStore.count gives, the records the inputs hold', async () => {
    const run = await runCli(['export', 'flows', '--data-dir', lake.dataDir]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(await store.count());
    expect(lines).toHaveLength(lake.records.length);
    expect(Object.keys(lines[0])).toEqual([...FLOW_COLUMNS]);
    const withoutOrigin = (r: Record<string, unknown>) => ({ ...r, source_object: null });
    expect(sorted(lines.map(withoutOrigin))).toEqual(sorted(lake.records.map((r) => withoutOrigin(flowRecordToJson(r)))));
    // oldest first
    const times = lines.map((l) => Date.parse(l.timestamp as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }, 60_000);

  it('applies the filters', async () => {
    const since = START + 30 * 60_000;
    const run = await runCli(['export', 'flows', '--data-dir', lake.dataDir, '--decision', 'deny', '--protocol', 'TCP', '--since', new Date(since).toISOString()]);
    const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = lake.records.filter((r) => r.flow_decision === 'Deny' && r.protocol === 'TCP' && r.timestamp >= since);
    expect(expected.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(expected.length);
    expect(lines).toHaveLength(await store.count({ decision: ['Deny'], protocol: ['TCP'], since }));
    for (const l of lines) expect([l.flow_decision, l.protocol]).toEqual(['Deny', 'TCP']);
  }, 60_000);

  it('writes CSV with the parse columns that reads back to the NDJSON, formulas neutralized', async () => {
    const json = await runCli(['export', 'flows', '--data-dir', evilDir]);
    const csv = await runCli(['export', 'flows', '--data-dir', evilDir, '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe(FLOW_COLUMNS.join(','));
    const fromJson = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const fromCsv = csvObjects(csv.stdout);
    expect(fromCsv).toHaveLength(40);
    expect(fromCsv.map((r) => r.nsg_name)).toEqual(fromJson.map((r) => r.nsg_name));
    expect(fromCsv.map((r) => r.timestamp)).toEqual(fromJson.map((r) => r.timestamp));
    expect(fromCsv.map((r) => r.attributes)).toEqual(fromJson.map((r) => (r.attributes === null ? '' : JSON.stringify(r.attributes))));
    expect(fromCsv.map((r) => Number(r.bytes))).toEqual(fromJson.map((r) => r.bytes));
    expect(parseCsv(csv.stdout).flat().some((c) => c.startsWith("'="))).toBe(true);
  });

  it('pages by timestamp without losing or repeating rows that share one (any page size)', async () => {
    const all = await evilStore.flows({}, { limit: 100 });
    expect(all.filter((r) => r.timestamp === START + 5 * 60_000)).toHaveLength(30);
    const key = (r: { source_line: number | null; object_id: number | null }) => `${r.object_id}:${r.source_line}`;
    for (const pageRows of [1, 4, 7, 30, 31, 100]) {
      const seen: string[] = [];
      for await (const page of flowPages(evilStore, {}, pageRows)) {
        expect(page.length).toBeGreaterThan(0);
        expect(page.length).toBeLessThanOrEqual(pageRows);
        seen.push(...page.map(key));
      }
      expect(seen.sort(), `page ${pageRows}`).toEqual(all.map(key).sort());
    }
    // a window that ends inside the data, with small pages over the generated lake
    const filter: Filter = { until: START + 90 * 60_000, nsg: [lake.records[0].nsg_name as string] };
    let n = 0;
    for await (const page of flowPages(store, filter, 97)) n += page.length;
    expect(n).toBe(await store.count(filter));
  }, 60_000);
});

describe('networkflow export --output and errors', () => {
  it('writes --output atomically: the same bytes as stdout, no temporary left', async () => {
    const dir = tempDir('out');
    const file = path.join(dir, 'talkers.csv');
    writeFileSync(file, 'old content');
    const run = await runCli(['export', 'top-talkers', '--data-dir', lake.dataDir, '--format', 'csv', '--output', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    const stdout = await runCli(['export', 'top-talkers', '--data-dir', lake.dataDir, '--format', 'csv']);
    expect(readFileSync(file, 'utf8')).toBe(stdout.stdout);
    const flows = path.join(dir, 'flows.ndjson');
    expect((await runCli(['export', 'flows', '--data-dir', lake.dataDir, '--output', flows])).code).toBe(0);
    expect(readFileSync(flows, 'utf8').trimEnd().split('\n')).toHaveLength(lake.records.length);
    expect(readdirSync(dir).sort()).toEqual(['flows.ndjson', 'talkers.csv']);
  }, 60_000);

  it('exits 64 when --output cannot be written, leaving nothing behind', async () => {
    const dir = tempDir('noout');
    const file = path.join(dir, 'missing-folder', 'x.json');
    const run = await runCli(['export', 'summary', '--data-dir', lake.dataDir, '--output', file]);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(new RegExp(`^networkflow export: --output ${file.replace(/[.]/g, '\\.')}: cannot write there \\(ENOENT`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the temporary file when the export fails midway', async () => {
    const dir = tempDir('fail');
    const lakeDir = path.join(dir, 'lake');
    mkdirSync(lakeDir);
    // a manifest naming a file that is not there: opening works, the first query fails
    writeFileSync(
      path.join(lakeDir, 'manifest.json'),
      JSON.stringify({ version: 1, nextObjectId: 2, nextFileSeq: 2, objects: {}, files: { 'flows/date=2026-11-02/hour=00/x.parquet': { path: 'flows/date=2026-11-02/hour=00/x.parquet', date: '2026-11-02', hour: 0, rows: 1, bytes: 1, minTime: START, maxTime: START, objects: [1] } }, updatedAt: 1 }),
    );
    const out = path.join(dir, 'out');
    mkdirSync(out);
    await expect(runCli(['export', 'flows', '--data-dir', lakeDir, '--output', path.join(out, 'f.ndjson')])).rejects.toThrow();
    expect(readdirSync(out)).toEqual([]);
  });

  it('exits 2 naming a missing data dir or a damaged manifest', async () => {
    const dir = path.join(tempDir('missing'), 'nope');
    const run = await runCli(['export', 'summary', '--data-dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^networkflow export: data dir ${dir.replace(/[.]/g, '\\.')} does not exist or is not a folder`));
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'manifest.json'), '{"version": 99}');
    const damaged = await runCli(['export', 'summary', '--data-dir', dir]);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(new RegExp(`^networkflow export: data dir ${dir.replace(/[.]/g, '\\.')}: .*manifest version 99 is not 1`));
  });

  it('exits 64 on an unknown aggregate, listing the names; has help; is listed', async () => {
    const run = await runCli(['export', 'everything', '--data-dir', lake.dataDir]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(`unknown aggregate 'everything': use one of ${AGGREGATE_NAMES.join(', ')}, flows`);
    const help = await runCli(['export', '-h']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe(EXPORT_HELP);
    for (const name of [...AGGREGATE_NAMES, 'flows', '--output', '--format', '--top', '--bucket', '--since', '--country', 'Exit codes']) expect(EXPORT_HELP).toContain(name);
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}export {4}/m);
  });
});

describe('csv cells', () => {
  it('quotes as RFC 4180 and neutralizes formulas in text only', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`);
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvText({ columns: ['a', 'b'], rows: [[1, '@x'], [null, 'y']] })).toBe("a,b\n1,'@x\n,y\n");
  });
});
