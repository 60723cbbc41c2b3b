/**
 * Every JSON and CSV route against the library called directly on the same lake (a second FlowStore), for
 * several filters; bad input of every parameter kind answers 400 naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGGREGATE_NAMES,
  FLOW_COLUMNS,
  FlowStore,
  computeAggregate,
  type CsvTable,
  type Filter,
  type FlowRow,
} from '../../src/index.js';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { OPTION_COLUMNS } from '../../src/api/lake.js';
import { expectedAggregate } from '../helpers/anomalies-in-view.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';
import { parseCsv, unneutralize } from '../helpers/csv-parse.js';

let lake: AnalyticsLake;
let server: NetworkflowServer;
let direct: FlowStore;
let nsg: string;
let start: number;

const HOUR = 3_600_000;

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 3, flowsPerHour: 800, seed: 11 });
  server = await buildServer({ dataDir: lake.dataDir, logger: false });
  direct = await FlowStore.open(lake.dataDir);
  nsg = (await direct.distinct('nsg_name'))[0].value as string;
  start = (await direct.timeRange())!.min;
}, 120_000);

afterAll(async () => {
  await server?.close();
  direct?.close();
  await lake?.cleanup();
});

/** JSON as it travels: what a client parses from the library's value. */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

async function get(url: string) {
  const res = await server.app.inject({ method: 'GET', url });
  return { status: res.statusCode, headers: res.headers, body: res.body, json: () => res.json() as Record<string, unknown> };
}

/** The table as a CSV reader sees it: header then rows, every cell as text ('' for null). */
function tableCells(table: CsvTable): string[][] {
  return [table.columns, ...table.rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v))))];
}

function parsedCsv(text: string): string[][] {
  return parseCsv(text).map((row) => row.map(unneutralize));
}

/** Query strings and the Filter each means, written independently of the server's parsing. */
function filters(): { query: string; filter: Filter }[] {
  return [
    { query: '', filter: {} },
    // keys in filterFromParams' order: anomalies carry the filter, and their CSV shows it as JSON text
    { query: 'decision=deny&direction=inbound', filter: { direction: ['Inbound'], decision: ['Deny'] } },
    {
      query: `nsg=${encodeURIComponent(nsg)}&since=${start + HOUR}&until=${new Date(start + 3 * HOUR).toISOString()}`,
      filter: { nsg: [nsg], since: start + HOUR, until: start + 3 * HOUR },
    },
    { query: 'protocol=tcp,udp&port=443&port=22&port-side=dst', filter: { protocol: ['TCP', 'UDP'], port: [443, 22], portSide: 'dst' } },
  ];
}

