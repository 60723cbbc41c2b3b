/**
 * `networkflow generate`: synthetic flow logs with labelled anomalies, hour by hour (memory holds one hour of
 * flows, whatever the total), written in a cloud's real object layout through an ObjectWriter, plus
 * `truth.json` listing every injected anomaly.
 */
import { NetworkflowError } from '../model/index.js';
import { loadIpCountryDb, type IpCountryDb } from '../sources/ip-country.js';
import { planAnomalies, type AnomalySettings, type AnomalyTruth, type PlannedAnomaly } from './anomalies.js';
import type { ObjectWriter } from './object-writer.js';
import { hashString, Random } from './random.js';
import { buildTopology, type Topology } from './topology.js';
import { BaselineTraffic, HOUR_MS } from './traffic.js';
import type { FormatId, GenFlow } from './types.js';
import type { FormatWriter, HourBatch } from './writers/common.js';
import { awsVpcWriter } from './writers/aws-vpc.js';
import { azureNsgWriter } from './writers/azure-nsg.js';
import { azureVnetWriter } from './writers/azure-vnet.js';
import { csvZipWriter } from './writers/csv-zip.js';
import { gcpVpcWriter } from './writers/gcp-vpc.js';

export const FORMAT_WRITERS: Record<FormatId, FormatWriter> = {
  'csv-zip': csvZipWriter,
  'azure-nsg': azureNsgWriter,
  'azure-vnet': azureVnetWriter,
  'aws-vpc': awsVpcWriter,
  'gcp-vpc': gcpVpcWriter,
};

export const DEFAULTS = { hours: 48, seed: 42, flowsPerHour: 20_000, format: 'csv-zip' as FormatId };

export interface TrafficOptions extends AnomalySettings {
  /** Window start (epoch ms or ISO text), floored to the hour; default: `hours` before the current hour. */
  start?: number | string;
  hours?: number;
  seed?: number;
  /** Mean flows per hour over a day (the diurnal curve moves each hour around it). */
  flowsPerHour?: number;
}

export interface GenerateOptions extends TrafficOptions {
  format?: FormatId;
  /** Objects written at the same time (default 4). */
  concurrency?: number;
  /** Called after each object is written. */
  onObject?: (key: string, records: number, bytes: number) => void;
}

export interface GenerateSummary {
  format: FormatId;
  start: string;
  end: string;
  objects: number;
  flows: number;
  bytes: number;
  seconds: number;
  anomalies: AnomalyTruth[];
}

export const TRUTH_KEY = 'truth.json';

/** The traffic of a window, one hour at a time, each hour's flows sorted by time. */
export class TrafficModel {
  readonly start: number;
  readonly end: number;
  readonly seed: number;
  readonly topology: Topology;
  readonly anomalies: PlannedAnomaly[];
  private readonly baseline: BaselineTraffic;

  constructor(db: IpCountryDb, options: TrafficOptions = {}) {
    const hours = options.hours ?? DEFAULTS.hours;
    const flowsPerHour = options.flowsPerHour ?? DEFAULTS.flowsPerHour;
    this.seed = options.seed ?? DEFAULTS.seed;
    if (!Number.isInteger(hours) || hours < 1) throw new NetworkflowError('bad-option', `hours must be a whole number ≥ 1, not ${hours}`);
    if (!Number.isFinite(flowsPerHour) || flowsPerHour < 0) throw new NetworkflowError('bad-option', `flows per hour must be ≥ 0, not ${flowsPerHour}`);
    if (!Number.isInteger(this.seed)) throw new NetworkflowError('bad-option', `seed must be an integer, not ${this.seed}`);
    const start = options.start === undefined ? Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hours * HOUR_MS : toMs(options.start);
    this.start = Math.floor(start / HOUR_MS) * HOUR_MS;
    this.end = this.start + hours * HOUR_MS;
    this.topology = buildTopology(this.seed, db);
    this.baseline = new BaselineTraffic(this.topology, flowsPerHour);
    try {
      this.anomalies = planAnomalies(this.topology, db, this.seed, this.start, this.end, flowsPerHour, options);
    } catch (err) {
      throw new NetworkflowError('bad-option', `cannot place the anomalies: ${(err as Error).message}`, 'give anomaly starts as ISO times inside the window and a country code the IP data knows');
    }
  }

  *hours(): Generator<HourBatch> {
    for (let t = this.start; t < this.end; t += HOUR_MS) {
      const random = new Random((this.seed ^ hashString(`hour:${t}`)) >>> 0);
      const flows: GenFlow[] = [];
      this.baseline.hour(t, random, flows);
      for (const a of this.anomalies) {
        if (a.end <= t || a.start >= t + HOUR_MS) continue;
        const before = flows.length;
        a.generate(Math.max(t, a.start), Math.min(t + HOUR_MS, a.end), random.fork(a.type), flows);
        a.truth.flows += flows.length - before;
      }
      flows.sort((a, b) => a.time - b.time);
      yield { start: t, flows, topology: this.topology };
    }
  }

  truth(): AnomalyTruth[] {
    return this.anomalies.map((a) => a.truth);
  }
}

export async function generateFlowLogs(out: ObjectWriter, options: GenerateOptions = {}): Promise<GenerateSummary> {
  const began = performance.now();
  const format = options.format ?? DEFAULTS.format;
  const writer = FORMAT_WRITERS[format];
  if (!writer) throw new NetworkflowError('bad-option', `unknown format '${String(format)}'`, `use one of ${Object.keys(FORMAT_WRITERS).join(', ')}`);
  const model = new TrafficModel(await loadIpCountryDb(), options);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let objects = 0;
  let flows = 0;
  let bytes = 0;
  const writeHour = async (batch: HourBatch): Promise<void> => {
    const queue = writer.objects(batch);
    const worker = async (): Promise<void> => {
      for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
        const n = await out.write(o.key, o.body(), o.contentType);
        objects++;
        flows += o.records;
        bytes += n;
        options.onObject?.(o.key, o.records, n);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  // Two hours in flight: the next hour is built and written while the last one's objects are still being
  // compressed (on the thread pool); memory holds at most two hours of flows.
  let previous: Promise<void> = Promise.resolve();
  for (const batch of model.hours()) {
    const current = writeHour(batch);
    current.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    await previous;
    previous = current;
  }
  await previous;
  const anomalies = model.truth();
  const truthText = `${JSON.stringify(anomalies, null, 2)}\n`;
  bytes += await out.write(TRUTH_KEY, once(Buffer.from(truthText, 'utf8')), 'application/json');
  objects++;
  return {
    format,
    start: new Date(model.start).toISOString(),
    end: new Date(model.end).toISOString(),
    objects,
    flows,
    bytes,
    seconds: (performance.now() - began) / 1000,
    anomalies,
  };
}

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

function toMs(v: number | string): number {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new NetworkflowError('bad-option', `start is not a time: ${String(v)}`, 'give an ISO 8601 time such as 2026-11-01T00:00:00Z');
  return ms;
}
