// Cloud-log benchmark (issue #8), part of `npm run bench`:
//  1. parse + normalize throughput of CloudTrail and Cloud Logging LogEntry records, each format in a child
//     process on one core over an in-memory generated input (target ≥ 500k records/s per core);
//  2. pull throughput against the local fake APIs (tests/helpers/*-server.ts, loaded through tsx), through
//     `pullLogs` into a real events lake, at the configured rate limit: events/s, requests/s and whether the
//     request rate ever went above the bucket.
// BENCH_LOG_RECORDS (default 500,000) sets part 1's size.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const RECORDS = Number(process.env.BENCH_LOG_RECORDS ?? 500_000);
const PARSE_FORMATS = ['aws-cloudtrail', 'gcp-logging'];
const TARGET = 500_000;

async function parseOne(id) {
  const { LOG_FORMATS } = await import('../dist/index.js');
  const { generate } = await import(`./log-formats/${id}.mjs`);
  const format = LOG_FORMATS.find((f) => f.id === id);
  const encoder = new TextEncoder();
  const chunks = [];
  let bytes = 0;
  for (const text of generate(RECORDS)) {
    const b = encoder.encode(text);
    chunks.push(b);
    bytes += b.length;
  }
  async function* from(list) {
    for (const c of list) yield c;
  }
  for await (const _ of format.parse(from(chunks.slice(0, 20)), { object: 'warmup' })) {
    // JIT warm-up
  }
  let count = 0;
  let bad = 0;
  const t0 = process.hrtime.bigint();
  for await (const batch of format.parse(from(chunks), { object: 'bench' })) {
    count += batch.events.length;
    for (const d of batch.diagnostics) if (d.severity === 'error') bad++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // the ceiling: JSON.parse alone of the same text, record by record (one parse per record is the parser's budget)
  const decoder = new TextDecoder();
  const t1 = process.hrtime.bigint();
  let parsed = 0;
  for (const c of chunks) {
    const text = decoder.decode(c);
    if (text.startsWith('{"Records":')) parsed += JSON.parse(text).Records.length;
    else {
      for (const line of text.split('\n')) {
        if (!line) continue;
        JSON.parse(line);
        parsed++;
      }
    }
  }
  const jsonSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  return { format: id, records: count, bytes, seconds, bad, rss: process.resourceUsage().maxRSS * 1024, jsonPerSecond: parsed / jsonSeconds };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await parseOne(process.argv[3])));
} else {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const rows = [];
  for (const id of PARSE_FORMATS) {
    const child = spawnSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', id], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) {
      rows.push([id, 'error', (child.stderr || child.stdout).trim().split('\n').slice(-2).join(' ')]);
      continue;
    }
    const r = JSON.parse(child.stdout);
    const rate = r.records / r.seconds;
    rows.push([id, fmt(r.records), (r.bytes / 1e6).toFixed(0), r.seconds.toFixed(2), fmt(rate), (r.bytes / 1e6 / r.seconds).toFixed(0), fmt(r.jsonPerSecond), fmt(TARGET), (rate / TARGET).toFixed(2), String(r.bad), (r.rss / 2 ** 20).toFixed(0)]);
  }
  const header = ['format', 'records', 'MB', 'seconds', 'records/s', 'MB/s', 'JSON.parse alone/s', 'target/s', 'ratio', 'bad', 'peak RSS MB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (c ?? '').padStart(widths[i])).join('  ');
  console.log('\nCloud-log parse + normalize (one core each)');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const pull = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'logs-pull.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(pull.stdout ?? '');
  if (pull.status !== 0) process.exitCode = 1;
}
