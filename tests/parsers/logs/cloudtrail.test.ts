import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, EventRecord } from '../../../src/model/index.js';
import { cloudTrailFormat, normalizeCloudTrailRecord } from '../../../src/parsers/logs/cloudtrail.js';
import { cloudWatchFormat } from '../../../src/parsers/logs/cloudwatch.js';
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

/** The values of Elastic's expected ECS events that we compare. */
interface EcsEvent {
  '@timestamp': string;
  cloud: { account: { id: string }; region: string };
  event: { action: string; provider: string; outcome: string; id: string; original?: string };
  source: { ip: string };
  aws: { cloudtrail: { user_identity: { arn: string }; error_message?: string; request_id?: string } };
  target?: { entity?: { id?: string[] } };
}

const CT = (rel: string) => sharedFixture('cloudlogs', 'aws-cloudtrail', rel);

function record(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDA', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
    eventTime: '2026-11-25T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '192.0.2.10',
    userAgent: 'aws-cli/2',
    requestParameters: { bucketName: 'logs-bucket', key: 'a.txt' },
    responseElements: null,
    requestID: 'REQ1',
    eventID: 'EVT1',
    readOnly: true,
    resources: [
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::logs-bucket/a.txt' },
      { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::logs-bucket' },
    ],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111122223333',
    eventCategory: 'Data',
    tlsDetails: { tlsVersion: 'TLSv1.3' },
    ...over,
  };
}

const one = async (r: Record<string, unknown>, options: Partial<LogParseOptions> = {}) => {
  const out = await parse(cloudTrailFormat, JSON.stringify(r) + '\n', options);
  return { event: out.events[0], ...out };
};

describeShared('aws-cloudtrail conformance (../shared/fixtures/cloudlogs/aws-cloudtrail)', () => {
  it('matches the values of Elastic expected outputs', async () => {
    for (const input of ['elastic-integrations/test-console-login-json.log', 'elastic-integrations/test-create-stack-json.log']) {
      const { events, diagnostics } = await parse(cloudTrailFormat, readFileSync(CT(input)), { object: input });
      expect(diagnostics).toEqual([]);
      const expected = (JSON.parse(readFileSync(CT(`${input}-expected.json`), 'utf8')) as { expected: EcsEvent[] }).expected.filter((e) => e.event?.original);
      expect(events.length).toBe(expected.length);
      const lines = readFileSync(CT(input), 'utf8').split('\n');
      expected.forEach((x, i) => {
        const e = events[i];
        expect(new Date(e.timestamp!).toISOString()).toBe(x['@timestamp']);
        expect(e.account_id).toBe(x.cloud.account.id);
        expect(e.region).toBe(x.cloud.region);
        expect(e.event_name).toBe(x.event.action);
        expect(e.service).toBe(x.event.provider);
        expect(e.outcome).toBe(x.event.outcome);
        expect(e.event_id).toBe(x.event.id);
        expect(e.source_ip).toBe(x.source.ip);
        expect(e.actor).toBe(x.aws.cloudtrail.user_identity.arn);
        expect(e.message).toBe(x.aws.cloudtrail.error_message ?? null);
        expect(e.request_id).toBe(x.aws.cloudtrail.request_id ?? null);
        if (x.target?.entity?.id) expect(e.resource_id).toBe(x.target.entity.id[0]);
        // event.original is the input line: size_bytes is its size
        expect(e.size_bytes).toBe(Buffer.byteLength(x.event.original!));
        expect(x.event.original).toBe(lines[e.source_line - 1]);
        expect(e.category).toBe('audit');
        expect(e.severity_number).toBeNull();
      });
    }
  });

  it('skips the blank trailing line of test-create-stack-json.log (one event)', async () => {
    const { events } = await parse(cloudTrailFormat, readFileSync(CT('elastic-integrations/test-create-stack-json.log')));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ resource_type: 'AWS::CloudFormation::Stack', request_id: '99c2408d-f4cd-482b-a8a9-b4a1d3f0a9b9', account_id: '000000000' });
    expect(events[0].attributes).toMatchObject({ eventCategory: 'Management', readOnly: false, eventType: 'AwsApiCall', tlsDetails: { tlsVersion: 'TLSv1.3' } });
  });

  it('reads the {"Records":[…]} log file (pretty-printed) record by record', async () => {
    const file = CT('awsdocs-aws-cloudtrail-user-guide/111122223333_CloudTrail_us-east-2_StartInstances.json');
    const text = readFileSync(file, 'utf8');
    const { events, diagnostics } = await parse(cloudTrailFormat, text, {}, 50);
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      timestamp: Date.parse('2014-03-06T21:22:54Z'),
      account_id: '123456789012',
      region: 'us-east-2',
      service: 'ec2.amazonaws.com',
      event_name: 'StartInstances',
      actor: 'arn:aws:iam::123456789012:user/Alice',
      source_ip: '205.251.233.176',
      outcome: 'success',
      event_id: null,
      request_id: null,
      source_line: 1,
    });
    // the record's own text: from `{` after `[` to its closing `}`
    expect(events[0].size_bytes).toBe(text.lastIndexOf('}]}') + 1 - text.indexOf('[{') - 1);
    expect(events[0].attributes).toMatchObject({ userAgent: 'ec2-api-tools 1.6.12.2', eventVersion: '1.0' });
  });

  it('recognizes the digest file: no events, one info diagnostic', async () => {
    const { events, diagnostics } = await parse(cloudTrailFormat, readFileSync(CT('elastic-integrations/test-cloudtrail-digest-json.log')));
    expect(events).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ reason: 'cloudtrail-digest', severity: 'info', detail: expect.objectContaining({ logFiles: 3 }) })]);
  });

  it('detection: claims every CloudTrail fixture, nothing else among the shared fixtures', () => {
    for (const f of listSharedFixtures('cloudlogs', 'aws-cloudtrail').filter((p) => !p.endsWith('-expected.json'))) {
      const head = readFileSync(f).subarray(0, 65536).toString('utf8');
      expect(cloudTrailFormat.detect(head), f).toBeGreaterThanOrEqual(0.9);
      expect(cloudWatchFormat.detect(head), f).toBe(0);
      expect(detectLogFormat(head)?.format.id, f).toBe('aws-cloudtrail');
    }
    const others = [...listSharedFixtures('flowlogs'), ...listSharedFixtures('cloudlogs'), ...listSharedFixtures('iac'), ...listSharedFixtures('autoscaling')].filter(
      (p) => !p.includes('/aws-cloudtrail/') || p.endsWith('-expected.json'),
    );
    expect(others.length).toBeGreaterThan(20);
    for (const f of others) expect(cloudTrailFormat.detect(readFileSync(f).subarray(0, 65536).toString('utf8')), f).toBe(0);
  });
});

