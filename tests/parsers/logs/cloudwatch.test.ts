import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, EventRecord } from '../../../src/model/index.js';
import { cloudTrailFormat } from '../../../src/parsers/logs/cloudtrail.js';
import { CLOUDWATCH_EVENT_OVERHEAD, cloudWatchFormat, normalizeCloudWatchEvent } from '../../../src/parsers/logs/cloudwatch.js';
import { detectLogFormat } from '../../../src/parsers/logs/registry.js';
import type { LogFormat, LogParseOptions } from '../../../src/parsers/logs/types.js';
import { describeShared, listSharedFixtures, sharedFixture } from '../../helpers/fixtures.js';
import { chunked } from '../../helpers/parse.js';

interface Collected {
  events: EventRecord[];
  diagnostics: Diagnostic[];
}

async function parse(format: LogFormat, data: string | Uint8Array, options: Partial<LogParseOptions> = {}, chunkSize?: number): Promise<Collected> {
  const events: EventRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for await (const b of format.parse(chunked(data, chunkSize), { object: 'test-input', ...options })) {
    events.push(...b.events);
    diagnostics.push(...b.diagnostics);
  }
  return { events, diagnostics };
}

const cw = (data: string | Uint8Array, options: Partial<LogParseOptions> = {}, chunkSize?: number) => parse(cloudWatchFormat, data, options, chunkSize);
const CWL = (rel: string) => sharedFixture('cloudlogs', rel);
const b64gz = (v: unknown) => gzipSync(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
const T = 1_795_600_800_000; // 2026-11-25T10:00:00Z

function dataMessage(logEvents: unknown[], over: Record<string, unknown> = {}) {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: '/aws/lambda/orders',
    logStream: '2026/11/25/[$LATEST]abc',
    subscriptionFilters: ['f'],
    logEvents,
    ...over,
  };
}

const msgEvent = (message: string, id = 'E1') => dataMessage([{ id, timestamp: T, message }]);
const first = async (message: string, options: Partial<LogParseOptions> = {}) => (await cw(JSON.stringify(msgEvent(message)), options)).events[0];

