/**
 * gcp-logging: Cloud Logging LogEntry JSON (and Cloud Audit Logs) → EventRecords. Conformance on the shared
 * fixtures (values compared with Elastic's expected output where there is one), every mapping rule by hand,
 * detection against the other formats' fixtures, and damaged input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, EventRecord } from '../../../src/model/index.js';
import { gcpLoggingFormat, ipWithoutPort, normalizeLogEntry, parseRfc3339 } from '../../../src/parsers/logs/gcp-logging.js';
import type { LogParseOptions } from '../../../src/parsers/logs/types.js';
import { detectLogFormat, LOG_FORMATS } from '../../../src/parsers/logs/registry.js';
import { DETECTION_HEAD_BYTES, FLOW_FORMATS } from '../../../src/parsers/registry.js';
import { describeShared, listSharedFixtures, sharedFixture } from '../../helpers/fixtures.js';
import { chunked } from '../../helpers/parse.js';

interface Collected {
  events: EventRecord[];
  diagnostics: Diagnostic[];
}

async function collect(data: string | Uint8Array, options: Partial<LogParseOptions> = {}, chunkSize?: number): Promise<Collected> {
  const events: EventRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for await (const b of gcpLoggingFormat.parse(chunked(data, chunkSize), { object: 'test-input', ...options })) {
    events.push(...b.events);
    diagnostics.push(...b.diagnostics);
  }
  return { events, diagnostics };
}

const AUDIT_DIR = ['cloudlogs', 'gcp-audit', 'elastic-integrations'];
const LB_FILE = ['cloudlogs', 'gcp-logging', 'elastic-integrations', 'test-load-balancer.log'];

type Json = Record<string, unknown>;

function entry(over: Json = {}): Json {
  return {
    insertId: 'abc123',
    logName: 'projects/my-proj/logs/stdout',
    resource: { type: 'k8s_container', labels: { project_id: 'my-proj', location: 'europe-west1-b', cluster_name: 'c1', namespace_name: 'default' } },
    timestamp: '2026-11-25T10:11:12.345678901Z',
    receiveTimestamp: '2026-11-25T10:11:13.000000001Z',
    severity: 'INFO',
    textPayload: 'hello world',
    ...over,
  };
}

function audit(over: Json = {}, payload: Json = {}): Json {
  return {
    insertId: 'a1',
    logName: 'projects/p1/logs/cloudaudit.googleapis.com%2Factivity',
    resource: { type: 'gce_instance', labels: { project_id: 'p1', zone: 'us-east1-b', instance_id: '1' } },
    timestamp: '2026-11-25T10:00:00Z',
    receiveTimestamp: '2026-11-25T10:00:01Z',
    severity: 'NOTICE',
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'compute.googleapis.com',
      methodName: 'v1.compute.instances.delete',
      resourceName: 'projects/p1/zones/us-east1-b/instances/vm1',
      authenticationInfo: { principalEmail: 'alice@example.com' },
      requestMetadata: { callerIp: '203.0.113.9', callerSuppliedUserAgent: 'gcloud' },
      ...payload,
    },
    ...over,
  };
}

async function one(e: unknown): Promise<EventRecord> {
  const { events, diagnostics } = await collect(JSON.stringify(e));
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(events).toHaveLength(1);
  return events[0];
}

describeShared('gcp-logging: shared fixtures', () => {
  it('maps the GKE data_access audit entry as Elastic expects (status.code 7 → failure)', async () => {
    const file = sharedFixture(...AUDIT_DIR, 'test-k8s-nonmatching-resourcename.log');
    const raw = readFileSync(file, 'utf8');
    expect(gcpLoggingFormat.detect(raw)).toBeGreaterThanOrEqual(0.9);
    const expected = (JSON.parse(readFileSync(`${file}-expected.json`, 'utf8')) as { expected: Json[] }).expected;
    const { events, diagnostics } = await collect(readFileSync(file), { object: file });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(expected.length);
    const [e] = events;
    const x = expected[0] as {
      '@timestamp': string;
      cloud: { availability_zone: string; project: { id: string } };
      event: { action: string; outcome: string; provider: string; id: string };
      source: { ip: string };
      client: { user: { email: string } };
      service: { name: string };
      log: { logger: string };
      gcp: { audit: { receive_timestamp: string; resource_name: string; status: { code: number }; resource: { type: string } } };
      orchestrator: { cluster: { name: string } };
    };
    expect(new Date(e.timestamp!).toISOString()).toBe(x['@timestamp']);
    expect(new Date(e.observed_timestamp!).toISOString()).toBe(x.gcp.audit.receive_timestamp);
    expect(e.account_id).toBe(x.cloud.project.id);
    expect(e.region).toBe(x.cloud.availability_zone.replace(/-[a-z]$/, ''));
    expect(e.event_name).toBe(x.event.action);
    expect(e.outcome).toBe(x.event.outcome);
    expect(e.attributes?.audit_log).toBe(x.event.provider);
    expect(e.actor).toBe(x.client.user.email);
    expect(e.source_ip).toBe(x.source.ip);
    expect(e.service).toBe(x.service.name);
    expect(e.log_name).toBe(x.log.logger);
    expect(e.resource_type).toBe(x.gcp.audit.resource.type);
    expect(e.resource_id).toBe(`//${x.service.name}/${x.gcp.audit.resource_name}`);
    expect(e.status_code).toBe(String(x.gcp.audit.status.code));
    expect(e.error_code).toBe('PERMISSION_DENIED');
    expect(e.event_id).toBe(`${x.log.logger}|2021-04-23T14:47:07.535383Z|${x.event.id}`);
    expect((e.attributes?.resource as { labels: Json }).labels.cluster_name).toBe(x.orchestrator.cluster.name);
    expect(e).toMatchObject({ provider: 'gcp', source_format: 'gcp-logging', category: 'audit', severity_number: null, severity_text: null, message: null });
    expect(e.size_bytes).toBe(raw.trimEnd().length);
  });

  it('maps the Admin Activity audit entry (Deployment Manager insert, long-running operation)', async () => {
    const file = sharedFixture(...AUDIT_DIR, 'test-compute-googleapis-com.log');
    const raw = readFileSync(file, 'utf8');
    expect(gcpLoggingFormat.detect(raw)).toBeGreaterThanOrEqual(0.9);
    const { events, diagnostics } = await collect(raw, { object: file });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      timestamp: Date.parse('2024-11-19T13:13:13.176Z'),
      observed_timestamp: Date.parse('2024-11-19T13:13:14.634Z'),
      account_id: 'project-id',
      region: 'us-central1',
      service: 'compute.googleapis.com',
      resource_id: '//compute.googleapis.com/projects/project-id/zones/us-central1-a/instances/x-logs',
      resource_type: 'gce_instance',
      event_name: 'v1.compute.instances.insert',
      category: 'audit',
      severity_number: 10,
      severity_text: 'NOTICE',
      actor: 'project-id@cloudservices.gserviceaccount.com',
      source_ip: '175.16.199.45',
      // Elastic says unknown (no status); an audit entry without status is a success here (the operation was accepted)
      outcome: 'success',
      error_code: null,
      status_code: null,
      log_name: 'projects/project-id/logs/cloudaudit.googleapis.com%2Factivity',
      event_id: 'projects/project-id/logs/cloudaudit.googleapis.com%2Factivity|2024-11-19T13:13:13.176899Z|-w5vrlhdm7gk',
      source_object: file,
      source_line: 1,
    });
    expect(e.attributes).toMatchObject({
      audit_log: 'activity',
      operation: { first: true, id: 'operation-1732021993132-62743cba4d27a-d29b55ba-2cd69d6a', producer: 'compute.googleapis.com' },
      labels: { 'compute.googleapis.com/root_trigger_id': 'UUID' },
    });
    expect((e.attributes?.protoPayload as Json).requestMetadata).toMatchObject({ callerSuppliedUserAgent: 'Google-Deployment-Manager,gzip(gfe)' });
  });

  it('maps the three load-balancer entries (httpRequest, trace, span); they share one event_id', async () => {
    const file = sharedFixture(...LB_FILE);
    const raw = readFileSync(file, 'utf8');
    expect(gcpLoggingFormat.detect(raw)).toBeGreaterThanOrEqual(0.9);
    const { events, diagnostics } = await collect(raw, { object: file });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(3);
    for (const [i, e] of events.entries()) {
      expect(e).toMatchObject({
        timestamp: Date.parse('2020-06-08T23:41:30.078Z'),
        observed_timestamp: Date.parse('2020-06-08T23:41:30.588Z'),
        account_id: 'PROJECT_ID',
        region: 'global',
        service: 'compute.googleapis.com',
        resource_type: 'http_load_balancer',
        category: 'platform',
        severity_number: 9,
        severity_text: 'INFO',
        source_ip: '89.160.20.156', // the third's remoteIp has a :port
        status_code: '304',
        outcome: 'success',
        trace_id: '241d69833e64b3bf83fabac8c873d992',
        span_id: '7b6537d3672e08e1',
        log_name: 'projects/PROJECT_ID/logs/requests',
        resource_id: null,
        event_name: null,
        message: null,
        source_line: i + 1,
      });
      expect(e.size_bytes).toBe(raw.split('\n')[i].length);
      expect(Object.keys(e.attributes!).sort()).toEqual(['httpRequest', 'jsonPayload', 'resource']);
    }
    expect((events[2].attributes?.httpRequest as Json).serverIp).toBe('10.5.3.1:9090');
    // Same logName, timestamp and insertId: Cloud Logging itself treats such entries as one (duplicates are
    // removed from query results), so the three share the provider identity and the store keeps one.
    expect(new Set(events.map((e) => e.event_id))).toEqual(new Set(['projects/PROJECT_ID/logs/requests|2020-06-08T23:41:30.078651Z|1oek5rg3l3fxj7']));
  });

  it('is what both registries pick for its fixtures (no other log or flow format claims them)', () => {
    for (const f of [...listSharedFixtures(...AUDIT_DIR).filter((x) => x.endsWith('.log')), sharedFixture(...LB_FILE)]) {
      const head = readFileSync(f).subarray(0, DETECTION_HEAD_BYTES).toString('utf8');
      expect([f, detectLogFormat(head)?.format.id]).toEqual([f, 'gcp-logging']);
      for (const other of [...LOG_FORMATS.filter((x) => x.id !== 'gcp-logging'), ...FLOW_FORMATS]) expect([f, other.id, other.detect(head)]).toEqual([f, other.id, 0]);
    }
  });

  it('claims no flow-log fixture and no other cloud log fixture', () => {
    const others = [
      ...listSharedFixtures('flowlogs'),
      ...listSharedFixtures('cloudlogs').filter((f) => !f.includes('/gcp-audit/') && !f.includes('/gcp-logging/')),
    ].filter((f) => !f.endsWith('.md'));
    expect(others.length).toBeGreaterThan(5);
    for (const f of others) {
      const head = readFileSync(f).subarray(0, 65536).toString('utf8');
      expect([f, gcpLoggingFormat.detect(head)]).toEqual([f, 0]);
    }
  });
});

describe('gcp-logging: mapping', () => {
  it('maps a text entry of a container', async () => {
    const e = await one(entry());
    expect(e).toMatchObject({
      timestamp: Date.parse('2026-11-25T10:11:12.345Z'),
      observed_timestamp: Date.parse('2026-11-25T10:11:13.000Z'),
      provider: 'gcp',
      source_format: 'gcp-logging',
      account_id: 'my-proj',
      region: 'europe-west1',
      service: 'container.googleapis.com',
      resource_type: 'k8s_container',
      category: 'application',
      severity_number: 9,
      severity_text: 'INFO',
      message: 'hello world',
      outcome: 'unknown',
      log_name: 'projects/my-proj/logs/stdout',
      event_id: 'projects/my-proj/logs/stdout|2026-11-25T10:11:12.345678901Z|abc123',
      source_line: 1,
    });
    expect(e.attributes).toEqual({ resource: entry().resource });
  });

  it('reads severities by name and by number, DEFAULT without a number', async () => {
    const cases: [unknown, number | null, string | null][] = [
      ['DEBUG', 5, 'DEBUG'],
      ['NOTICE', 10, 'NOTICE'],
      ['WARNING', 13, 'WARNING'],
      ['ERROR', 17, 'ERROR'],
      ['CRITICAL', 18, 'CRITICAL'],
      ['ALERT', 19, 'ALERT'],
      ['EMERGENCY', 21, 'EMERGENCY'],
      ['DEFAULT', null, 'DEFAULT'],
      [200, 9, 'INFO'],
      [500, 17, 'ERROR'],
      [0, null, 'DEFAULT'],
      [undefined, null, null],
    ];
    for (const [sev, number, text] of cases) {
      const e = await one(entry({ severity: sev }));
      expect([sev, e.severity_number, e.severity_text]).toEqual([sev, number, text]);
    }
  });

  it('warns about severities that are no LogSeverity', async () => {
    for (const sev of ['LOUD', 250, true]) {
      const { events, diagnostics } = await collect(JSON.stringify(entry({ severity: sev })));
      expect(events).toHaveLength(1);
      expect(diagnostics).toMatchObject([{ reason: 'bad-field', field: 'severity', severity: 'warning' }]);
    }
    const { events } = await collect(JSON.stringify(entry({ severity: 'LOUD' })));
    expect(events[0]).toMatchObject({ severity_text: 'LOUD', severity_number: null });
  });

  it('takes the message of a jsonPayload (message, else msg) and keeps the payload in attributes', async () => {
    const payload = { message: 'started', port: 8080 };
    const e = await one(entry({ textPayload: undefined, jsonPayload: payload, labels: { env: 'prod' }, sourceLocation: { file: 'a.go', line: '3' } }));
    expect(e.message).toBe('started');
    expect(e.attributes).toEqual({ resource: entry().resource, jsonPayload: payload, labels: { env: 'prod' }, sourceLocation: { file: 'a.go', line: '3' } });
    expect(e.attributes?.jsonPayload).toBe(e.attributes?.jsonPayload); // referenced
    expect((await one(entry({ textPayload: undefined, jsonPayload: { msg: 'zap style' } }))).message).toBe('zap style');
    expect((await one(entry({ textPayload: undefined, jsonPayload: { message: 3, msg: 'fallback' } }))).message).toBe('fallback');
    expect((await one(entry({ textPayload: undefined, jsonPayload: { message: 3 } }))).message).toBeNull();
    expect((await one(entry({ textPayload: '' }))).message).toBeNull();
  });

  it('maps httpRequest: status, outcome, remote address without port', async () => {
    const http = (over: Json) => entry({ textPayload: undefined, httpRequest: { requestMethod: 'GET', requestUrl: 'https://x/y', ...over } });
    expect(await one(http({ status: 200, remoteIp: '198.51.100.7' }))).toMatchObject({ status_code: '200', outcome: 'success', source_ip: '198.51.100.7' });
    expect(await one(http({ status: 503, remoteIp: '198.51.100.7:4431' }))).toMatchObject({ status_code: '503', outcome: 'failure', source_ip: '198.51.100.7' });
    expect(await one(http({ status: 404, remoteIp: '[2001:DB8::1]:443' }))).toMatchObject({ status_code: '404', outcome: 'failure', source_ip: '2001:db8::1' });
    expect(await one(http({ remoteIp: '2001:db8:0:0::2' }))).toMatchObject({ status_code: null, outcome: 'unknown', source_ip: '2001:db8::2' });
    expect(await one(http({ status: 0, remoteIp: 'not-an-ip' }))).toMatchObject({ status_code: null, outcome: 'unknown', source_ip: null });
    const { events, diagnostics } = await collect(JSON.stringify(http({ status: '200' })));
    expect(events[0].status_code).toBeNull();
    expect(diagnostics).toMatchObject([{ reason: 'bad-field', field: 'httpRequest.status', severity: 'warning' }]);
  });

  it('strips ports from addresses', () => {
    expect(ipWithoutPort('10.0.0.1')).toBe('10.0.0.1');
    expect(ipWithoutPort('10.0.0.1:80')).toBe('10.0.0.1');
    expect(ipWithoutPort('[::1]:80')).toBe('::1');
    expect(ipWithoutPort('[::1')).toBeNull();
    expect(ipWithoutPort('fe80::1')).toBe('fe80::1');
    expect(ipWithoutPort('private')).toBeNull();
  });

  it('maps trace and span ids', async () => {
    expect(await one(entry({ trace: 'projects/my-proj/traces/0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7' }))).toMatchObject({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: '00f067aa0ba902b7',
    });
    expect((await one(entry({ trace: '0af7651916cd43dd8448eb211c80319c' }))).trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect((await one(entry({ trace: 'projects/p/traces/' }))).trace_id).toBeNull();
    expect(await one(entry({ trace: '', spanId: '' }))).toMatchObject({ trace_id: null, span_id: null });
  });

  it('reads the account of every kind of parent, else the resource project', async () => {
    expect((await one(entry({ logName: 'organizations/123/logs/cloudaudit.googleapis.com%2Fpolicy' }))).account_id).toBe('organizations/123');
    expect((await one(entry({ logName: 'folders/9/logs/x' }))).account_id).toBe('folders/9');
    expect((await one(entry({ logName: 'billingAccounts/AB-CD/logs/x' }))).account_id).toBe('billingAccounts/AB-CD');
    expect((await one(entry({ logName: 'weird' }))).account_id).toBe('my-proj');
    expect((await one(entry({ logName: 'projects' }))).account_id).toBe('my-proj');
    expect((await one(entry({ logName: 'other/x/logs/y' }))).account_id).toBe('my-proj');
    const e = await one(entry({ logName: undefined, insertId: 'i' }));
    expect(e).toMatchObject({ account_id: 'my-proj', log_name: null, event_id: '|2026-11-25T10:11:12.345678901Z|i' });
    expect((await one(entry({ insertId: undefined }))).event_id).toBeNull();
  });

  it('reads the region from region, zone or location labels', async () => {
    const withLabels = (labels: Json) => entry({ resource: { type: 'cloud_run_revision', labels } });
    expect((await one(withLabels({ region: 'us-central1', location: 'x' }))).region).toBe('us-central1');
    expect((await one(withLabels({ zone: 'asia-east1-c' }))).region).toBe('asia-east1');
    expect((await one(withLabels({ location: 'europe-west4' }))).region).toBe('europe-west4');
    expect((await one(withLabels({}))).region).toBeNull();
    expect(await one(entry({ resource: { type: 'cloud_run_revision' } }))).toMatchObject({ region: null, service: 'run.googleapis.com' });
    expect(await one(entry({ resource: 'gce' }))).toMatchObject({ region: null, resource_type: null, service: null });
  });

  it('names the service and the category from the resource and the log', async () => {
    expect(await one(entry({ resource: { type: 'gce_instance', labels: {} } }))).toMatchObject({ service: 'compute.googleapis.com', category: 'application' });
    expect(await one(entry({ resource: { type: 'cloudsql_database', labels: {} }, logName: 'projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log' }))).toMatchObject({
      service: 'cloudsql.googleapis.com',
      category: 'platform',
    });
    expect(await one(entry({ resource: { type: 'cloud_run_revision' }, logName: 'projects/p/logs/run.googleapis.com%2Frequests' }))).toMatchObject({ category: 'platform' });
    expect(await one(entry({ resource: { type: 'global' } }))).toMatchObject({ service: null, category: 'application' });
    expect(await one(entry({ resource: { type: 'audited_resource', labels: { service: 'iam.googleapis.com', method: 'x' } } }))).toMatchObject({
      service: 'iam.googleapis.com',
      category: 'platform',
    });
    // a VPC flow entry parsed as a LogEntry (the flow format owns these files)
    expect(await one(entry({ textPayload: undefined, logName: 'projects/p/logs/compute.googleapis.com%2Fvpc_flows', jsonPayload: { connection: {} } }))).toMatchObject({ category: 'flow' });
  });

  it('maps Cloud Audit Logs: method, service, full resource name, actor, caller, status', async () => {
    const e = await one(audit());
    expect(e).toMatchObject({
      account_id: 'p1',
      region: 'us-east1',
      service: 'compute.googleapis.com',
      resource_id: '//compute.googleapis.com/projects/p1/zones/us-east1-b/instances/vm1',
      event_name: 'v1.compute.instances.delete',
      category: 'audit',
      actor: 'alice@example.com',
      source_ip: '203.0.113.9',
      outcome: 'success',
      error_code: null,
      status_code: null,
      message: null,
    });
    expect(e.attributes?.audit_log).toBe('activity');
    const denied = await one(audit({}, { status: { code: 7, message: 'Required compute.instances.delete permission' } }));
    expect(denied).toMatchObject({ outcome: 'failure', status_code: '7', error_code: 'PERMISSION_DENIED', message: 'Required compute.instances.delete permission' });
    expect(await one(audit({}, { status: { code: 5 } }))).toMatchObject({ outcome: 'failure', error_code: 'NOT_FOUND', message: null });
    expect(await one(audit({}, { status: { code: 99 } }))).toMatchObject({ outcome: 'failure', error_code: '99' });
    expect(await one(audit({}, { status: {} }))).toMatchObject({ outcome: 'success', status_code: null });
    expect(await one(audit({}, { status: { code: 0 } }))).toMatchObject({ outcome: 'success', status_code: null });
  });

  it('keeps full resource names, names the audit log kinds, reads principalSubject', async () => {
    expect((await one(audit({}, { resourceName: '//storage.googleapis.com/projects/_/buckets/b' }))).resource_id).toBe('//storage.googleapis.com/projects/_/buckets/b');
    expect((await one(audit({}, { resourceName: '/projects/p1/x' }))).resource_id).toBe('//compute.googleapis.com/projects/p1/x');
    expect((await one(audit({}, { serviceName: undefined }))).resource_id).toBe('projects/p1/zones/us-east1-b/instances/vm1');
    expect((await one(audit({}, { serviceName: undefined }))).service).toBe('compute.googleapis.com'); // from the resource
    expect((await one(audit({}, { authenticationInfo: { principalSubject: 'user:bob@example.com' } }))).actor).toBe('user:bob@example.com');
    expect(await one(audit({}, { requestMetadata: { callerIp: 'private' } }))).toMatchObject({ source_ip: null });
    expect(await one(audit({}, { requestMetadata: { callerIp: '2001:db8::5' } }))).toMatchObject({ source_ip: '2001:db8::5' });
    for (const [log, kind] of [
      ['cloudaudit.googleapis.com%2Fdata_access', 'data_access'],
      ['cloudaudit.googleapis.com%2Fsystem_event', 'system_event'],
      ['cloudaudit.googleapis.com%2Fpolicy', 'policy'],
      ['cloudaudit.googleapis.com/activity', 'activity'],
    ]) {
      const e = await one(audit({ logName: `projects/p1/logs/${log}` }));
      expect([log, e.attributes?.audit_log, e.category]).toEqual([log, kind, 'audit']);
    }
    // an audit log whose payload lost its @type is still audit; an AuditLog in another log too
    expect(await one(audit({}, { '@type': undefined }))).toMatchObject({ category: 'audit', event_name: 'v1.compute.instances.delete' });
    const elsewhere = await one(audit({ logName: 'projects/p1/logs/custom' }));
    expect(elsewhere).toMatchObject({ category: 'audit', event_name: 'v1.compute.instances.delete' });
    expect(elsewhere.attributes?.audit_log).toBeUndefined();
    // another protoPayload in an audit log (no AuditLog fields read)
    expect(await one(audit({}, { '@type': 'type.googleapis.com/google.appengine.logging.v1.RequestLog' }))).toMatchObject({ category: 'audit', event_name: null, outcome: 'unknown' });
    expect((await one(audit({ logName: 'projects/p1/logs/cloudaudit.googleapis.com' }))).attributes?.audit_log).toBeUndefined();
  });

  it('an audit status overrides httpRequest; httpRequest fills what audit leaves', async () => {
    const e = await one(audit({ httpRequest: { status: 200, remoteIp: '198.51.100.1' } }, { status: { code: 16 }, requestMetadata: {} }));
    expect(e).toMatchObject({ outcome: 'failure', status_code: '16', error_code: 'UNAUTHENTICATED', source_ip: '198.51.100.1' });
  });

  it('warns about a malformed audit status', async () => {
    for (const status of ['bad', { code: 'x' }]) {
      const { events, diagnostics } = await collect(JSON.stringify(audit({}, { status })));
      expect(events[0].outcome).toBe('unknown');
      expect(diagnostics).toMatchObject([{ reason: 'bad-field', severity: 'warning' }]);
    }
  });

  it('reads times with nanoseconds, offsets and {seconds, nanos}; falls back to receiveTimestamp', async () => {
    expect((await one(entry({ timestamp: '2026-11-25T10:11:12.999999999Z' }))).timestamp).toBe(Date.parse('2026-11-25T10:11:12.999Z'));
    expect((await one(entry({ timestamp: '2026-11-25T12:11:12+02:00' }))).timestamp).toBe(Date.parse('2026-11-25T10:11:12Z'));
    expect((await one(entry({ timestamp: { seconds: '1764065472', nanos: 345678901 } }))).timestamp).toBe(1764065472345);
    expect((await one(entry({ timestamp: { seconds: 1764065472 } }))).timestamp).toBe(1764065472000);
    const { events, diagnostics } = await collect(JSON.stringify(entry({ timestamp: undefined })));
    expect(events[0].timestamp).toBe(Date.parse('2026-11-25T10:11:13Z'));
    expect(events[0].event_id).toBe(`projects/my-proj/logs/stdout|${Date.parse('2026-11-25T10:11:13Z')}|abc123`);
    expect(diagnostics).toMatchObject([{ reason: 'missing-field', field: 'timestamp', severity: 'warning' }]);
  });

  it('reads RFC 3339 times at fixed positions, like Date.parse to the millisecond', () => {
    for (const t of ['1970-01-01T00:00:00Z', '2000-02-29T23:59:59.999Z', '2024-12-31T23:59:59.5Z', '1969-12-31T23:59:59.001Z', '2100-03-01T00:00:00.000Z', '1600-03-01T12:00:00Z']) {
      expect([t, parseRfc3339(t)]).toEqual([t, Date.parse(t)]);
    }
    expect(parseRfc3339('2026-11-25T10:11:12.123456789Z')).toBe(Date.parse('2026-11-25T10:11:12.123Z'));
    expect(parseRfc3339('2026-11-25T10:11:12.1239Z')).toBe(Date.parse('2026-11-25T10:11:12.123Z'));
    expect(parseRfc3339('2026-02-29T00:00:00Z')).toBeNull();
    expect(parseRfc3339('2026-04-31T00:00:00Z')).toBeNull();
    expect(parseRfc3339('1900-02-29T00:00:00Z')).toBeNull();
    // other shapes go to the general parser
    expect(parseRfc3339('2026-11-25T10:11:12+01:00')).toBe(Date.parse('2026-11-25T09:11:12Z'));
    expect(parseRfc3339('2026-11-25T10:11:60Z')).toBe(Date.parse('2026-11-25T10:12:00Z'));
    expect(parseRfc3339('2026-11-25T10:11:12.Z')).toBeNull();
    expect(parseRfc3339('2026-11-25T10:11:12,5Z')).toBe(Date.parse('2026-11-25T10:11:12.500Z'));
    expect(parseRfc3339('2026-11-25T10:11:12.5xZ')).toBeNull();
    expect(parseRfc3339('2026-13-25T10:11:12Z')).toBeNull();
    expect(parseRfc3339('2026-11-25')).toBe(Date.parse('2026-11-25T00:00:00Z'));
  });

  it('skips entries without a usable time, warns about a bad receiveTimestamp', async () => {
    const bad = await collect(JSON.stringify(entry({ timestamp: 'yesterday' })));
    expect(bad.events).toEqual([]);
    expect(bad.diagnostics).toMatchObject([{ reason: 'bad-timestamp', field: 'timestamp', severity: 'error', line: 1 }]);
    const obj = await collect(JSON.stringify(entry({ timestamp: { seconds: 'x' } })));
    expect(obj.diagnostics).toMatchObject([{ reason: 'bad-timestamp' }]);
    const none = await collect(JSON.stringify(entry({ timestamp: undefined, receiveTimestamp: undefined })));
    expect(none.events).toEqual([]);
    expect(none.diagnostics).toMatchObject([{ reason: 'missing-field', field: 'timestamp', severity: 'error' }]);
    const badReceive = await collect(JSON.stringify(entry({ receiveTimestamp: 'soon' })));
    expect(badReceive.events[0].observed_timestamp).toBeNull();
    expect(badReceive.diagnostics).toMatchObject([{ reason: 'bad-timestamp', field: 'receiveTimestamp', severity: 'warning' }]);
  });

  it('exports the normalizer the API source uses', () => {
    const diagnostics: Diagnostic[] = [];
    const e = normalizeLogEntry(entry(), 'gcp-logging://projects/my-proj', 4, 321, diagnostics);
    expect(e).toMatchObject({ source_object: 'gcp-logging://projects/my-proj', source_line: 4, size_bytes: 321, message: 'hello world' });
    expect(normalizeLogEntry({ foo: 1 }, 'o', 1, 1, diagnostics)).toBeNull();
    expect(diagnostics).toMatchObject([{ reason: 'not-a-log-entry', severity: 'warning' }]);
  });
});

describe('gcp-logging: framing', () => {
  const entries = [entry({ insertId: 'a' }), entry({ insertId: 'b', textPayload: 'second' }), entry({ insertId: 'c', textPayload: 'third' })];

  it('reads NDJSON, JSON arrays, entries.list responses and records wrappers alike', async () => {
    const ids = (c: Collected) => c.events.map((e) => e.event_id?.split('|')[2]);
    const nd = await collect(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    expect(ids(nd)).toEqual(['a', 'b', 'c']);
    expect(nd.events.map((e) => e.source_line)).toEqual([1, 2, 3]);
    const array = await collect(JSON.stringify(entries, null, 2), {}, 7);
    expect(ids(array)).toEqual(['a', 'b', 'c']);
    expect(array.events[1].source_line).toBeGreaterThan(array.events[0].source_line);
    const response = await collect(JSON.stringify({ entries, nextPageToken: 'tok' }));
    expect(ids(response)).toEqual(['a', 'b', 'c']);
    expect(response.events.map((e) => e.size_bytes)).toEqual(entries.map((e) => JSON.stringify(e).length));
    const records = await collect(JSON.stringify({ records: entries }));
    expect(ids(records)).toEqual(['a', 'b', 'c']);
    expect(records.events[0].size_bytes).toBe(JSON.stringify(entries[0]).length);
    expect(records.diagnostics).toEqual([]);
    for (const c of [nd, array, response, records]) expect(c.diagnostics).toEqual([]);
    const nested = await collect(JSON.stringify({ entries: [{ records: [entries[0]] }] }));
    expect(nested.events).toEqual([]);
    expect(nested.diagnostics).toMatchObject([{ reason: 'not-a-log-entry' }]);
  });

  it('an empty entries.list page is no diagnostic', async () => {
    expect(await collect('{"nextPageToken":"x"}\n{}\n')).toMatchObject({ events: [], diagnostics: [{ reason: 'not-a-log-entry', line: 2 }] });
    expect(await collect('{"entries":[]}')).toEqual({ events: [], diagnostics: [] });
  });

  it('turns damage into diagnostics in input order and goes on', async () => {
    const text = [
      JSON.stringify(entries[0]),
      '{"insertId": "broken" "x"}',
      'not json at all',
      '42',
      '[1, "x"]',
      JSON.stringify({ unrelated: true }),
      JSON.stringify(entries[2]),
    ].join('\n');
    const { events, diagnostics } = await collect(text);
    expect(events.map((e) => e.source_line)).toEqual([1, 7]);
    expect(diagnostics.map((d) => d.reason)).toEqual(['bad-json', 'not-a-record', 'not-a-record', 'not-a-record', 'not-a-record', 'not-a-log-entry']);
    expect(diagnostics.every((d) => typeof d.message === 'string' && d.line !== null)).toBe(true);
    expect(diagnostics.map((d) => d.reason)).toContain('bad-json');
    const lines = diagnostics.map((d) => d.line!);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
    // a line cut off at the end of a file (a partial write): what came before is kept, the rest is fatal
    const partial = await collect(`${JSON.stringify(entries[0])}\n${JSON.stringify(entries[1]).slice(0, 40)}`);
    expect(partial.events).toHaveLength(1);
    expect(partial.diagnostics).toMatchObject([{ reason: 'truncated-json', line: 2, fatal: true }]);
  });

  it('non-object entries of a wrapper, nested arrays', async () => {
    const { events, diagnostics } = await collect(JSON.stringify({ entries: [entries[0], 'x', [1]] }));
    expect(events).toHaveLength(1);
    expect(diagnostics).toMatchObject([
      { reason: 'not-a-record', message: expect.stringContaining('JSON value') },
      { reason: 'not-a-record', message: expect.stringContaining('JSON array') },
    ]);
    const arrays = await collect(JSON.stringify([[entries[0], entries[1]]]));
    expect(arrays.events).toHaveLength(2);
  });

  it('refuses oversized records and reports a truncated file', async () => {
    const big = entry({ textPayload: 'x'.repeat(5000) });
    const { events, diagnostics } = await collect(`${JSON.stringify(big)}\n${JSON.stringify(entries[1])}\n`, { maxJsonItemLength: 1000 });
    expect(events.map((e) => e.event_id?.split('|')[2])).toEqual(['b']);
    expect(diagnostics).toMatchObject([{ reason: 'record-too-large', line: 1 }]);
    const cut = await collect(JSON.stringify(entries).slice(0, 500));
    expect(cut.diagnostics.at(-1)).toMatchObject({ reason: 'truncated-json', fatal: true });
  });

  it('yields in batches of batchSize, records and diagnostics', async () => {
    const many = Array.from({ length: 25 }, (_, i) => JSON.stringify(entry({ insertId: `i${i}` }))).join('\n');
    const sizes: number[] = [];
    for await (const b of gcpLoggingFormat.parse(chunked(many, 100), { object: 'x', batchSize: 10 })) sizes.push(b.events.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    const junk = Array.from({ length: 25 }, () => 'junk').join('\n');
    const dsizes: number[] = [];
    for await (const b of gcpLoggingFormat.parse(chunked(junk, 1 << 20), { object: 'x', batchSize: 10 })) dsizes.push(b.diagnostics.length);
    expect(dsizes.reduce((a, b) => a + b, 0)).toBe(25);
  });
});

describe('gcp-logging: detection', () => {
  const line = (e: Json) => JSON.stringify(e);

  it('claims LogEntries in every framing, audit logs surest', () => {
    expect(gcpLoggingFormat.detect(line(audit()))).toBe(0.95);
    expect(gcpLoggingFormat.detect(line(entry()))).toBe(0.9);
    expect(gcpLoggingFormat.detect(JSON.stringify([entry()], null, 2))).toBe(0.9);
    expect(gcpLoggingFormat.detect(JSON.stringify({ entries: [entry({ textPayload: undefined, jsonPayload: { a: 1 } })] }))).toBe(0.9);
    expect(gcpLoggingFormat.detect('{"logName":"projects/p/logs/x","insertId":"1"')).toBe(0.7);
    expect(gcpLoggingFormat.detect('{"insertId":"1","receiveTimestamp":"2026-01-01T00:00:00Z","resource":{')).toBe(0.5);
  });

  it('leaves VPC flow and firewall entries to gcp-vpc, and other formats alone', () => {
    const flow = entry({ textPayload: undefined, logName: 'projects/p/logs/compute.googleapis.com%2Fvpc_flows', jsonPayload: { connection: { src_ip: '10.0.0.1', dest_ip: '10.0.0.2' } } });
    expect(gcpLoggingFormat.detect(line(flow))).toBe(0);
    expect(gcpLoggingFormat.detect(line({ ...flow, logName: 'projects/p/logs/x' }))).toBe(0);
    expect(gcpLoggingFormat.detect(line({ ...flow, logName: 'projects/p/logs/compute.googleapis.com%2Ffirewall' }))).toBe(0);
    expect(gcpLoggingFormat.detect('{"insertId":"1","receiveTimestamp":"x","jsonPayload":{"connection":{"src_ip":"10.0.0.1"')).toBe(0);
    for (const other of [
      '',
      'hello',
      '{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}]}',
      '{"records":[{"time":"2026-01-01T00:00:00Z","resourceId":"/SUBSCRIPTIONS/X","category":"NetworkSecurityGroupFlowEvent"}]}',
      '{"messageType":"DATA_MESSAGE","logGroup":"/aws/lambda/f","logEvents":[]}',
      '{"logName":"x"}',
    ]) {
      expect([other, gcpLoggingFormat.detect(other)]).toEqual([other, 0]);
    }
  });
});
