// Parser throughput benchmark: `npm run bench` (builds first). One child process per format so each
// runs alone on one core with a fresh heap. Inputs are generated in memory before timing starts.
// BENCH_RECORDS (default 1,000,000) sets the size; BENCH_FORMATS=csv,aws-vpc picks formats.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = { csv: 1_500_000, 'aws-vpc': 1_500_000, 'azure-nsg': 500_000, 'azure-vnet': 500_000, 'gcp-vpc': 300_000 };
const records = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const only = process.env.BENCH_FORMATS?.split(',');

if (process.argv[2] === '--child') {
  const { runOne } = await import('./parse-one.mjs');
  const result = await runOne(process.argv[3], records);
  process.stdout.write(JSON.stringify(result));
} else {
  const formats = readdirSync(path.join(here, 'formats'))
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.replace(/\.mjs$/, ''))
    .filter((f) => !only || only.includes(f))
    .sort();
  const rows = [];
  for (const id of formats) {
    const child = spawnSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', id], {
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) {
      rows.push({ format: id, error: (child.stderr || child.stdout).trim().split('\n').slice(-3).join(' ') });
      continue;
    }
    rows.push(JSON.parse(child.stdout));
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const header = ['format', 'records', 'MB', 'seconds', 'records/s', 'MB/s', 'target records/s', 'ratio', 'bad', 'peak RSS MB'];
  const table = rows.map((r) =>
    r.error
      ? [r.format, 'ERROR', r.error, '', '', '', '', '', '', '']
      : [
          r.format,
          fmt(r.records),
          (r.bytes / 1e6).toFixed(1),
          r.seconds.toFixed(3),
          fmt(r.records / r.seconds),
          (r.bytes / 1e6 / r.seconds).toFixed(1),
          fmt(TARGETS[r.format] ?? 0),
          TARGETS[r.format] ? (r.records / r.seconds / TARGETS[r.format]).toFixed(2) : '',
          String(r.bad),
          (r.rss / 1e6).toFixed(0),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  console.log(`Parse throughput, single core, ${fmt(records)} generated records per format (node ${process.version})`);
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
  if (rows.some((r) => r.error)) process.exitCode = 1;
}
