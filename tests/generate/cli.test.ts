/** `networkflow generate` (argument parsing, the command in-process, the tools/ entry point) and the demo data. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATE_HELP, outputWriter, parseGenerateArgs } from '../../src/cli/generate.js';
import { UsageError } from '../../src/cli/io.js';
import { defaultDemoCacheDir, DEMO_OPTIONS, ensureDemoData, objectWriterFromSource } from '../../src/generate/index.js';
import type { ObjectInfo, ObjectSource } from '../../src/sources/types.js';
import { runCli } from '../helpers/cli.js';
import { listFiles, readBack, removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
const dir = (label: string) => {
  const d = tempDir(label);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

describe('parseGenerateArgs', () => {
  it('has the documented defaults', () => {
    const c = parseGenerateArgs(['--out', 'x']);
    expect(c).toEqual({
      out: 'x',
      options: { format: 'csv-zip', hours: 48, start: undefined, seed: 42, flowsPerHour: 20000, anomalies: {}, exfiltrationCountry: undefined, concurrency: 4 },
    });
  });

  it('reads every option', () => {
    const c = parseGenerateArgs([
      '--out', 'o', '--format', 'aws-vpc', '--hours', '3', '--start', '2026-11-02T05:00:00Z', '--seed', '7', '--flows-per-hour', '10',
      '--anomaly', 'vertical-scan=2026-11-02T06:00:00Z', '--anomaly', 'exfiltration=off', '--exfil-country', 'ir', '--concurrency', '2',
    ]);
    expect(c).toEqual({
      out: 'o',
      options: {
        format: 'aws-vpc', hours: 3, start: Date.parse('2026-11-02T05:00:00Z'), seed: 7, flowsPerHour: 10,
        anomalies: { 'vertical-scan': { start: Date.parse('2026-11-02T06:00:00Z') }, exfiltration: { enabled: false } },
        exfiltrationCountry: 'IR', concurrency: 2,
      },
    });
    expect(parseGenerateArgs(['-h'])).toBe('help');
  });

  it.each([
    [[], /--out <dir> is required/],
    [['--out', 'o', '--format', 'parquet'], /--format must be one of csv-zip, azure-nsg/],
    [['--out', 'o', '--hours', '0'], /--hours must be a whole number ≥ 1, not '0'/],
    [['--out', 'o', '--hours', '2.5'], /--hours must be a whole number/],
    [['--out', 'o', '--seed', 'abc'], /--seed must be a whole number ≥ 0/],
    [['--out', 'o', '--start', 'monday'], /--start must be an ISO 8601 time/],
    [['--out', 'o', '--anomaly', 'ddos=2026-11-02T00:00:00Z'], /--anomaly: unknown type 'ddos'/],
    [['--out', 'o', '--anomaly', 'vertical-scan=later'], /--anomaly vertical-scan=<ISO time\|off>/],
    [['--out', 'o', '--exfil-country', 'Korea'], /--exfil-country must be a two-letter country code/],
    [['--out', 'o', '--bogus'], /Unknown option '--bogus'/],
  ])('%j → usage error', (argv, message) => {
    expect(() => parseGenerateArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseGenerateArgs(argv as string[])).toThrow(message);
  });

  it('--out: a folder or a file:// URI; standard output is refused', async () => {
    expect((await outputWriter('/tmp/x')).writer.uri).toBe('file:///tmp/x');
    expect((await outputWriter(pathToFileURL('/tmp/y z').href)).writer.uri).toBe(pathToFileURL('/tmp/y z').href);
    await expect(outputWriter('-')).rejects.toThrow(UsageError);
    expect(parseGenerateArgs(['--out', 's3://b/p', '--endpoint', 'http://127.0.0.1:9'])).toMatchObject({ out: 's3://b/p', endpoint: 'http://127.0.0.1:9' });
  });
});

describe('networkflow generate', () => {
  it('writes the data and truth.json, and prints a summary to stderr', async () => {
    const out = dir('cli');
    const r = await runCli(['generate', '--out', out, '--hours', '2', '--start', '2026-11-02T00:00:00Z', '--flows-per-hour', '500', '--format', 'azure-vnet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^networkflow generate: azure-vnet 2026-11-02T00:00:00\.000Z → 2026-11-02T02:00:00\.000Z: \d+ objects, \d+ flows, \d+ bytes in [\d.]+ s \(\d+ flows\/s\); 6 anomalies in .*truth\.json\n$/);
    const flows = Number(/(\d+) flows,/.exec(r.stderr)![1]);
    const back = await readBack(out);
    expect(back.diagnostics).toEqual([]);
    expect(back.records.length).toBe(flows);
  });

  it('prints its help; usage errors exit 64; a bad option value for the model exits 64 with a hint', async () => {
    const help = await runCli(['generate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(GENERATE_HELP);
    const usage = await runCli(['generate', '--hours', '3']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toMatch(/--out <dir> is required/);
    const country = await runCli(['generate', '--out', dir('cli-bad'), '--hours', '1', '--flows-per-hour', '0', '--exfil-country', 'QQ']);
    expect(country.code).toBe(64);
    expect(country.stderr).toMatch(/cannot place the anomalies.*\n {2}hint: /);
  });

  it('is listed in the main help', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toMatch(/generate\s+write synthetic flow logs/);
  });

  it('tools/generate.ts runs the same command', async () => {
    const out = dir('tools');
    const root = path.resolve(import.meta.dirname, '../..');
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'tools/generate.ts', '--out', out, '--hours', '1', '--flows-per-hour', '200', '--start', '2026-11-02T00:00:00Z'], { cwd: root });
    expect(stderr).toMatch(/csv-zip .* 6 anomalies/);
    expect(listFiles(out)).toEqual(['2026/11/02/flows_20261102_00.zip', 'truth.json']);
  }, 30_000);
});

describe('objectWriterFromSource', () => {
  it('writes through an ObjectSource that can write, counting bytes; refuses one that cannot', async () => {
    const written = new Map<string, Buffer>();
    const base: ObjectSource = {
      kind: 'local',
      uri: 'memory://test',
      list: async function* () {},
      stat: async () => { throw new Error('unused'); },
      read: async function* () {},
      close: async () => {},
    };
    const writable: ObjectSource = {
      ...base,
      async write(key, body, options): Promise<ObjectInfo> {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(Buffer.from(c));
        written.set(`${key} ${options?.contentType}`, Buffer.concat(parts));
        return { key, uri: `memory://test/${key}`, size: null, etag: null, lastModified: null };
      },
    };
    const w = objectWriterFromSource(writable);
    expect(w.uri).toBe('memory://test');
    const n = await w.write('a/b.txt', (async function* () { yield Buffer.from('hello '); yield Buffer.from('world'); })(), 'text/plain');
    expect(n).toBe(11);
    expect(written.get('a/b.txt text/plain')!.toString()).toBe('hello world');
    expect(() => objectWriterFromSource(base)).toThrow(/memory:\/\/test cannot be written to/);
  });

  it('a local folder that cannot be written: the error names the object, the command exits 2', async () => {
    const out = dir('readonly');
    await runCli(['generate', '--out', out, '--hours', '1', '--flows-per-hour', '0', '--start', '2026-11-02T00:00:00Z']);
    const { writer: w } = await outputWriter(path.join(out, 'truth.json')); // a file where a folder is expected
    await expect(w.write('x/y.json', (async function* () { yield Buffer.from('{}'); })(), 'application/json')).rejects.toThrow(/truth\.json\/x\/y\.json/);
    const r = await runCli(['generate', '--out', path.join(out, 'truth.json'), '--hours', '1', '--flows-per-hour', '0', '--start', '2026-11-02T00:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^networkflow generate: cannot write the output: .*truth\.json\/2026\/11\/02\/flows_20261102_00\.zip/);
  });
});

describe('ensureDemoData', () => {
  const small = { ...DEMO_OPTIONS, hours: 2, flowsPerHour: 300 };

  it('generates once into the cache folder (atomically) and reuses it afterwards', async () => {
    const cache = path.join(dir('demo'), 'networkflow', 'demo-v1');
    const [a, b] = await Promise.all([ensureDemoData(cache, small), ensureDemoData(cache, small)]);
    expect(a).toBe(cache);
    expect(b).toBe(cache);
    expect(listFiles(cache)).toEqual(['2026/11/02/flows_20261102_00.zip', '2026/11/02/flows_20261102_01.zip', 'truth.json']);
    expect(readdirSync(path.dirname(cache))).toEqual(['demo-v1']); // no temporary folder left
    const before = statSync(path.join(cache, 'truth.json')).mtimeMs;
    const truth = readFileSync(path.join(cache, 'truth.json'), 'utf8');
    await ensureDemoData(cache, { ...small, seed: 99 });
    expect(statSync(path.join(cache, 'truth.json')).mtimeMs).toBe(before);
    expect(readFileSync(path.join(cache, 'truth.json'), 'utf8')).toBe(truth);
  });

  it('cleans up its temporary folder when generation fails', async () => {
    const parent = dir('demo-fail');
    const cache = path.join(parent, 'demo-v1');
    await expect(ensureDemoData(cache, { ...small, exfiltrationCountry: 'QQ' })).rejects.toThrow(/QQ/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('the default cache folder follows XDG_CACHE_HOME, else ~/.cache; the demo is 48 h with a fixed seed and start', () => {
    expect(defaultDemoCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(path.join('/x/cache', 'networkflow', 'demo-v1'));
    expect(defaultDemoCacheDir({})).toMatch(/\.cache[\\/]networkflow[\\/]demo-v1$/);
    expect(DEMO_OPTIONS).toMatchObject({ hours: 48, seed: 42, format: 'csv-zip', start: '2026-11-02T00:00:00Z' });
  });
});