describe('aws-cloudtrail mapping', () => {
  it('maps a data event column by column', async () => {
    const { event: e, diagnostics } = await one(record());
    expect(diagnostics).toEqual([]);
    expect(e).toMatchObject({
      provider: 'aws',
      source_format: 'aws-cloudtrail',
      timestamp: Date.UTC(2026, 10, 25, 10),
      observed_timestamp: null,
      account_id: '111122223333',
      region: 'eu-west-1',
      service: 's3.amazonaws.com',
      event_name: 'GetObject',
      category: 'audit',
      severity_number: null,
      severity_text: null,
      message: null,
      actor: 'arn:aws:iam::111122223333:user/alice',
      source_ip: '192.0.2.10',
      outcome: 'success',
      error_code: null,
      status_code: null,
      request_id: 'REQ1',
      event_id: 'EVT1',
      resource_id: 'arn:aws:s3:::logs-bucket/a.txt',
      resource_type: 'AWS::S3::Object',
      log_name: null,
      trace_id: null,
      span_id: null,
      source_object: 'test-input',
      source_line: 1,
    });
    expect(Object.keys(e.attributes!).sort()).toEqual(
      ['eventCategory', 'eventType', 'eventVersion', 'managementEvent', 'readOnly', 'requestParameters', 'resources', 'responseElements', 'tlsDetails', 'userAgent', 'userIdentity'].sort(),
    );
    expect(e.size_bytes).toBe(JSON.stringify(record()).length);
  });

  it('errors: errorCode / errorMessage → failure, error_code, message', async () => {
    const { event: e } = await one(record({ errorCode: 'AccessDenied', errorMessage: 'Access Denied' }));
    expect(e).toMatchObject({ outcome: 'failure', error_code: 'AccessDenied', message: 'Access Denied' });
    expect(e.attributes).not.toHaveProperty('errorCode');
    expect((await one(record({ errorCode: 'NoSuchKey' }))).event).toMatchObject({ outcome: 'failure', message: null });
  });

  it('ConsoleLogin Failure without an error field is a failure', async () => {
    const { event: e } = await one(record({ eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Failure' } }));
    expect(e.outcome).toBe('failure');
    expect((await one(record({ responseElements: { ConsoleLogin: 'Success' } }))).event.outcome).toBe('success');
  });

  it('actor: arn, else userName, else principalId, else invokedBy (AWSService), else type', async () => {
    const actor = async (userIdentity: unknown) => (await one(record({ userIdentity }))).event.actor;
    expect(await actor({ type: 'IAMUser', userName: 'bob', principalId: 'P' })).toBe('bob');
    expect(await actor({ type: 'Root', principalId: 'P' })).toBe('P');
    expect(await actor({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })).toBe('ec2.amazonaws.com');
    expect(await actor({ type: 'AWSAccount' })).toBe('AWSAccount');
    expect(await actor(undefined)).toBeNull();
  });

  it('account: recipientAccountId, else userIdentity.accountId, else context; region from context when absent', async () => {
    expect((await one(record({ recipientAccountId: undefined }))).event.account_id).toBe('111122223333');
    const { event: e } = await one(record({ recipientAccountId: undefined, userIdentity: { type: 'AWSService', invokedBy: 'x' }, awsRegion: undefined }), {
      context: { accountId: '999', region: 'ap-south-1' },
    });
    expect(e).toMatchObject({ account_id: '999', region: 'ap-south-1' });
    const { event: n } = await one(record({ recipientAccountId: undefined, userIdentity: {}, awsRegion: undefined }));
    expect(n).toMatchObject({ account_id: null, region: null });
  });

  it('sourceIPAddress: IPs normalized, service names kept in attributes', async () => {
    expect((await one(record({ sourceIPAddress: '2001:DB8::1' }))).event.source_ip).toBe('2001:db8::1');
    const { event: e } = await one(record({ sourceIPAddress: 'cloudformation.amazonaws.com' }));
    expect(e.source_ip).toBeNull();
    expect(e.attributes!.sourceIPAddress).toBe('cloudformation.amazonaws.com');
    expect((await one(record({ sourceIPAddress: 'AWS Internal' }))).event.attributes!.sourceIPAddress).toBe('AWS Internal');
    expect((await one(record({ sourceIPAddress: 7 }))).event.attributes!.sourceIPAddress).toBe(7);
  });

  it('resource: resources[0], else well-known responseElements ARNs, else requestParameters.bucketName', async () => {
    const res = async (over: Record<string, unknown>) => {
      const { event } = await one(record({ resources: undefined, requestParameters: null, ...over }));
      return [event.resource_id, event.resource_type];
    };
    expect(await res({ responseElements: { stackId: 'arn:aws:cloudformation:us-east-1:1:stack/s/x' } })).toEqual(['arn:aws:cloudformation:us-east-1:1:stack/s/x', 'AWS::CloudFormation::Stack']);
    expect(await res({ responseElements: { role: { arn: 'arn:aws:iam::1:role/r', roleName: 'r' } } })).toEqual(['arn:aws:iam::1:role/r', 'AWS::IAM::Role']);
    expect(await res({ responseElements: { functionArn: 'arn:aws:lambda:us-east-1:1:function:f' } })).toEqual(['arn:aws:lambda:us-east-1:1:function:f', 'AWS::Lambda::Function']);
    expect(await res({ responseElements: { stackId: 'not-an-arn' } })).toEqual([null, null]);
    expect(await res({ requestParameters: { bucketName: 'b' } })).toEqual(['arn:aws:s3:::b', 'AWS::S3::Bucket']);
    expect(await res({ resources: [{ arn: 'arn:aws:sns:us-east-1:1:t' }] })).toEqual(['arn:aws:sns:us-east-1:1:t', null]);
    expect(await res({ resources: [{ type: 'AWS::KMS::Key' }], responseElements: {} })).toEqual([null, null]);
    expect(await res({ resources: [] })).toEqual([null, null]);
  });

  it('Insight events: severity from the insight state, event from insightDetails, outcome unknown', async () => {
    const insight = {
      eventVersion: '1.08',
      eventTime: '2026-11-25T10:00:00Z',
      awsRegion: 'us-east-1',
      eventID: 'I1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '111122223333',
      sharedEventID: 'S1',
      insightDetails: {
        state: 'Start',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        insightType: 'ApiCallRateInsight',
        insightContext: { statistics: { baseline: { average: 0.01 }, insight: { average: 5 }, insightDuration: 1 } },
      },
      eventCategory: 'Insight',
    };
    const { event: s } = await one(insight);
    expect(s).toMatchObject({ service: 'ec2.amazonaws.com', event_name: 'RunInstances', severity_number: 13, severity_text: 'Start', outcome: 'unknown', category: 'audit', event_id: 'I1', actor: null });
    expect(s.attributes).toMatchObject({ insightDetails: insight.insightDetails, sharedEventID: 'S1', eventType: 'AwsCloudTrailInsight' });
    const { event: e } = await one({ ...insight, insightDetails: { ...insight.insightDetails, state: 'End' } });
    expect(e).toMatchObject({ severity_number: 9, severity_text: 'End' });
    const { event: n } = await one({ ...insight, insightDetails: {} });
    expect(n).toMatchObject({ severity_number: null, service: null });
  });

  it('EventBridge "AWS API Call via CloudTrail" events carry the record in detail', async () => {
    const ev = { version: '0', id: 'x', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', detail: record() };
    const text = JSON.stringify(ev);
    expect(cloudTrailFormat.detect(text)).toBeGreaterThan(0);
    const { event } = await one(ev);
    expect(event).toMatchObject({ event_name: 'GetObject', event_id: 'EVT1' });
  });

  it('reads minified Records files in small chunks, several concatenated files and JSON arrays', async () => {
    const file = JSON.stringify({ Records: [record({ eventID: 'A' }), record({ eventID: 'B' }), record({ eventID: 'C' })] });
    for (const size of [1, 7, 64, 1 << 16]) {
      const { events, diagnostics } = await parse(cloudTrailFormat, file, {}, size);
      expect(diagnostics).toEqual([]);
      expect(events.map((e) => e.event_id)).toEqual(['A', 'B', 'C']);
      expect(events[0].size_bytes).toBe(JSON.stringify(record({ eventID: 'A' })).length);
    }
    // a second file after the first arrives whole: its records still come out
    const two = `${file}\n${JSON.stringify({ Records: [record({ eventID: 'D' })] })}\n`;
    expect((await parse(cloudTrailFormat, two)).events.map((e) => e.event_id)).toEqual(['A', 'B', 'C', 'D']);
    const arr = JSON.stringify([record({ eventID: 'X' }), record({ eventID: 'Y' })], null, 2);
    expect((await parse(cloudTrailFormat, arr, {}, 10)).events.map((e) => e.event_id)).toEqual(['X', 'Y']);
    // pretty-printed with the key on the next line, and leading blanks in a separate chunk
    const pretty = `  \n${JSON.stringify({ Records: [record({ eventID: 'P' })] }, null, 4)}`;
    expect((await parse(cloudTrailFormat, pretty, {}, 3)).events.map((e) => e.event_id)).toEqual(['P']);
    // a tiny input that ends while the head is still undecided
    expect((await parse(cloudTrailFormat, '{"Records":[]}')).events).toEqual([]);
    expect((await parse(cloudTrailFormat, '  { ')).diagnostics[0].reason).toBe('truncated-json');
    expect((await parse(cloudTrailFormat, '')).events).toEqual([]);
  });

  it('yields in batches of batchSize', async () => {
    const text = Array.from({ length: 25 }, (_, i) => JSON.stringify(record({ eventID: `E${i}` }))).join('\n');
    const sizes: number[] = [];
    for await (const b of cloudTrailFormat.parse(chunked(text), { object: 'x', batchSize: 10 })) sizes.push(b.events.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('malformed, partial and oversized records give diagnostics, not crashes', async () => {
    const good = JSON.stringify(record());
    const text = [
      good,
      '{"eventVersion":"1.08","eventTime":"yesterday"}',
      '{"eventVersion":"1.08"}',
      '{"eventVersion": broken}',
      '[1,2]',
      '"just a string"',
      '{"hello":"world"}',
      JSON.stringify(record({ userAgent: 'x'.repeat(5000) })),
      good,
    ].join('\n');
    const { events, diagnostics } = await parse(cloudTrailFormat, text, { maxJsonItemLength: 4000 });
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.source_line)).toEqual([1, 9]);
    const reasons = diagnostics.map((d) => `${d.line}:${d.reason}`);
    expect(reasons).toEqual(expect.arrayContaining(['2:bad-timestamp', '3:missing-field', '4:bad-json', '6:not-a-record', '7:not-a-cloudtrail-record', '8:record-too-large']));
    expect(diagnostics.find((d) => d.reason === 'not-a-cloudtrail-record')!.severity).toBe('warning');
    // a file cut off inside a record: the records before it stand, a fatal diagnostic says so
    const cut = await parse(cloudTrailFormat, `{"Records":[${good},${good.slice(0, 100)}`);
    expect(cut.events).toHaveLength(1);
    expect(cut.diagnostics.at(-1)).toMatchObject({ reason: 'truncated-json', fatal: true });
    // a wrapper whose elements are not records
    const odd = await parse(cloudTrailFormat, '{"Records":[[1]]}\n{"Records":[5]}');
    expect(odd.diagnostics.map((d) => d.reason)).toEqual(expect.arrayContaining(['not-a-record']));
  });

  it('NDJSON line path: invalid UTF-8 kept with a warning; long and damaged lines hand the rest to the streaming reader', async () => {
    const good = JSON.stringify(record());
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from('\n'), Buffer.from(good.slice(0, good.indexOf('aws-cli/2') + 8)), Buffer.from([0xff]), Buffer.from(good.slice(good.indexOf('aws-cli/2') + 9)), Buffer.from('\n')]);
    const u = await parse(cloudTrailFormat, bytes);
    expect(u.events).toHaveLength(2);
    expect(u.diagnostics).toEqual([expect.objectContaining({ reason: 'invalid-utf8', line: 2, severity: 'warning' })]);
    // a line longer than the limit, arriving in small chunks, then good lines: numbers stay right
    const long = JSON.stringify(record({ userAgent: 'y'.repeat(3000) }));
    const text = `${good}\n\n${long}\n${good}\n${good}`;
    const r = await parse(cloudTrailFormat, text, { maxJsonItemLength: 2000 }, 100);
    expect(r.events.map((e) => e.source_line)).toEqual([1, 4, 5]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ reason: 'record-too-large', line: 3, message: expect.stringContaining('line 3') })]);
    // a Records file after NDJSON lines (concatenated exports)
    const mixed = `${good}\n${JSON.stringify({ Records: [record({ eventID: 'R1' }), record({ eventID: 'R2' })] })}\n${good}\n`;
    const m = await parse(cloudTrailFormat, mixed, {}, 33);
    expect(m.events.map((e) => [e.event_id, e.source_line])).toEqual([
      ['EVT1', 1],
      ['R1', 2],
      ['R2', 2],
      ['EVT1', 3],
    ]);
    expect(m.events[1].size_bytes).toBe(JSON.stringify(record({ eventID: 'R1' })).length);
  });

  it('gzip is the container layer’s job: the parser sees text', async () => {
    const gz = gzipSync(JSON.stringify({ Records: [record()] }));
    expect(gz[0]).toBe(0x1f);
    expect(cloudTrailFormat.detect(JSON.stringify({ Records: [record()] }))).toBe(0.95);
  });

  it('normalizeCloudTrailRecord is usable on its own (API objects)', () => {
    const diags: Diagnostic[] = [];
    const e = normalizeCloudTrailRecord(record() as Record<string, unknown>, 'api', 3, 100, diags);
    expect(e).toMatchObject({ source_object: 'api', source_line: 3, size_bytes: 100, event_id: 'EVT1' });
    expect(normalizeCloudTrailRecord({ eventTime: 5 }, 'api', 1, 1, diags)).toBeNull();
    expect(diags[0]).toMatchObject({ reason: 'bad-timestamp', field: 'eventTime' });
  });

  it('detection rules', () => {
    expect(cloudTrailFormat.detect('{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/')).toBe(0.8);
    // a Kinesis / S3 Lambda event is not CloudTrail
    expect(cloudTrailFormat.detect('{"Records":[{"kinesis":{"data":"H4sI"},"eventSource":"aws:kinesis","eventVersion":"1.0","awsRegion":"eu-west-1"}]}')).toBe(0);
    expect(cloudTrailFormat.detect('{"eventTimestamp":"x","eventVersion":"1"}')).toBe(0);
    expect(cloudTrailFormat.detect('2026-11-25T10:00:00.000Z hello')).toBe(0);
  });
});
