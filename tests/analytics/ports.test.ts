/**
 * The built-in service-port table and `servicePorts`, checked against a plain-JS grouping of the records
 * `parseInputs` reads from the same generated folder that `ingest` wrote to the lake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_PORT_INDEX, SERVICE_PORTS, serviceName } from '../../src/analytics/iana-ports.js';
import { describePort, servicePorts, type ServicePortMeasure, type ServicePortRow } from '../../src/analytics/ports.js';
import { generateFlowLogs, localObjectWriter } from '../../src/generate/index.js';
import { ingest } from '../../src/ingest/ingest.js';
import { parseInputs } from '../../src/ingest/parse-inputs.js';
import { NetworkflowError } from '../../src/model/errors.js';
import type { Filter } from '../../src/model/filter.js';
import type { FlowRecord } from '../../src/model/index.js';
import { FlowStore } from '../../src/store/flow-store.js';

describe('the service-port table', () => {
  it('has one entry per port and transport, ~120–200 of them, frozen', () => {
    const keys = SERVICE_PORTS.map((e) => `${e.protocol}/${e.port}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(SERVICE_PORT_INDEX.size).toBe(keys.length);
    expect(keys.length).toBeGreaterThanOrEqual(120);
    expect(keys.length).toBeLessThanOrEqual(200);
    expect(Object.isFrozen(SERVICE_PORTS)).toBe(true);
    expect(Object.isFrozen(SERVICE_PORTS[0])).toBe(true);
  });

  it('names services with lowercase IANA-style tokens, labels them, and says where each name comes from', () => {
    for (const e of SERVICE_PORTS) {
      // RFC 6335 §5.1: 1–15 characters, letters, digits and hyphens, at least one letter, no leading, trailing or double hyphen
      expect(e.service, `${e.protocol}/${e.port}`).toMatch(/^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(e.service.length).toBeLessThanOrEqual(15);
      expect(e.label.trim()).not.toBe('');
      expect(['iana', 'common']).toContain(e.source);
      expect(['TCP', 'UDP']).toContain(e.protocol);
      expect(Number.isInteger(e.port) && e.port > 0 && e.port <= 65535).toBe(true);
    }
  });

  it.each([
    [22, 'TCP', 'ssh', 'iana'],
    [53, 'UDP', 'domain', 'iana'],
    [53, 'TCP', 'domain', 'iana'],
    [443, 'TCP', 'https', 'iana'],
    [3389, 'TCP', 'ms-wbt-server', 'iana'],
    [445, 'TCP', 'microsoft-ds', 'iana'],
    [135, 'TCP', 'epmap', 'iana'],
    [8443, 'TCP', 'pcsync-https', 'iana'],
    [5985, 'TCP', 'wsman', 'iana'],
    [27017, 'TCP', 'mongodb', 'iana'],
    [6443, 'TCP', 'kube-apiserver', 'common'],
    [9092, 'TCP', 'kafka', 'common'],
    [1521, 'TCP', 'oracle', 'common'],
  ] as const)('%i/%s is %s (%s)', (port, protocol, service, source) => {
    expect(SERVICE_PORT_INDEX.get(`${protocol}/${port}`)).toMatchObject({ port, protocol, service, source });
  });

  it('gives friendly labels where the IANA name is obscure', () => {
    expect(serviceName(3389, 'TCP')?.label).toBe('RDP');
    expect(serviceName(445, 'TCP')?.label).toBe('SMB');
    expect(serviceName(8443, 'TCP')?.label).toMatch(/HTTPS/);
    expect(serviceName(53, 'UDP')?.label).toBe('DNS');
  });
});

describe('serviceName', () => {
  it('looks ports up per transport, in any case', () => {
    expect(serviceName(22, 'TCP')).toEqual({ service: 'ssh', label: 'SSH' });
    expect(serviceName(22, 'tcp')).toEqual({ service: 'ssh', label: 'SSH' });
    expect(serviceName(514, 'TCP')?.service).toBe('shell');
    expect(serviceName(514, 'UDP')?.service).toBe('syslog');
    expect(serviceName(6379, 'UDP')).toBeNull();
    expect(serviceName(4789, 'TCP')).toBeNull();
  });

  it('is null for protocols without ports, unlisted and ephemeral ports, and non-ports', () => {
    expect(serviceName(0, 'ICMP')).toBeNull();
    expect(serviceName(443, 'ICMPv6')).toBeNull();
    expect(serviceName(443, '47')).toBeNull();
    expect(serviceName(0, 'TCP')).toBeNull();
    expect(serviceName(12_345, 'TCP')).toBeNull();
    expect(serviceName(49_152, 'TCP')).toBeNull();
    expect(serviceName(65_535, 'UDP')).toBeNull();
    expect(serviceName(51_820, 'UDP')?.service).toBe('wireguard');
    expect(serviceName(51_820, 'TCP')).toBeNull();
    for (const bad of [-1, 65_536, 22.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(serviceName(bad, 'TCP')).toBeNull();
  });
});

describe('describePort', () => {
  it('labels ICMP, portless, unnamed and folded groups', () => {
    expect(describePort(false, 'ICMP', null)).toEqual({ kind: 'icmp', service: null, label: 'ICMP' });
    expect(describePort(false, 'ICMPv6', null)).toEqual({ kind: 'icmp', service: null, label: 'ICMPv6' });
    expect(describePort(false, '47', null)).toEqual({ kind: 'no-port', service: null, label: 'no port' });
    expect(describePort(false, 'TCP', 40_000)).toEqual({ kind: 'port', service: null, label: '40000/TCP' });
    expect(describePort(false, null, 80)).toEqual({ kind: 'port', service: null, label: '80/?' });
    expect(describePort(false, 'UDP', 123)).toEqual({ kind: 'port', service: 'ntp', label: 'NTP' });
    expect(describePort(true, null, null)).toEqual({ kind: 'other', service: null, label: 'other' });
  });
});

// ---- servicePorts over a generated lake --------------------------------------------------------------------

let root: string;
let records: FlowRecord[];
let store: FlowStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-ports-'));
  const source = path.join(root, 'csv');
  const dataDir = path.join(root, 'lake');
  // two hours: the window holds the vertical scan (ports 1–1024) and denied ICMP, so there is a long tail
  await generateFlowLogs(localObjectWriter(source), { format: 'csv-zip', hours: 2, start: '2026-11-02T00:00:00Z', seed: 5, flowsPerHour: 3000 });
  await ingest({ source, dataDir, concurrency: 0 });
  records = [];
  await parseInputs([source], {}, { onRecords: (batch) => void records.push(...batch) });
  store = await FlowStore.open(dataDir, { duckdb: { threads: 1 } });
}, 120_000);

afterAll(async () => {
  store?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The filters this test uses, evaluated in plain JS. */