describeShared('aws-cloudwatch conformance (../shared/fixtures/cloudlogs/aws-cloudwatch-logs*)', () => {
  it('FilterLogEvents output (aws-cli): every field', async () => {
    const { events, diagnostics } = await cw(readFileSync(CWL('aws-cloudwatch-logs-api/aws-cli/filter-log-events.output.json')), { context: { logGroup: 'my-group', region: 'us-west-2' } });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      provider: 'aws',
      source_format: 'aws-cloudwatch',
      timestamp: 1712567843827,
      observed_timestamp: 1712567844822,
      message: 'Test MESSAGE1',
      event_id: '00091539120382912324200901570000096855579456010247667712',
      log_name: 'my-group',
      region: 'us-west-2',
      account_id: null,
      service: null,
      category: 'application',
      severity_number: null,
      outcome: 'unknown',
      attributes: { logStreamName: 'teststream' },
      size_bytes: 'Test MESSAGE1'.length + CLOUDWATCH_EVENT_OVERHEAD,
    });
    expect(events[1]).toMatchObject({ timestamp: 1712568068991, event_id: '00001544141707904000000130886135001961903807164184002560', attributes: { logStreamName: '2024/05/09/[$LATEST]abc1024' } });
  });

  it('decoded DATA_MESSAGE from a Lambda group (Datadog): 19 events with runtime levels, request ids, REPORT', async () => {
    const file = CWL('aws-cloudwatch-logs/datadog-serverless-functions/cloudwatch_logs.json');
    const input = JSON.parse(readFileSync(file, 'utf8')) as { logEvents: { id: string; timestamp: number; message: string }[] };
    const { events, diagnostics } = await cw(readFileSync(file), { context: { region: 'us-east-1' } });
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => e.event_id)).toEqual(input.logEvents.map((e) => e.id));
    expect(events.map((e) => e.timestamp)).toEqual(input.logEvents.map((e) => e.timestamp));
    for (const e of events) {
      expect(e).toMatchObject({
        account_id: '601427279990',
        log_name: '/aws/lambda/hello-dog-node-dev-hello12x',
        service: 'lambda',
        category: 'application',
        resource_id: 'arn:aws:lambda:us-east-1:601427279990:function:hello-dog-node-dev-hello12x',
        resource_type: 'AWS::Lambda::Function',
        observed_timestamp: null,
      });
      expect(e.attributes!.logStreamName).toBe('2020/03/05/[$LATEST]20bddfd5a2dc4c6b97ac02800eae90d0');
      expect(e.message!.endsWith('\n')).toBe(false);
    }
    const levels = events.map((e) => e.severity_text);
    expect(levels.filter((l) => l === 'DEBUG')).toHaveLength(10);
    expect(levels.filter((l) => l === 'INFO')).toHaveLength(4);
    expect(events[0]).toMatchObject({ severity_number: 5, request_id: 'f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb' });
    // embedded JSON (Datadog metrics): fields into attributes
    expect(events[4].attributes).toMatchObject({ m: 'aws.lambda.enhanced.invocations', v: 1 });
    expect(events[4].request_id).toBeNull();
    const report = events.at(-1)!;
    expect(report).toMatchObject({ event_name: 'REPORT', request_id: 'f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb', trace_id: '1-5e61292c-cc1229a4dfbeae1043928548', span_id: '07a85e713f6302b2' });
    expect(report.attributes).toMatchObject({ duration_ms: 619.31, billed_duration_ms: 700, memory_size_mb: 128, max_memory_used_mb: 118, xray_sampled: true });
    expect(events.at(-2)).toMatchObject({ event_name: 'END', request_id: 'f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb' });
    const raw = input.logEvents.map((e) => Buffer.byteLength(e.message) + 26);
    expect(events.map((e) => e.size_bytes)).toEqual(raw);
  });

  it('Kinesis event with base64-gzip subscription payloads (Powertools): 6 events, region from the record', async () => {
    const { events, diagnostics } = await cw(readFileSync(CWL('aws-cloudwatch-logs/powertools-lambda-python/kinesisStreamCloudWatchLogsEvent.json')));
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => e.event_name)).toEqual(['START', 'END', 'REPORT', 'START', 'END', 'REPORT']);
    expect(events.map((e) => e.request_id)).toEqual([...Array(3).fill('06e46194-f277-454e-88d3-1dd7e3860eaa'), ...Array(3).fill('4dfec460-05bb-4f62-8fed-e5cade099a36')]);
    for (const e of events) {
      expect(e).toMatchObject({
        account_id: '231436140809',
        region: 'eu-west-1',
        resource_id: 'arn:aws:lambda:eu-west-1:231436140809:function:pt-1488-DummyLogDataFunction-gnWXPvL6jJyG',
        log_name: '/aws/lambda/pt-1488-DummyLogDataFunction-gnWXPvL6jJyG',
      });
    }
    expect(events[0].event_id).toBe('37199717562907174288355125807040114704837640994633613312');
    expect(events[2].attributes).toMatchObject({ init_duration_ms: 190.62, duration_ms: 9.14, billed_duration_ms: 10 });
    expect(events[2].trace_id).toBe('1-636d1462-33ef10600061cad86dab71c8');
    expect(events[5].attributes).not.toHaveProperty('init_duration_ms');
    expect(events[0].source_line).toBe(3); // where the first Kinesis record starts
    // the same in tiny chunks (the `Records` key split across them)
    const small = await cw(readFileSync(CWL('aws-cloudwatch-logs/powertools-lambda-python/kinesisStreamCloudWatchLogsEvent.json')), {}, 5);
    expect(small.events.map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
  });

  it('detection: claims every CloudWatch fixture, nothing else among the shared fixtures', () => {
    const mine = [...listSharedFixtures('cloudlogs', 'aws-cloudwatch-logs'), ...listSharedFixtures('cloudlogs', 'aws-cloudwatch-logs-api')];
    expect(mine.length).toBe(3);
    for (const f of mine) {
      const head = readFileSync(f).subarray(0, 65536).toString('utf8');
      expect(cloudWatchFormat.detect(head), f).toBeGreaterThanOrEqual(0.85);
      expect(cloudTrailFormat.detect(head), f).toBe(0);
      expect(detectLogFormat(head)?.format.id, f).toBe('aws-cloudwatch');
    }
    const others = [...listSharedFixtures('flowlogs'), ...listSharedFixtures('cloudlogs'), ...listSharedFixtures('iac'), ...listSharedFixtures('autoscaling'), ...listSharedFixtures('cost')].filter(
      (p) => !mine.includes(p),
    );
    expect(others.length).toBeGreaterThan(20);
    for (const f of others) expect(cloudWatchFormat.detect(readFileSync(f).subarray(0, 65536).toString('utf8')), f).toBe(0);
  });
});

