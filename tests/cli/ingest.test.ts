import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_HELP, parseIngestArgs, type IngestCommand } from '../../src/cli/ingest.js';
import { UsageError } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { generateFlowLogs, localObjectWriter, parseInputs } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

const NO_ENV = {};
const dirs: string[] = [];
function tempDir(label: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `nf-ingest-cli-${label}-`));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The first file under dir, in name order. */
function firstFile(dir: string): string {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return firstFile(p);
    return p;
  }
  throw new Error(`no file under ${dir}`);
}

function command(argv: string[], env: Record<string, string | undefined> = NO_ENV): IngestCommand {
  const cmd = parseIngestArgs(argv, env);
  if (cmd === 'help') throw new Error('unexpected help');
  return cmd;
}

describe('parseIngestArgs', () => {
  it('reads the source, the data dir, and has the documented defaults', () => {
    expect(command(['--source', '/logs', '--data-dir', '/lake'])).toEqual({
      options: { source: pathToFileURL('/logs').href, dataDir: '/lake', format: 'auto' },
      json: false,
      quiet: false,
    });
    expect(parseIngestArgs(['--help'], NO_ENV)).toBe('help');
    expect(parseIngestArgs(['-h'], NO_ENV)).toBe('help');
  });

  it('makes a relative source and data dir absolute, so reruns from elsewhere find the same objects', () => {
    const cmd = command(['--source', 'logs/2024', '--data-dir', 'lake']);
    expect(cmd.options.source).toBe(pathToFileURL(path.resolve('logs/2024')).href);
    expect(cmd.options.dataDir).toBe(path.resolve('lake'));
    expect(command(['--source', 'file:///srv/logs', '--data-dir', 'file:///srv/lake']).options).toMatchObject({ source: 'file:///srv/logs', dataDir: '/srv/lake' });
  });

  it('accepts object-store URIs and the --storage-account/--container pair', () => {
    expect(command(['--source', 's3://bucket/AWSLogs/', '--data-dir', '/d']).options.source).toBe('s3://bucket/AWSLogs');
    expect(command(['--source', 'gs://bkt', '--data-dir', '/d']).options.source).toBe('gs://bkt');
    expect(command(['--source', 'azure://acct/cont/y=2024', '--data-dir', '/d']).options.source).toBe('azure://acct/cont/y=2024');
    expect(command(['--storage-account', 'acct', '--container', 'insights-logs-flowlogflowevent', '--data-dir', '/d']).options.source).toBe(
      'azure://acct/insights-logs-flowlogflowevent',
    );
  });

  it('reads every option', () => {
    const cmd = command([
      '--source', 's3://bkt', '--data-dir', '/d', '--format', 'aws-vpc', '--aws-fields', 'version, srcaddr  dstaddr', '--concurrency', '3',
      '--endpoint', 'http://127.0.0.1:9000', '--max-inflated-size', '1000', '--max-inflate-ratio', '50', '--json', '--quiet',
      '--since', '2024-05-01T10:00', '--until', '2024-05-02',
    ]);
    expect(cmd).toEqual({
      options: {
        source: 's3://bkt',
        dataDir: '/d',
        format: 'aws-vpc',
        awsFields: ['version', 'srcaddr', 'dstaddr'],
        concurrency: 3,
        sourceOptions: { endpoint: 'http://127.0.0.1:9000' },
        limits: { maxInflatedBytes: 1000, maxInflateRatio: 50 },
        since: Date.parse('2024-05-01T10:00:00Z'),
        until: Date.parse('2024-05-02T00:00:00Z'),
      },
      json: true,
      quiet: true,
    });
  });

  it('takes --concurrency 0 to parse on the main thread', () => {
    expect(command(['--source', '/l', '--data-dir', '/d', '--concurrency', '0']).options.concurrency).toBe(0);
  });

  it('reads relative --since/--until as durations before now', () => {
    const before = Date.now();
    const cmd = command(['--source', '/l', '--data-dir', '/d', '--since', '7d', '--until', '1h']);
    expect(cmd.options.since!).toBeGreaterThanOrEqual(before - 7 * 86_400_000);
    expect(cmd.options.since!).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
    expect(cmd.options.until! - cmd.options.since!).toBe(7 * 86_400_000 - 3_600_000);
  });

  it('takes the data dir from NETWORKFLOW_DATA_DIR when --data-dir is not given, and the flag wins over it', () => {
    expect(command(['--source', '/l'], { NETWORKFLOW_DATA_DIR: '/from-env' }).options.dataDir).toBe('/from-env');
    expect(command(['--source', '/l', '--data-dir', '/flag'], { NETWORKFLOW_DATA_DIR: '/from-env' }).options.dataDir).toBe('/flag');
    expect(() => command(['--source', '/l'], { NETWORKFLOW_DATA_DIR: '  ' })).toThrow(/--data-dir is required \(or set NETWORKFLOW_DATA_DIR\)/);
    expect(() => command(['--source', '/l'], { NETWORKFLOW_DATA_DIR: 's3://bkt/lake' })).toThrow(/NETWORKFLOW_DATA_DIR must be a local folder \(got s3:\/\/bkt\/lake\)/);
  });

  it.each([
    [[], /--source is required/],
    [['--data-dir', '/d'], /--source is required: a folder, a file, or a URI/],
    [['--source', '/l'], /--data-dir is required \(or set NETWORKFLOW_DATA_DIR\)/],
    [['--source', '/l', '--data-dir', ''], /--data-dir needs a folder name/],
    [['--source', '/l', '--data-dir', 's3://bkt/lake'], /--data-dir must be a local folder \(got s3:\/\/bkt\/lake\)/],
    [['--source', '/l', '--data-dir', 'file://host/x'], /--data-dir: file:\/\/host\/x is not a valid file:\/\/ URI/],
    [['--source', '-', '--data-dir', '/d'], /--source cannot be standard input/],
    [['--source', '', '--data-dir', '/d'], /empty input name/],
    [['--source', 'ftp://x/y', '--data-dir', '/d'], /unsupported scheme/],
    [['--source', 's3://Bad_Bucket', '--data-dir', '/d'], /not a valid S3 bucket name/],
    [['/logs', '--data-dir', '/d'], /ingest reads one source, given with --source \(got the argument '\/logs'; write --source \/logs\)/],
    [['--source', '/l', '--storage-account', 'acct', '--container', 'c', '--data-dir', '/d'], /either --source or --storage-account with --container, not both/],
    [['--storage-account', 'acct', '--data-dir', '/d'], /--storage-account and --container go together/],
    [['--container', 'c', '--data-dir', '/d'], /go together/],
    [['--storage-account', 'Bad_Name', '--container', 'c', '--data-dir', '/d'], /not a valid Azure storage account name.*\(write azure:/],
    [['--source', '/l', '--data-dir', '/d', '--format', 'parquet'], /--format must be auto or one of csv, .*\(got parquet\)/],
    [['--source', '/l', '--data-dir', '/d', '--aws-fields', ' , '], /--aws-fields needs a space-separated field list/],
    [['--source', '/l', '--data-dir', '/d', '--concurrency', 'many'], /--concurrency needs a whole number of worker threads, or 0 .*\(got many\)/],
    [['--source', '/l', '--data-dir', '/d', '--concurrency', '1.5'], /--concurrency needs a whole number .*\(got 1\.5\)/],
    [['--source', '/l', '--data-dir', '/d', '--concurrency', '-2'], /--concurrency/],
    [['--source', '/l', '--data-dir', '/d', '--concurrency', ''], /--concurrency needs a whole number .*\(got \)/],
    [['--source', '/l', '--data-dir', '/d', '--max-inflated-size', '0'], /--max-inflated-size needs a positive number \(got 0\)/],
    [['--source', '/l', '--data-dir', '/d', '--max-inflated-size', '-1'], /--max-inflated-size/],
    [['--source', '/l', '--data-dir', '/d', '--max-inflate-ratio', 'x'], /--max-inflate-ratio needs a positive number/],
    [['--source', '/l', '--data-dir', '/d', '--since', 'yesterday'], /--since needs an ISO 8601 time/],
    [['--source', '/l', '--data-dir', '/d', '--until', '2024-13-01'], /--until needs an ISO 8601 time/],
    [['--source', '/l', '--data-dir', '/d', '--since', '2024-05-02', '--until', '2024-05-01'], /--since must be before --until/],
    [['--source', '/l', '--data-dir', '/d', '--endpoint', '127.0.0.1:9000'], /--endpoint needs an http\(s\) URL/],
    [['--source', '/l', '--data-dir', '/d', '--bogus'], /Unknown option '--bogus'/],
    [['--source', '/l', '--data-dir', '/d', '--json=yes'], /--json/],
  ])('%j → a usage error naming what is wrong', (argv, message) => {
    expect(() => parseIngestArgs(argv as string[], NO_ENV)).toThrow(UsageError);
    expect(() => parseIngestArgs(argv as string[], NO_ENV)).toThrow(message);
  });
});

describe('networkflow ingest: help and usage', () => {
  it('documents the source forms, every flag, reruns, crash safety and exit codes', async () => {
    const run = await runCli(['ingest', '--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(INGEST_HELP);
    for (const text of [
      '--source', 'azure://<account>/<container>', 's3://<bucket>', 'gs://<bucket>', '--storage-account', '--container', '--data-dir',
      'NETWORKFLOW_DATA_DIR', '--format', '--aws-fields', '--since', '--until', '--concurrency', '--endpoint', '--max-inflated-size',
      '--max-inflate-ratio', '--json', '--quiet', 'new or changed', 'killed', 'atomically', 'Exit codes', '64 usage',
    ]) {
      expect(run.stderr).toContain(text);
    }
  });

  it('is listed by networkflow --help and exits 64 on bad usage', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}ingest {4}/m);
    const run = await runCli(['ingest', '--source', '/x']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain("networkflow ingest: --data-dir is required");
    expect(run.stderr).toContain("Run 'networkflow ingest --help' for usage.");
  });
});

/** Ingest end to end: the real pipeline over generated data. Needs src/ingest/ingest.ts (the lead's). */
describe('networkflow ingest end to end', () => {
  let source: string;
  let expected: number;
  let expectedBad: number;

  beforeAll(async () => {
    source = tempDir('src');
    const common = { start: '2026-11-02T00:00:00Z', hours: 2, flowsPerHour: 3000, seed: 7 } as const;
    await generateFlowLogs(localObjectWriter(path.join(source, 'csv')), { ...common, format: 'csv-zip' });
    await generateFlowLogs(localObjectWriter(path.join(source, 'aws')), { ...common, format: 'aws-vpc' });
    // truth.json is the generator's answer key, not flow logs
    for (const sub of ['csv', 'aws']) rmSync(path.join(source, sub, 'truth.json'));
    const parsed = await parseInputs([source], {}, { onRecords: () => undefined });
    expect(parsed.failures).toEqual([]);
    expected = parsed.records;
    expectedBad = parsed.badRecords;
    expect(expected).toBeGreaterThan(10_000);
  }, 120_000);

  it('ingests every record once with --json, then a rerun finds every object unchanged', async () => {
    const dataDir = path.join(tempDir('lake'), 'lake');
    const first = await runCli(['ingest', '--source', source, '--data-dir', dataDir, '--json', '--concurrency', '2']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(
      ['dataDir', 'objects', 'objectsListed', 'objectsUnchanged', 'objectsIngested', 'objectsReplaced', 'records', 'badRecords', 'badByReason', 'warnings', 'failures', 'filesWritten', 'filesRemoved', 'seconds', 'recordsPerSecond'].sort(),
    );
    expect(summary).toMatchObject({ dataDir, records: expected, badRecords: expectedBad, failures: [], objectsUnchanged: 0, objectsReplaced: 0 });
    expect(summary.objectsIngested).toBe(summary.objectsListed);
    expect(summary.filesWritten as number).toBeGreaterThan(0);
    expect(summary.seconds as number).toBeGreaterThan(0);
    expect(summary.recordsPerSecond as number).toBeCloseTo(expected / (summary.seconds as number), -1);
    expect(existsSync(path.join(dataDir, 'manifest.json'))).toBe(true);
    // the human summary goes to stderr beside the JSON
    expect(first.stderr).toMatch(new RegExp(`${expected} record\\(s\\), ${expectedBad} bad row\\(s\\), 0 failed input\\(s\\)`));
    expect(first.stderr).toMatch(/objects: \d+ listed, 0 unchanged \(skipped\), \d+ ingested/);

    const again = await runCli(['ingest', '--source', source, '--data-dir', dataDir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const rerun = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(rerun).toMatchObject({ records: 0, objectsIngested: 0, objectsUnchanged: summary.objectsListed, objectsListed: summary.objectsListed, filesWritten: 0, failures: [] });

    // one object changes (its last row is gone): only it is read again, and its rows replace the old ones
    const changed = firstFile(path.join(source, 'aws'));
    const lines = gunzipSync(readFileSync(changed)).toString('utf8').trimEnd().split('\n');
    writeFileSync(changed, gzipSync(lines.slice(0, -1).join('\n') + '\n'));
    const changedRecords = (await parseInputs([changed], {}, { onRecords: () => undefined })).records;
    expected = (await parseInputs([source], {}, { onRecords: () => undefined })).records;
    const third = await runCli(['ingest', '--source', source, '--data-dir', dataDir, '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({
      records: changedRecords,
      objectsIngested: 1,
      objectsReplaced: 1,
      objectsUnchanged: (summary.objectsListed as number) - 1,
      failures: [],
    });
  }, 240_000);

  it('prints plain progress lines when stderr is not a terminal and none with --quiet', async () => {
    const quiet = await runCli(['ingest', '--source', path.join(source, 'aws'), '--data-dir', tempDir('lake-q'), '--quiet']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).not.toContain('networkflow ingest:');
    expect(quiet.stderr).toMatch(/^networkflow: \d+ input\(s\)/);

    const plain = await runCli(['ingest', '--source', path.join(source, 'aws'), '--data-dir', tempDir('lake-p')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    // plain lines only (one every 5 s on a slow machine), the last one at the end, then the summary
    expect(plain.stderr).toMatch(/^(networkflow ingest: [a-z]+ .*\n)*networkflow ingest: done 100%: (\d+)\/\2 objects, [\d.]+[kM]? records, .*\nnetworkflow: \d+ input\(s\)/);
  }, 240_000);

  it('draws a progress bar on a terminal and clears it before the summary', async () => {
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    const err: Buffer[] = [];
    stderr.on('data', (b: Buffer) => err.push(b));
    stdout.resume();
    const code = await main(['ingest', '--source', path.join(source, 'csv'), '--data-dir', tempDir('lake-tty')], { stdout, stderr });
    const text = Buffer.concat(err).toString('utf8');
    expect(code, text).toBe(0);
    const [progress, summary] = text.split(/\r\x1b\[K(?=networkflow: )/);
    expect(summary).toMatch(/^networkflow: \d+ input\(s\)/);
    const frames = progress.split('\r\x1b[K').filter(Boolean);
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) {
      expect(f.length).toBeLessThanOrEqual(99);
      expect(f).not.toContain('\n');
    }
    expect(frames.some((f) => /^ingesting .*objects/.test(f))).toBe(true);
  }, 240_000);

  it('reports failed objects in the summary and the JSON, exits 2, and still ingests the rest', async () => {
    const dir = tempDir('bad');
    const src = path.join(dir, 'src');
    mkdirSync(src);
    cpSync(path.join(source, 'aws'), path.join(src, 'aws'), { recursive: true });
    writeFileSync(path.join(src, 'empty.log'), '');
    writeFileSync(path.join(src, 'truncated.gz'), gzipSync('version srcaddr\n'.repeat(5000)).subarray(0, 100));
    const run = await runCli(['ingest', '--source', src, '--data-dir', path.join(dir, 'lake'), '--json']);
    expect(run.code, run.stderr).toBe(2);
    const summary = JSON.parse(run.stdout) as { records: number; warnings: number; failures: { object: string; code: string; message: string }[] };
    const awsOnly = await parseInputs([path.join(src, 'aws')], {}, { onRecords: () => undefined });
    expect(summary.records).toBe(awsOnly.records);
    // a truncated archive fails its object; an entry that is no flow log (empty) is skipped with a warning
    expect(summary.failures.map((f) => path.basename(f.object))).toEqual(['truncated.gz']);
    expect(Object.keys(summary.failures[0]).sort()).toEqual(['code', 'message', 'object']);
    expect(summary.failures[0].code).toMatch(/\S/);
    expect(summary.failures[0].message).toMatch(/truncated/);
    expect(summary.warnings).toBeGreaterThanOrEqual(1);
    expect(run.stderr).toMatch(/FAILED .*truncated\.gz/);
    expect(run.stderr).toMatch(/1 failed input\(s\)/);
  }, 240_000);

  it('says plainly when the source is missing, the data dir is unusable, or another ingest holds it', async () => {
    const dir = tempDir('errors');
    const missing = await runCli(['ingest', '--source', path.join(dir, 'nope'), '--data-dir', path.join(dir, 'lake')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`networkflow ingest: ${pathToFileURL(path.join(dir, 'nope')).href}: no such file or folder\n`);

    writeFileSync(path.join(dir, 'a-file'), 'x');
    const notDir = await runCli(['ingest', '--source', path.join(source, 'aws'), '--data-dir', path.join(dir, 'a-file'), '--quiet']);
    expect(notDir.code).toBe(64);
    expect(notDir.stderr).toMatch(/^networkflow ingest: data dir .*a-file: EEXIST.*\(give --data-dir a folder that can be created and written to\)\n$/);

    // a lock held by a live process (the test runner's parent) that is not this one
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    writeFileSync(path.join(locked, '.lock'), String(process.ppid));
    const run = await runCli(['ingest', '--source', path.join(source, 'aws'), '--data-dir', locked]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`another ingest (pid ${process.ppid}) is writing to this data dir`);
  }, 60_000);

  it('runs as a process (the CLI through tsx, parsing in worker threads) and prints only JSON on stdout', () => {
    const dir = tempDir('spawn');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ingest', '--source', path.join(source, 'csv'), '--data-dir', dir, '--json', '--concurrency', '2'], {
      encoding: 'utf8',
      env: { ...process.env, NETWORKFLOW_DATA_DIR: undefined },
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { records: number; dataDir: string };
    expect(summary.dataDir).toBe(dir);
    expect(summary.records).toBeGreaterThan(0);
    expect(run.stderr).toContain(`${summary.records} record(s)`);
  }, 120_000);

  it('ingests nothing from an empty folder and says so', async () => {
    const dir = tempDir('empty');
    mkdirSync(path.join(dir, 'src'));
    const run = await runCli(['ingest', '--source', path.join(dir, 'src'), '--data-dir', path.join(dir, 'lake'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ objectsListed: 0, records: 0, failures: [] });
  }, 60_000);
});
