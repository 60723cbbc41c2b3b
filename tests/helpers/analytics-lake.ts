/**
 * A real lake for analytics tests: generated flow logs (csv-zip, which carries geo columns) ingested into a
 * temp data dir, plus the same folder parsed with parseInputs, so tests can check each aggregate against a
 * plain loop over the records. Build it once per test file (in beforeAll).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { BlockList, isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateFlowLogs, localObjectWriter, type GenerateFormatId } from '../../src/generate/index.js';
import { ingest } from '../../src/ingest/ingest.js';
import { parseInputs } from '../../src/ingest/parse-inputs.js';
import type { Filter } from '../../src/model/filter.js';
import type { FlowRecord } from '../../src/model/index.js';

export interface AnalyticsLakeOptions {
  /** Generator format (default csv-zip, whose inputs carry geo columns; azure-nsg carries rule names). */
  format?: GenerateFormatId;
  hours?: number;
  flowsPerHour?: number;
  seed?: number;
  start?: string;
}

export interface AnalyticsLake {
  dataDir: string;
  /** The generated inputs parsed independently of the lake (timestamps are never null here). */
  records: (FlowRecord & { timestamp: number })[];
  cleanup(): Promise<void>;
}

export async function buildAnalyticsLake(options: AnalyticsLakeOptions = {}): Promise<AnalyticsLake> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'nf-analytics-'));
  const sourceDir = path.join(root, 'source');
  const dataDir = path.join(root, 'data');
  await generateFlowLogs(localObjectWriter(sourceDir), {
    format: options.format ?? 'csv-zip',
    hours: options.hours ?? 3,
    start: options.start ?? '2026-11-02T00:00:00Z',
    seed: options.seed ?? 5,
    flowsPerHour: options.flowsPerHour ?? 2500,
  });
  await ingest({ source: sourceDir, dataDir, concurrency: 0 });
  const records: FlowRecord[] = [];
  await parseInputs([sourceDir], {}, { onRecords: (batch) => void records.push(...batch) });
  return {
    dataDir,
    records: records.filter((r): r is FlowRecord & { timestamp: number } => r.timestamp !== null),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

const SUPPORTED = new Set(['decision', 'direction', 'nsg', 'since', 'until', 'ip', 'ipSide']);

/**
 * The store's filter semantics for the fields analytics tests use (decision, direction, nsg, since, until,
 * ip on either side), written independently of filter-sql.ts.
 */
export function matchesFilter(r: FlowRecord & { timestamp: number }, filter: Filter): boolean {
  const unsupported = Object.keys(filter).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length > 0) throw new Error(`matchesFilter does not implement ${unsupported.join(', ')}`);
  if (filter.decision && !filter.decision.includes(r.flow_decision as 'Allow' | 'Deny')) return false;
  if (filter.direction && !filter.direction.includes(r.flow_direction as 'Inbound' | 'Outbound')) return false;
  if (filter.nsg && !filter.nsg.includes(r.nsg_name ?? '')) return false;
  if (filter.since !== undefined && r.timestamp < filter.since) return false;
  if (filter.until !== undefined && r.timestamp >= filter.until) return false;
  if (filter.ip) {
    const list = new BlockList();
    for (const spec of filter.ip) {
      const [addr, bits] = spec.split('/');
      const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    }
    const hit = (ip: string | null) => ip !== null && list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
    const side = filter.ipSide ?? 'any';
    const ok = side === 'src' ? hit(r.src_ip) : side === 'dst' ? hit(r.dst_ip) : hit(r.src_ip) || hit(r.dst_ip);
    if (!ok) return false;
  }
  return true;
}