describe('aws-cloudwatch inputs', () => {
  it('CONTROL_MESSAGE yields no event and an info diagnostic', async () => {
    const { events, diagnostics } = await cw(
      JSON.stringify({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: T, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] }),
    );
    expect(events).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ reason: 'control-message', severity: 'info' })]);
  });

  it('a bare base64-gzip payload per line (as a Kinesis/Firehose record body)', async () => {
    const a = b64gz(dataMessage([{ id: 'A', timestamp: T, message: 'one' }]));
    const b = b64gz(dataMessage([{ id: 'B', timestamp: T + 1, message: 'two' }]));
    expect(cloudWatchFormat.detect(a)).toBe(0.7);
    const { events, diagnostics } = await cw(`${a}\n\n${b}\n`, {}, 16);
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => [e.event_id, e.source_line])).toEqual([
      ['A', 1],
      ['B', 3],
    ]);
  });

  it('Firehose transformation events (records[].data) and concatenated payloads (Firehose → S3)', async () => {
    const m1 = dataMessage([{ id: 'A', timestamp: T, message: 'one' }]);
    const m2 = dataMessage([{ id: 'B', timestamp: T, message: 'two' }], { logGroup: '/aws/rds/instance/db/error' });
    const firehose = {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:us-east-2:111122223333:deliverystream/s',
      region: 'us-east-2',
      records: [
        { recordId: '1', approximateArrivalTimestamp: T, data: b64gz(m1) },
        { recordId: '2', approximateArrivalTimestamp: T, data: b64gz(`${JSON.stringify(m1)}${JSON.stringify(m2)}`) },
        { recordId: '3', data: Buffer.from(JSON.stringify(m2)).toString('base64') },
      ],
    };
    const text = JSON.stringify(firehose);
    expect(cloudWatchFormat.detect(text)).toBe(0.8);
    const { events, diagnostics } = await cw(text);
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => e.event_id)).toEqual(['A', 'A', 'B', 'B']);
    expect(events.every((e) => e.region === 'us-east-2')).toBe(true);
    expect(events[0].resource_id).toBe('arn:aws:lambda:us-east-2:111122223333:function:orders');
    expect(events[2]).toMatchObject({ service: 'rds', category: 'platform', resource_id: null });
    // decompressed Firehose→S3 object: payloads back to back without separators
    const s3 = await cw(`${JSON.stringify(m1)}${JSON.stringify(m2)}`, {}, 10);
    expect(s3.events.map((e) => e.event_id)).toEqual(['A', 'B']);
  });

  it('GetLogEvents responses: the stream from the context, no event id', async () => {
    const text = JSON.stringify({ events: [{ timestamp: T, message: 'hello\n', ingestionTime: T + 9 }], nextForwardToken: 'f/1', nextBackwardToken: 'b/1' });
    expect(cloudWatchFormat.detect(text)).toBe(0.9);
    const { events } = await cw(text, { context: { logGroup: '/aws/codebuild/p', logStream: 's-1', accountId: '1', region: 'r' } });
    expect(events[0]).toMatchObject({ message: 'hello', event_id: null, observed_timestamp: T + 9, attributes: { logStreamName: 's-1' }, service: 'codebuild', category: 'platform', account_id: '1' });
    // NDJSON of single events (jq -c '.events[]')
    const nd = await cw(`{"timestamp":${T},"message":"a","ingestionTime":${T},"eventId":"1"}\n{"timestamp":${T + 1},"message":"b","eventId":"2"}\n`);
    expect(nd.events.map((e) => e.message)).toEqual(['a', 'b']);
    expect(cloudWatchFormat.detect(`{"timestamp":${T},"message":"a","ingestionTime":1}`)).toBe(0.8);
  });

  it('S3 exports: `<ISO time> <message>` lines, continuation lines join the message before', async () => {
    const text = '2026-11-25T10:00:00.000Z first line\n2026-11-25T10:00:01.500Z Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad\n\n2026-11-25T10:00:02.000Z {"level":"WARN","message":"json"}\n';
    expect(cloudWatchFormat.detect(text)).toBe(0.5);
    const { events, diagnostics } = await cw(text, { context: { logGroup: '/custom/app', logStream: 'i-1' } }, 7);
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => [e.timestamp, e.message, e.source_line])).toEqual([
      [T, 'first line', 1],
      [T + 1500, 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad', 2],
      [T + 2000, 'json', 6],
    ]);
    expect(events[2]).toMatchObject({ severity_text: 'WARN', severity_number: 13, log_name: '/custom/app', attributes: { level: 'WARN', logStreamName: 'i-1' } });
    const bad = await cw('not a time\n2026-11-25T10:00:00Z ok\n');
    expect(bad.events.map((e) => e.message)).toEqual(['ok']);
    expect(bad.diagnostics).toEqual([expect.objectContaining({ reason: 'bad-timestamp', line: 1 })]);
    expect((await cw('   \n  ')).events).toEqual([]);
  });

  it('yields in batches of batchSize', async () => {
    const evs = Array.from({ length: 25 }, (_, i) => ({ id: String(i), timestamp: T, message: `m${i}` }));
    const sizes: number[] = [];
    for await (const b of cloudWatchFormat.parse(chunked(JSON.stringify(dataMessage(evs)) + '\n' + JSON.stringify(dataMessage(evs))), { object: 'x', batchSize: 20 })) sizes.push(b.events.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50);
    expect(sizes[0]).toBeGreaterThanOrEqual(20);
    const lines = Array.from({ length: 30 }, (_, i) => `2026-11-25T10:00:${String(i).padStart(2, '0')}.000Z m`).join('\n');
    const exportSizes: number[] = [];
    for await (const b of cloudWatchFormat.parse(chunked(lines), { object: 'x', batchSize: 10 })) exportSizes.push(b.events.length);
    expect(exportSizes.reduce((a, b) => a + b, 0)).toBe(30);
    const b64 = Array.from({ length: 5 }, () => b64gz(dataMessage(evs.slice(0, 5)))).join('\n');
    const b64Sizes: number[] = [];
    for await (const b of cloudWatchFormat.parse(chunked(b64), { object: 'x', batchSize: 10 })) b64Sizes.push(b.events.length);
    expect(b64Sizes).toEqual([10, 10, 5]);
  });
});