describe('GET /api/aggregates/<name>', () => {
  it('answers every aggregate with the library value, under several filters', async () => {
    for (const { query, filter } of filters()) {
      for (const name of AGGREGATE_NAMES) {
        const res = await get(`/api/aggregates/${name}${query ? `?${query}` : ''}`);
        expect(res.status, `${name}?${query}: ${res.body}`).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const expected = await expectedAggregate(direct, filter, name);
        expect(res.json(), `${name}?${query}`).toEqual(wire(expected.value));
      }
    }
  });

  it('passes top and bucket to the library', async () => {
    for (const name of ['top-talkers', 'top-listeners', 'service-ports', 'denied-by-port', 'sankey', 'heatmap-nsg-hour'] as const) {
      const res = await get(`/api/aggregates/${name}?top=3`);
      expect(res.json()).toEqual(wire((await computeAggregate(direct, {}, name, { top: 3 })).value));
    }
    for (const bucket of ['minute', 'hour', 'day'] as const) {
      for (const name of ['time-series', 'denied-over-time'] as const) {
        const res = await get(`/api/aggregates/${name}?bucket=${bucket}&decision=deny`);
        expect(res.json()).toEqual(wire((await computeAggregate(direct, { decision: ['Deny'] }, name, { bucket })).value));
      }
    }
  });

  it('downloads each aggregate as CSV that parses back to the library table', async () => {
    const { query, filter } = filters()[1];
    for (const name of AGGREGATE_NAMES) {
      const res = await get(`/api/aggregates/${name}?${query}&format=csv&top=5`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${name}.csv"`);
      const expected = await expectedAggregate(direct, filter, name, { top: 5 });
      expect(parsedCsv(res.body), name).toEqual(tableCells(expected.table));
    }
  });

  it('answers the same under concurrent requests (one connection, queries serialized)', async () => {
    const results = await Promise.all(AGGREGATE_NAMES.map((name) => get(`/api/aggregates/${name}?decision=allow`)));
    for (const [i, name] of AGGREGATE_NAMES.entries()) {
      expect(results[i].status).toBe(200);
      expect(results[i].json(), name).toEqual(wire((await expectedAggregate(direct, { decision: ['Allow'] }, name)).value));
    }
  });

  it('answers 404 with JSON for an unknown aggregate', async () => {
    const res = await get('/api/aggregates/top-talker');
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not-found' });
    expect(res.json().message).toContain('"top-talker"');
  });
});

describe('GET /api/flows', () => {
  it('pages, sorts and counts as FlowStore.flows and count do', async () => {
    for (const { query, filter } of filters()) {
      const res = await get(`/api/flows?${query}`);
      expect(res.status, res.body).toBe(200);
      const rows = await direct.flows(filter, { limit: 100, offset: 0, orderBy: 'timestamp', descending: true });
      expect(res.json()).toEqual({ rows: wire(rows), total: await direct.count(filter), limit: 100, offset: 0 });
    }
    // pages that the newest (or oldest) hour cannot hold, so the server widens its window
    const pages: [query: string, filter: Filter, limit: number, offset: number, descending: boolean][] = [
      ['order=asc&limit=50&offset=10', {}, 50, 10, false],
      ['limit=1000&offset=700', {}, 1000, 700, true],
      ['order=asc&limit=1000&offset=1500', {}, 1000, 1500, false],
      ['limit=100&offset=99999', {}, 100, 99999, true],
      [`decision=allow&until=${start + 2 * HOUR}&limit=30`, { decision: ['Allow'], until: start + 2 * HOUR }, 30, 0, true],
      [`since=${start + HOUR}&order=asc&limit=30&offset=600`, { since: start + HOUR }, 30, 600, false],
      ['ip=203.0.113.250&limit=10', { ip: ['203.0.113.250'] }, 10, 0, true],
      [`until=${start}`, { until: start }, 100, 0, true],
      [`since=${start + 30 * HOUR}&order=asc`, { since: start + 30 * HOUR }, 100, 0, false],
    ];
    for (const [query, filter, limit, offset, descending] of pages) {
      const page = (await get(`/api/flows?${query}`)).json();
      const rows = await direct.flows(filter, { limit, offset, orderBy: 'timestamp', descending });
      expect(page, query).toEqual({ rows: wire(rows), total: await direct.count(filter), limit, offset });
    }
    const res = await get('/api/flows?decision=deny&limit=7&offset=5&orderBy=bytes&order=asc');
    const rows = await direct.flows({ decision: ['Deny'] }, { limit: 7, offset: 5, orderBy: 'bytes', descending: false });
    expect(res.json()).toEqual({ rows: wire(rows), total: await direct.count({ decision: ['Deny'] }), limit: 7, offset: 5 });
  });

  it('downloads the page as CSV with the flow columns and ISO times', async () => {
    const res = await get('/api/flows?direction=outbound&limit=20&orderBy=src_ip&order=desc&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="flows.csv"');
    const rows: FlowRow[] = await direct.flows({ direction: ['Outbound'] }, { limit: 20, orderBy: 'src_ip', descending: true });
    const [header, ...cells] = parsedCsv(res.body);
    expect(header).toEqual([...FLOW_COLUMNS]);
    expect(cells).toHaveLength(rows.length);
    cells.forEach((line, i) => {
      const row = rows[i];
      expect(line[0]).toBe(new Date(row.timestamp).toISOString());
      FLOW_COLUMNS.forEach((c, j) => {
        if (c === 'timestamp' || c === 'end_time') return;
        expect(line[j], c).toBe(row[c] === null ? '' : String(row[c]));
      });
    });
  });
});

describe('GET /api/meta, /api/options, /readyz', () => {
  it('describes the lake as the store does', async () => {
    const meta = (await get('/api/meta')).json();
    expect(meta).toEqual({ flows: await direct.count(), timeRange: await direct.timeRange(), version: expect.any(String), aggregates: [...AGGREGATE_NAMES] });
    expect(meta.flows).toBe(lake.records.length);
  });

  it('offers each filter dimension’s values, most flows first', async () => {
    const options = (await get('/api/options')).json();
    expect(Object.keys(options).sort()).toEqual(Object.keys(OPTION_COLUMNS).sort());
    for (const [param, column] of Object.entries(OPTION_COLUMNS)) {
      expect(options[param], param).toEqual(await direct.distinct(column, {}, 200));
      expect((options[param] as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it('is ready with the flow count', async () => {
    expect((await get('/readyz')).json()).toEqual({ status: 'ready', flows: await direct.count() });
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('bad input', () => {
  const cases: [param: string, url: string][] = (
  [
    ['/api/aggregates/summary?subscription=', 'subscription'],
    ['/api/aggregates/summary?resource-group=a,,b', 'resource-group'],
    [`/api/aggregates/summary?nsg=${'x'.repeat(4100)}`, 'nsg'],
    ['/api/aggregates/summary?rule=', 'rule'],
    ['/api/aggregates/top-talkers?protocol=tcpx', 'protocol'],
    ['/api/aggregates/top-talkers?direction=sideways', 'direction'],
    ['/api/aggregates/top-talkers?decision=maybe', 'decision'],
    ['/api/aggregates/top-talkers?since=yesterday', 'since'],
    ['/api/aggregates/top-talkers?until=2026-13-45', 'until'],
    ['/api/aggregates/top-talkers?since=99999999999999999', 'since'],
    ['/api/aggregates/top-talkers?since=1793577600000&until=1793577600000', 'since'],
    ['/api/aggregates/top-talkers?since=1h&since=2h', 'since'],
    ['/api/aggregates/top-talkers?ip=10.0.0.300', 'ip'],
    ['/api/aggregates/top-talkers?ip-side=both', 'ip-side'],
    ['/api/aggregates/top-talkers?port=70000', 'port'],
    ['/api/aggregates/top-talkers?port-side=up', 'port-side'],
    ['/api/aggregates/countries?country=USA', 'country'],
    ['/api/aggregates/top-talkers?top=0', 'top'],
    ['/api/aggregates/top-talkers?top=10001', 'top'],
    ['/api/aggregates/top-talkers?top=3.5', 'top'],
    ['/api/aggregates/top-talkers?top=3&top=4', 'top'],
    ['/api/aggregates/time-series?bucket=week', 'bucket'],
    ['/api/aggregates/time-series?format=xml', 'format'],
    ['/api/flows?limit=0', 'limit'],
    ['/api/flows?limit=1001', 'limit'],
    ['/api/flows?offset=-1', 'offset'],
    ['/api/flows?orderBy=password', 'orderBy'],
    ['/api/flows?order=sideways', 'order'],
    ['/api/flows?format=json&format=csv', 'format'],
    ['/api/flows?port=22&top=3', 'top'],
    ['/api/aggregates/summary?limit=3', 'limit'],
    ['/api/aggregates/summary?nsgs=web', 'nsgs'],
    ['/api/meta?nsg=web', 'nsg'],
    ['/api/options?since=1h', 'since'],
    ['/readyz?x=1', 'x'],
    ['/api/openapi.json?format=yaml', 'format'],
  ] as [string, string][]).map(([url, param]) => [param, url]);

  it.each(cases)('400 naming %s (case %#)', async (param, url) => {
    const res = await get(url);
    expect(res.status, res.body).toBe(400);
    const body = res.json();
    expect(body.error).toBe('bad-option');
    const named = body.message as string;
    expect(named.includes(`query parameter ${param}`) || named.includes(`"${param}"`), named).toBe(true);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('names every unknown parameter at once', async () => {
    const res = await get('/api/flows?nsgs=a&limt=3&decision=deny');
    expect(res.status).toBe(400);
    expect(res.json().message).toBe('unknown query parameters "nsgs", "limt"');
  });
});

describe('unknown routes', () => {
  it.each(['/api/nothing', '/api/aggregates', '/nothing', '/assets/other.js', '/assets/../package.json', '/vendor/..%2Fpackage.json'])('%s → 404 JSON', async (url) => {
    const res = await get(url);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not-found' });
  });

  it('answers 404 to other methods', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/meta', payload: {} });
    expect(res.statusCode).toBe(404);
  });
});
