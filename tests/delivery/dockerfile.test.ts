/**
 * The Dockerfile, read as text (no Docker engine here): its shape (multi-stage, production dependencies only,
 * not root, port 8050, a health check on /healthz, the dashboard as entry point, settings by environment, no
 * secret baked in), and its recipe replayed in a temporary folder — the same `npm ci --omit=dev`, the same
 * prune step, the same entry command and environment — so the image's start cannot rot unseen.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFlowLogs, localObjectWriter } from '../../src/generate/index.js';

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
  it('builds in one stage and runs from another, with production dependencies only, trimmed', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(build[0].args).toMatch(/ AS build$/);
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/npm ci --omit=dev/);
    expect(runs).toMatch(/node scripts\/prune-production\.mjs/);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.every((c) => c.startsWith('--from=build '))).toBe(true);
    expect(copies.some((c) => c.includes('/app/dist'))).toBe(true);
  });

  it('runs as a non-root user on port 8050 with a health check on /healthz and the dashboard as entry point', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
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
    for (const kept of ['node_modules', 'dist', '.git', 'tests']) expect(ignore.split('\n')).toContain(kept);
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
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, e) => n + du(path.join(p, e)), 0) : s.size;
}

describe('the recipe, replayed in a temporary folder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nf-image-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs production dependencies, prunes them, starts the entry command and answers', async () => {
    const app = path.join(dir, 'app');
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(app, f));
    cpSync(path.join(ROOT, 'scripts'), path.join(app, 'scripts'), { recursive: true });
    cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
    // the build stage's production install and prune, as the Dockerfile writes them
    const install = /npm ci --omit=dev[^&]*/.exec(runs)?.[0].trim().split(/\s+/) as string[];
    execFileSync('npm', [...install.slice(1), '--prefer-offline'], { cwd: app, stdio: 'pipe' });
    execFileSync('node', ['scripts/prune-production.mjs', '.'], { cwd: app, stdio: 'pipe' });
    const appBytes = du(path.join(app, 'node_modules')) + du(path.join(app, 'dist'));
    console.log(`image app layer (node_modules + dist after prune): ${(appBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(appBytes).toBeLessThan(160 * 2 ** 20);

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
    expect(((await (await fetch(`${base}/api/meta`)).json()) as { flows: number }).flows).toBeGreaterThan(0);
    // the HEALTHCHECK command itself, with the container's environment
    const check = JSON.parse(/CMD (\[.*\])$/.exec(runtime.find((i) => i.op === 'HEALTHCHECK')?.args ?? '')?.[1] ?? '[]') as string[];
    expect(() => execFileSync(check[0], check.slice(1), { env, stdio: 'pipe' })).not.toThrow();
  }, 120_000);
});