describe('aws-cloudwatch messages', () => {
  it('JSON messages: fields to attributes, level, request/trace ids, message field', async () => {
    const e = await first('{"level":"INFO","message":"order placed","function_request_id":"r-1","xray_trace_id":"1-abc","span_id":"s1","cold_start":true}\n');
    expect(e).toMatchObject({ severity_text: 'INFO', severity_number: 9, message: 'order placed', request_id: 'r-1', trace_id: '1-abc', span_id: 's1' });
    expect(e.attributes).toEqual({
      level: 'INFO',
      message: 'order placed',
      function_request_id: 'r-1',
      xray_trace_id: '1-abc',
      span_id: 's1',
      cold_start: true,
      logStreamName: '2026/11/25/[$LATEST]abc',
    });
    expect(await first('{"severity":"error","msg":"m","AWSRequestId":"q"}')).toMatchObject({ severity_number: 17, message: 'm', request_id: 'q' });
    expect(await first('{"levelname":"nonsense","message":5}')).toMatchObject({ severity_number: null, severity_text: null, message: '{"levelname":"nonsense","message":5}' });
    // Lambda JSON log format platform events
    expect(await first('{"time":"2026-11-25T10:00:00Z","type":"platform.start","record":{"requestId":"rq","version":"$LATEST"}}')).toMatchObject({ event_name: 'platform.start', request_id: 'rq' });
    // not an object / not valid JSON: plain text
    expect((await first('{not json}')).attributes).toEqual({ logStreamName: '2026/11/25/[$LATEST]abc' });
    expect((await first('{"a":1')).attributes).toEqual({ logStreamName: '2026/11/25/[$LATEST]abc' });
  });

  it('Lambda runtime lines: Node/Java `ISO\\treqId\\tLEVEL\\tmsg`, Python `[LEVEL]\\tISO\\treqId\\tmsg`', async () => {
    const id = '3f5b3a9e-1f2c-4c6e-9d1b-2a7e5c9d0f11';
    expect(await first(`2026-11-25T10:00:00.123Z\t${id}\tERROR\tInvoke Error {"errorType":"Error"}`)).toMatchObject({ request_id: id, severity_text: 'ERROR', severity_number: 17 });
    expect(await first(`2026-11-25T10:00:00.123Z\t${id}\tWARN\t{"k":"v"}`)).toMatchObject({ severity_text: 'WARN', attributes: { k: 'v', logStreamName: expect.any(String) } });
    expect(await first(`2026-11-25T10:00:00.123Z\t${id}\tplain message without level`)).toMatchObject({ request_id: id, severity_text: null });
    expect(await first(`2026-11-25T10:00:00.123Z\t${id}`)).toMatchObject({ request_id: id });
    expect(await first(`2026-11-25T10:00:00.123Z\tnot-a-request-id\tINFO\tx`)).toMatchObject({ request_id: null, severity_text: null });
    expect(await first(`2026-11-25 no tabs at all`)).toMatchObject({ request_id: null });
    expect(await first(`[ERROR]\t2026-11-25T10:00:00.123Z\t${id}\tboom`)).toMatchObject({ request_id: id, severity_text: 'ERROR', severity_number: 17 });
    expect(await first(`[INFO]\t2026-11-25T10:00:00.123Z\t${id}\t{"x":1}`)).toMatchObject({ severity_text: 'INFO', attributes: { x: 1, logStreamName: expect.any(String) } });
    expect(await first('[not a level line')).toMatchObject({ severity_text: null });
  });

  it('Lambda platform lines: START / END / REPORT with metrics, X-Ray ids and timeouts', async () => {
    const id = '3f5b3a9e-1f2c-4c6e-9d1b-2a7e5c9d0f11';
    expect(await first(`START RequestId: ${id} Version: $LATEST\n`)).toMatchObject({ event_name: 'START', request_id: id, outcome: 'unknown' });
    const r = await first(`REPORT RequestId: ${id}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tRestore Duration: 12.5 ms\tStatus: timeout\tOdd: x\tMemory Size: ? MB\n`);
    expect(r).toMatchObject({ event_name: 'REPORT', outcome: 'failure', trace_id: null });
    expect(r.attributes).toMatchObject({ duration_ms: 3000, restore_duration_ms: 12.5, status: 'timeout', memory_size_mb: '? MB' });
    expect((await first(`REPORT RequestId: ${id}\tStatus: success`)).outcome).toBe('unknown');
    expect((await first('END RequestId: ')).request_id).toBeNull();
  });

  it('service, category and resource from the log group', async () => {
    const at = async (logGroup: string, owner: string | null = '1', region?: string) =>
      (await cw(JSON.stringify(dataMessage([{ id: 'x', timestamp: T, message: 'm' }], { logGroup, owner })), { context: { region } })).events[0];
    expect(await at('/aws/lambda/f', '1', 'r')).toMatchObject({ service: 'lambda', category: 'application', resource_id: 'arn:aws:lambda:r:1:function:f' });
    expect(await at('/aws/lambda/f')).toMatchObject({ service: 'lambda', resource_id: null });
    expect(await at('/aws/lambda/f', null, 'r')).toMatchObject({ resource_id: null, account_id: null });
    expect(await at('/aws/lambda', '1', 'r')).toMatchObject({ service: 'lambda', resource_id: null });
    expect(await at('/aws/eks/cluster/cluster')).toMatchObject({ service: 'eks', category: 'platform' });
    expect(await at('/aws/vendedlogs/states/x')).toMatchObject({ service: null, category: 'platform' });
    expect(await at('/aws/')).toMatchObject({ service: null, category: 'application' });
    expect(await at('/aws/apigateway')).toMatchObject({ service: 'apigateway', category: 'platform' });
    expect(await at('my-app')).toMatchObject({ service: null, category: 'application', log_name: 'my-app' });
  });

  it('size_bytes is the UTF-8 size of the message plus 26, as CloudWatch counts it', async () => {
    expect((await first('héllo ✓')).size_bytes).toBe(Buffer.byteLength('héllo ✓') + 26);
    expect((await first('\n')).message).toBeNull();
  });

  it('normalizeCloudWatchEvent takes SDK objects (FilteredLogEvent)', () => {
    const diags: Diagnostic[] = [];
    const e = normalizeCloudWatchEvent({ eventId: 'x', timestamp: T + 0.7, message: 'm', ingestionTime: T + 1, logStreamName: 's' }, { logGroup: 'g' }, 'api', 2, diags);
    expect(e).toMatchObject({ timestamp: T, event_id: 'x', observed_timestamp: T + 1, source_object: 'api', source_line: 2 });
    expect(normalizeCloudWatchEvent({ eventId: '', timestamp: T, message: 'm', ingestionTime: Number.NaN }, {}, 'api', 2, diags)).toMatchObject({ event_id: null, observed_timestamp: null, attributes: null });
    expect(normalizeCloudWatchEvent({ timestamp: null, message: 'm' }, {}, 'api', 3, diags)).toBeNull();
    expect(normalizeCloudWatchEvent({ timestamp: Number.POSITIVE_INFINITY, message: 'm' }, {}, 'api', 4, diags)).toBeNull();
    expect(diags.map((d) => d.reason)).toEqual(['missing-field', 'bad-timestamp']);
  });
});

