// Source-layer benchmark: list + read 1,000 objects (~100 KB of AWS VPC flow-log text each) from Azurite
// through AzureBlobSource and resilientRead, 8 reads at a time; once direct, and once through a
// fault-injecting proxy (503/429 with Retry-After, resets, bodies cut off or truncated, stalls) on ~10% of
// requests. Every object must arrive whole, exactly once (byte count and SHA-256 per object are checked).
//
// Runs over dist/: `npx tsc -p tsconfig.build.json && node bench/sources.mjs`.
// BENCH_OBJECTS (default 1000), BENCH_OBJECT_KB (default 100), BENCH_CONCURRENCY (default 8),
// BENCH_FAULT_RATE (default 0.1) change the run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { rng } from './lib/rng.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'sources');
const { createAzureBlobSource } = await import(path.join(dist, 'azure-blob.js'));
const { resilientRead, withRetry, DEFAULT_RETRY_POLICY } = await import(path.join(dist, 'retry.js'));

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 1000);
const OBJECT_BYTES = Number(process.env.BENCH_OBJECT_KB ?? 100) * 1024;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const FAULT_RATE = Number(process.env.BENCH_FAULT_RATE ?? 0.1);
const ACCOUNT = 'devstoreaccount1';
// Azurite's documented, public development key (not a secret).
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'bench';
const connectionString = (endpoint) => `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${endpoint};`;

