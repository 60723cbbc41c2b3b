/** The JSON API over the library: lake metadata, filter-bar options, every aggregate, and raw flow pages. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AGGREGATE_NAMES, FLOW_COLUMNS, csvLine, csvText, isAggregateName, type CsvTable, type FlowRow } from '../index.js';
import { notFound } from './errors.js';
import type { Lake } from './lake.js';
import { parseAggregateQuery, parseFlowsQuery, parseNoQuery, type RawQuery } from './query.js';

function sendCsv(reply: FastifyReply, name: string, text: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(text);
}

/** A flow row as a CSV line: the columns of `networkflow parse`, times in ISO 8601 UTC (as the CLI exports). */
function flowCsvLine(row: FlowRow): string {
  return csvLine(FLOW_COLUMNS.map((c) => ((c === 'timestamp' || c === 'end_time') && row[c] !== null ? new Date(row[c]).toISOString() : row[c])));
}

export function registerApiRoutes(app: FastifyInstance, lake: Lake): void {
  app.get('/api/meta', async (request) => {
    parseNoQuery(request.query as RawQuery);
    return lake.meta();
  });

  app.get('/api/options', async (request) => {
    parseNoQuery(request.query as RawQuery);
    return lake.options();
  });

  app.get<{ Params: { name: string } }>('/api/aggregates/:name', async (request, reply) => {
    const { name } = request.params;
    if (!isAggregateName(name)) throw notFound(`unknown aggregate ${JSON.stringify(name.slice(0, 80))}: use one of ${AGGREGATE_NAMES.join(', ')}`);
    const q = parseAggregateQuery(request.query as RawQuery);
    if (q.format === 'csv') return sendCsv(reply, name, csvText((await lake.aggregate(name, q, 'table')) as CsvTable));
    // serialized here: Fastify's default serializer would re-check the unknown value's shape for nothing
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(await lake.aggregate(name, q, 'value')));
  });

  app.get('/api/flows', async (request, reply) => {
    const q = parseFlowsQuery(request.query as RawQuery);
    const page = await lake.flows(q);
    if (q.format === 'csv') return sendCsv(reply, 'flows', csvLine(FLOW_COLUMNS) + page.rows.map(flowCsvLine).join(''));
    return page;
  });
}