describe('aws-cloudwatch damage', () => {
  it('malformed payloads and events give diagnostics, never crashes', async () => {
    const lines = [
      JSON.stringify(dataMessage([{ id: 'ok', timestamp: T, message: 'fine' }, 'oops', { id: 'n', timestamp: 'yesterday', message: 'x' }, { id: 'm', timestamp: T }])),
      JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1' }),
      JSON.stringify({ messageType: 'SOMETHING_ELSE', logEvents: [] }),
      JSON.stringify({ Records: [{ kinesis: { data: 'H4sIAAAA!!!not base64 gzip' } }] }),
      JSON.stringify({ Records: [{ kinesis: { data: Buffer.from('plain words').toString('base64') } }] }),
      JSON.stringify({ Records: [{ kinesis: { data: b64gz('{"messageType":"DATA_MESSAGE", broken}') } }] }),
      JSON.stringify({ hello: 'world' }),
      '[1, 2]',
      JSON.stringify({ events: [{ timestamp: T, message: 'x'.repeat(3000) }] }),
    ].join('\n');
    const { events, diagnostics } = await cw(lines, { maxJsonItemLength: 2000 });
    expect(events.map((e) => e.event_id)).toEqual(['ok']);
    const reasons = diagnostics.map((d) => `${d.line}:${d.reason}`);
    expect(reasons).toEqual([
      '1:not-a-record',
      '1:bad-timestamp',
      '1:missing-field',
      '2:missing-field',
      '3:bad-field',
      '4:bad-payload',
      '5:bad-payload',
      '6:bad-json',
      '7:not-a-cloudwatch-record',
      '8:not-a-record',
      '8:not-a-record',
      '9:record-too-large',
    ]);
    expect(diagnostics[5].field).toBe('kinesis.data');
    expect(diagnostics[7].message).toContain('decoded');
  });

  it('a payload that decompresses beyond the limit is refused (zip bomb)', async () => {
    const big = b64gz(JSON.stringify(dataMessage([{ id: 'a', timestamp: T, message: 'z'.repeat(100_000) }])));
    expect(big.length).toBeLessThan(2000);
    const { events, diagnostics } = await cw(JSON.stringify({ Records: [{ kinesis: { data: big } }] }), { maxJsonItemLength: 5000 });
    expect(events).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ reason: 'record-too-large', field: 'kinesis.data' })]);
  });

  it('a truncated document keeps the events before it and reports a fatal diagnostic', async () => {
    const text = JSON.stringify(dataMessage([{ id: 'a', timestamp: T, message: 'm' }])) + '\n' + JSON.stringify(dataMessage([{ id: 'b', timestamp: T, message: 'm' }])).slice(0, 60);
    const { events, diagnostics } = await cw(text);
    expect(events.map((e) => e.event_id)).toEqual(['a']);
    expect(diagnostics.at(-1)).toMatchObject({ reason: 'truncated-json', fatal: true });
    expect((await cw('')).events).toEqual([]);
  });

  it('detection rules', () => {
    expect(cloudWatchFormat.detect('{"messageType":"DATA_MESSAGE","owner":"1"')).toBe(0.95);
    expect(cloudWatchFormat.detect('{"owner":"1","logGroup":"/g","logEvents":[')).toBe(0.9);
    expect(cloudWatchFormat.detect('{"events":[{"logStreamName":"s","eventId":"1"')).toBe(0.9);
    expect(cloudWatchFormat.detect('{"Records":[{"kinesis":{"data":"H4sIAAA')).toBe(0.85);
    expect(cloudWatchFormat.detect('H4sI not base64!')).toBe(0);
    expect(cloudWatchFormat.detect('2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK')).toBe(0);
    expect(cloudWatchFormat.detect('{"records":[{"time":"2026-11-25T10:00:00Z","resourceId":"/SUBSCRIPTIONS/X","category":"NetworkSecurityGroupFlowEvent"')).toBe(0);
    expect(cloudWatchFormat.detect('{"insertId":"x","logName":"projects/p/logs/y","timestamp":"2026-11-25T10:00:00Z","textPayload":"m"}')).toBe(0);
  });
});