function matches(r: FlowRecord, f: Filter): boolean {
  if (f.decision && !f.decision.includes(r.flow_decision as 'Allow' | 'Deny')) return false;
  if (f.protocol && !f.protocol.includes(r.protocol as string)) return false;
  if (f.port && (r.dst_port === null || !f.port.includes(r.dst_port))) return false;
  return true;
}

interface Group {
  protocol: string | null;
  port: number | null;
  flows: number;
  bytes: number;
  packets: number;
  denied: number;
  sources: Set<string>;
}

/** The expected rows: a loop over the parsed records. */
function expected(filter: Filter, limit: number, by: ServicePortMeasure): Omit<ServicePortRow, 'kind' | 'service' | 'label'>[] {
  const groups = new Map<string, Group>();
  for (const r of records) {
    if (!matches(r, filter)) continue;
    const port = r.protocol === 'ICMP' || r.protocol === 'ICMPv6' ? null : r.dst_port;
    const k = `${r.protocol}|${port}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { protocol: r.protocol, port, flows: 0, bytes: 0, packets: 0, denied: 0, sources: new Set() }));
    g.flows++;
    g.bytes += r.bytes;
    g.packets += r.packets;
    if (r.flow_decision === 'Deny') g.denied++;
    if (r.src_ip !== null) g.sources.add(r.src_ip);
  }
  const nullsLast = <T extends string | number>(a: T | null, b: T | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);
  const sorted = [...groups.values()].sort((a, b) => b[by] - a[by] || b.flows - a.flows || nullsLast(a.protocol, b.protocol) || nullsLast(a.port, b.port));
  const row = (g: Group) => ({ protocol: g.protocol, port: g.port, flows: g.flows, bytes: g.bytes, packets: g.packets, denied: g.denied, distinctSources: g.sources.size });
  const out = sorted.slice(0, limit).map(row);
  const rest = sorted.slice(limit);
  if (rest.length > 0) {
    const sources = new Set<string>();
    for (const g of rest) for (const s of g.sources) sources.add(s);
    const sum = (m: 'flows' | 'bytes' | 'packets' | 'denied') => rest.reduce((n, g) => n + g[m], 0);
    out.push({ protocol: null, port: null, flows: sum('flows'), bytes: sum('bytes'), packets: sum('packets'), denied: sum('denied'), distinctSources: sources.size });
  }
  return out;
}

function numbers(rows: ServicePortRow[]): Omit<ServicePortRow, 'kind' | 'service' | 'label'>[] {
  return rows.map(({ protocol, port, flows, bytes, packets, denied, distinctSources }) => ({ protocol, port, flows, bytes, packets, denied, distinctSources }));
}

describe('servicePorts against a plain-JS grouping of the parsed records', () => {
  it('the fixture has a long tail of ports, ICMP, denials and many sources', async () => {
    expect(records.length).toBeGreaterThan(4000);
    expect(await store.count()).toBe(records.length);
    expect(new Set(records.map((r) => r.dst_port)).size).toBeGreaterThan(500);
    expect(records.some((r) => r.protocol === 'ICMP' && r.flow_decision === 'Deny')).toBe(true);
    expect(records.some((r) => r.protocol === 'ICMP' && r.flow_decision === 'Allow')).toBe(true);
  });

  const cases: [string, Filter, number, ServicePortMeasure][] = [
    ['no filter, top 10 by flows', {}, 10, 'flows'],
    ['no filter, top 5 by bytes', {}, 5, 'bytes'],
    ['no filter, top 8 by packets', {}, 8, 'packets'],
    ['denied flows, top 12 by flows', { decision: ['Deny'] }, 12, 'flows'],
    ['denied flows, top 3 by bytes', { decision: ['Deny'] }, 3, 'bytes'],
    ['a port filter, top 2', { port: [22, 443, 3389, 53] }, 2, 'flows'],
  ];
  it.each(cases)('%s', async (_name, filter, limit, by) => {
    const want = expected(filter, limit, by);
    const got = await servicePorts(store, filter, { limit, by });
    expect(numbers(got)).toEqual(want);
    expect(got.at(-1)?.kind).toBe('other');
    expect(got.filter((r) => r.kind === 'other')).toHaveLength(1);
    // every flow is counted once, in a port row or the 'other' row
    const totals = await store.totals(filter);
    expect(got.reduce((n, r) => n + r.flows, 0)).toBe(totals.flows);
    expect(got.reduce((n, r) => n + r.bytes, 0)).toBe(totals.bytes);
    expect(got.reduce((n, r) => n + r.denied, 0)).toBe(totals.denied);
  });

  it('names the ports from the table and labels the ICMP row', async () => {
    const got = await servicePorts(store, {}, { limit: 1000 });
    expect(numbers(got)).toEqual(expected({}, 1000, 'flows'));
    const https = got.find((r) => r.protocol === 'TCP' && r.port === 443);
    expect(https).toMatchObject({ kind: 'port', service: 'https', label: 'HTTPS' });
    expect(got.find((r) => r.protocol === 'UDP' && r.port === 53)).toMatchObject({ kind: 'port', service: 'domain', label: 'DNS' });
    const icmp = got.filter((r) => r.protocol === 'ICMP');
    expect(icmp).toHaveLength(1);
    expect(icmp[0]).toMatchObject({ kind: 'icmp', port: null, service: null, label: 'ICMP' });
    for (const r of got.filter((x) => x.kind === 'port')) {
      const named = serviceName(r.port as number, r.protocol as string);
      expect(r.service).toBe(named?.service ?? null);
      expect(r.label).toBe(named?.label ?? `${r.port}/${r.protocol}`);
    }
    expect(got.some((r) => r.kind === 'port' && r.service === null)).toBe(true);
  });

  it('keeps ICMP rows among the top ones and leaves no "other" row when nothing is folded', async () => {
    const filter: Filter = { protocol: ['ICMP', 'UDP'] };
    const got = await servicePorts(store, filter, { limit: 50, by: 'bytes' });
    expect(numbers(got)).toEqual(expected(filter, 50, 'bytes'));
    expect(got.find((r) => r.kind === 'icmp')?.flows).toBe(records.filter((r) => r.protocol === 'ICMP').length);
    expect(got.some((r) => r.kind === 'other')).toBe(false);
  });

  it('returns no rows for a filter nothing matches', async () => {
    const filter: Filter = { port: [1], decision: ['Allow'], protocol: ['UDP'] };
    expect(expected(filter, 20, 'flows')).toEqual([]);
    expect(await servicePorts(store, filter)).toEqual([]);
  });

  it('defaults to the top 20 by flows', async () => {
    const got = await servicePorts(store);
    expect(numbers(got)).toEqual(expected({}, 20, 'flows'));
    expect(got).toHaveLength(21);
  });

  it('refuses bad options with a hint', async () => {
    for (const limit of [0, -1, 1.5, 10_001]) {
      await expect(servicePorts(store, {}, { limit })).rejects.toBeInstanceOf(NetworkflowError);
    }
    await expect(servicePorts(store, {}, { by: 'seconds' as ServicePortMeasure })).rejects.toThrow(/by "seconds" is not a measure/);
  });
});