/** Azurite's blob service, in memory, on a port the OS picks (it prints the one it got). */
async function startAzurite() {
  const script = path.join(path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'];
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${out}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`Azurite exited (${code}):\n${out}`)));
  });
  child.removeAllListeners('exit');
  return {
    host: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A minimal fault-injecting reverse proxy (the tests' helper is TypeScript): each request draws a fault
 * with probability `rate`; at most 3 faults per method + path, so every object eventually gets through.
 */
async function startFaultProxy(target, rate, seed) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const random = rng(seed);
  const perTarget = new Map();
  const injected = { '503': 0, '429': 0, reset: 0, 'reset-mid-body': 0, truncate: 0, stall: 0 };
  const sockets = new Set();
  const timers = new Set();
  const kinds = ['503', '429', 'reset', 'reset-mid-body', 'truncate', 'stall'];
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url.split('?')[0]}`;
    const faults = perTarget.get(key) ?? 0;
    const kind = faults < 3 && random() < rate ? kinds[Math.floor(random() * kinds.length)] : 'pass';
    if (kind !== 'pass') {
      injected[kind]++;
      perTarget.set(key, faults + 1);
    }
    if (kind === '503' || kind === '429') {
      req.resume();
      res.writeHead(Number(kind), kind === '503' ? { 'retry-after': '1' } : {});
      res.end();
      return;
    }
    if (kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const forward = () => {
      const headers = { ...req.headers };
      delete headers.connection;
      const up = http.request(
        { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (upRes) => {
          const out = { ...upRes.headers };
          delete out.connection;
          delete out['transfer-encoding'];
          if (kind === 'reset-mid-body' || kind === 'truncate') {
            const budget = Math.floor(Number(upRes.headers['content-length'] ?? 0) / 2);
            if (kind === 'truncate') delete out['content-length'];
            res.writeHead(upRes.statusCode, out);
            let sent = 0;
            const cut = () => {
              upRes.destroy();
              if (kind === 'truncate') res.end();
              else req.socket.destroySoon();
            };
            if (budget <= 0) return cut();
            upRes.on('data', (chunk) => {
              if (sent >= budget) return;
              const part = chunk.subarray(0, budget - sent);
              sent += part.length;
              res.write(part);
              if (sent >= budget) cut();
            });
            return;
          }
          res.writeHead(upRes.statusCode, out);
          upRes.pipe(res);
        },
      );
      up.on('error', () => req.socket.destroy());
      req.pipe(up);
    };
    if (kind === 'stall') {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!req.socket.destroyed) forward();
      }, 3_000);
      timers.add(t);
      return;
    }
    forward();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    injected,
    close: () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      agent.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One object of AWS VPC flow-log text (version 2 layout, header line), deterministic per index. */
function flowLogObject(index, targetBytes) {
  const r = rng(0xf10 + index);
  const start = Math.floor(Date.UTC(2024, 4, 6, 0, 0, 0) / 1000) + index * 60;
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  let size = lines[0].length + 1;
  while (size < targetBytes) {
    const packets = 1 + Math.floor(r() * 400);
    const line = [
      2,
      '123456789010',
      `eni-0${Math.floor(r() * 0xfffffff).toString(16).padStart(7, '0')}a1b2c3d4e`,
      `10.0.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
      `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
      32768 + Math.floor(r() * 28000),
      [443, 80, 22, 3389, 53][Math.floor(r() * 5)],
      r() < 0.85 ? 6 : 17,
      packets,
      packets * (40 + Math.floor(r() * 1400)),
      start,
      start + 60,
      r() < 0.15 ? 'REJECT' : 'ACCEPT',
      'OK',
    ].join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const keyOf = (i) => `AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/05/06/123456789010_vpcflowlogs_us-east-1_fl-0bench_${String(i).padStart(4, '0')}.log`;
const sha = (b) => createHash('sha256').update(b).digest('hex');

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Lists and reads everything through the source layer; checks each object arrived whole, once. */
async function listAndRead(source, expected, policy) {
  let retries = 0;
  const t0 = performance.now();
  // A listing that fails part-way is started again (one page here, so nothing is listed twice).
  const infos = await withRetry(
    async () => {
      const all = [];
      for await (const page of source.list()) all.push(...page);
      return all;
    },
    policy,
    { onRetry: () => retries++, target: source.uri },
  );
  const listedMs = performance.now() - t0;
  const seen = new Set();
  let bytes = 0;
  await pool(infos, CONCURRENCY, async (info) => {
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of resilientRead(source, info, policy, { onRetry: () => retries++ })) {
      hash.update(chunk);
      n += chunk.length;
    }
    const want = expected.get(info.key);
    if (!want || n !== want.size || hash.digest('hex') !== want.sha) throw new Error(`${info.uri}: read ${n} bytes that do not match what was uploaded`);
    if (seen.has(info.key)) throw new Error(`${info.uri}: listed twice`);
    seen.add(info.key);
    bytes += n;
  });
  const seconds = (performance.now() - t0) / 1000;
  if (seen.size !== expected.size) throw new Error(`read ${seen.size} of ${expected.size} objects`);
  return { objects: seen.size, bytes, seconds, listedMs, retries };
}

const azurite = await startAzurite();
let proxy;
try {
  const blobEndpoint = `${azurite.host}/${ACCOUNT}`;
  const container = BlobServiceClient.fromConnectionString(connectionString(blobEndpoint)).getContainerClient(CONTAINER);
  await container.create();
  const expected = new Map();
  const uploadStart = performance.now();
  await pool(
    Array.from({ length: OBJECTS }, (_, i) => i),
    16,
    async (i) => {
      const body = flowLogObject(i, OBJECT_BYTES);
      expected.set(keyOf(i), { size: body.length, sha: sha(body) });
      await container.getBlockBlobClient(keyOf(i)).uploadData(body);
    },
  );
  const uploadSeconds = (performance.now() - uploadStart) / 1000;

  const env = { AZURE_STORAGE_CONNECTION_STRING: connectionString(blobEndpoint) };
  const location = { kind: 'azure', uri: `azure://${ACCOUNT}/${CONTAINER}`, account: ACCOUNT, container: CONTAINER, prefix: '' };
  const rows = [];

  const direct = await createAzureBlobSource(location, { env });
  rows.push({ run: 'direct', faults: 0, ...(await listAndRead(direct, expected, DEFAULT_RETRY_POLICY)) });
  await direct.close();

  proxy = await startFaultProxy(azurite.host, FAULT_RATE, 42);
  // A stall is noticed after 1 s of silence (the proxy holds stalled requests for 3 s).
  const faulty = await createAzureBlobSource(location, { env, endpoint: `${proxy.url}/${ACCOUNT}`, timeoutMs: 1_000 });
  const faultyRun = await listAndRead(faulty, expected, { ...DEFAULT_RETRY_POLICY, timeoutMs: 1_000 });
  rows.push({ run: `${Math.round(FAULT_RATE * 100)}% faults`, faults: Object.values(proxy.injected).reduce((a, b) => a + b, 0), ...faultyRun });
  await faulty.close();

  const totalMb = [...expected.values()].reduce((a, b) => a + b.size, 0) / 1e6;
  console.log(`Azure Blob source (Azurite on 127.0.0.1): ${OBJECTS} objects, ${totalMb.toFixed(1)} MB, uploaded in ${uploadSeconds.toFixed(1)} s; concurrency ${CONCURRENCY}`);
  const header = ['run', 'objects', 'MB', 'list ms', 'seconds', 'objects/s', 'MB/s', 'faults', 'retries'];
  const table = rows.map((r) => [
    r.run,
    String(r.objects),
    (r.bytes / 1e6).toFixed(1),
    r.listedMs.toFixed(0),
    r.seconds.toFixed(2),
    (r.objects / r.seconds).toFixed(0),
    (r.bytes / 1e6 / r.seconds).toFixed(1),
    String(r.faults),
    String(r.retries),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of table) console.log(line(row));
  console.log(`faults injected: ${Object.entries(proxy.injected).map(([k, v]) => `${k} ${v}`).join(', ')}; every object read whole, once (size and SHA-256 checked)`);
} finally {
  await proxy?.close();
  await azurite.stop();
}
