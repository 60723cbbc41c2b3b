// Times one format's parser over an in-memory generated input (run by bench/run.mjs in a child process).
import { FLOW_FORMATS } from '../dist/index.js';

export async function runOne(id, records) {
  const gen = await import(`./formats/${id}.mjs`);
  const format = FLOW_FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`no parser for format ${id}`);
  const encoder = new TextEncoder();
  const chunks = [];
  let bytes = 0;
  for (const text of gen.generate(records)) {
    const b = encoder.encode(text);
    chunks.push(b);
    bytes += b.length;
  }
  async function* source() {
    for (const c of chunks) yield c;
  }
  // warm-up on a small slice so the JIT has seen the hot paths
  for await (const _ of format.parse(source1(chunks.slice(0, 4)), { object: 'warmup' })) {
    // discard
  }
  let count = 0;
  let bad = 0;
  const t0 = process.hrtime.bigint();
  for await (const batch of format.parse(source(), { object: 'bench' })) {
    count += batch.records.length;
    for (const d of batch.diagnostics) if (d.severity === 'error') bad++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { format: id, records: count, bytes, seconds, bad, rss: process.resourceUsage().maxRSS * 1024 };
}

async function* source1(chunks) {
  for (const c of chunks) yield c;
}
