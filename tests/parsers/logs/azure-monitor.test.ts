/**
 * azure-monitor: resource logs (diagnostic-settings exports) and Log Analytics query results.
 * Conformance on ../shared/fixtures/cloudlogs/azure-resource-logs and azure-log-analytics-api (no expected files:
 * values checked by hand against the inputs), every mapping rule, detection, damaged input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, EventRecord } from '../../../src/model/index.js';
import { azureActivityFormat } from '../../../src/parsers/logs/azure-activity.js';
import { canonicalNamespace, outcomeOf, parseResourceId, statusOfSignature, callerIp, actorFromIdentity } from '../../../src/parsers/logs/azure-log-common.js';
import { azureMonitorFormat, normalizeLogAnalyticsTable, normalizeResourceLogRecord } from '../../../src/parsers/logs/azure-monitor.js';
import type { LogFormat, LogParseOptions } from '../../../src/parsers/logs/types.js';
import { describeShared, listSharedFixtures, sharedFixture } from '../../helpers/fixtures.js';

async function* chunked(data: string, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(data);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parseWith(format: LogFormat, text: string, options: Partial<LogParseOptions> = {}, chunk?: number) {
  const events: EventRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  let batches = 0;
  for await (const b of format.parse(chunked(text, chunk), { object: 'test-input', ...options })) {
    events.push(...b.events);
    diagnostics.push(...b.diagnostics);
    batches++;
  }
  return { events, diagnostics, batches };
}

const parse = (text: string, options: Partial<LogParseOptions> = {}, chunk?: number) => parseWith(azureMonitorFormat, text, options, chunk);
const RESOURCE_LOGS = ['cloudlogs', 'azure-resource-logs', 'elastic-integrations', 'test-platformlogs-invalid-raw.log'];
const LA_EXAMPLE = ['cloudlogs', 'azure-log-analytics-api', 'azure-rest-api-specs', 'oms-post-example.json'];

const SUB = '2f4c7d23-b548-4fcc-8d25-7f6c4404642e';
const IOT = `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/WAREMA-DEVICECLOUD-PROD-WE-RG/PROVIDERS/MICROSOFT.DEVICES/IOTHUBS/DEVICECLOUD-PROD-WE-IOTHUB`;

describeShared('azure-monitor conformance (shared fixtures)', () => {
  it('reads the 3 Elastic resource-log records with the values of their fields', async () => {
    const text = readFileSync(sharedFixture(...RESOURCE_LOGS), 'utf8');
    expect(azureMonitorFormat.detect(text)).toBeGreaterThanOrEqual(0.8);
    expect(azureActivityFormat.detect(text)).toBe(0);
    const { events, diagnostics } = await parse(text, { object: 'platformlogs.log' });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(3);
    const [gw, disconnect, invoke] = events;
    expect(gw).toMatchObject({
      timestamp: Date.parse('2020-10-11T20:30:59Z'),
      provider: 'azure',
      source_format: 'azure-monitor',
      account_id: 'subscription',
      service: 'Microsoft.Network',
      resource_type: 'microsoft.network/applicationgateways',
      resource_id: '/subscriptions/subscription/resourcegroups/et-azure-integration-testing/providers/microsoft.network/applicationgateways/langergateway',
      event_name: 'ApplicationGatewayAccess',
      log_name: 'ApplicationGatewayAccessLog',
      category: 'platform',
      severity_number: null,
      severity_text: null,
      source_ip: '172.105.13.165', // properties.clientIP
      status_code: '502', // properties.httpStatus
      outcome: 'failure',
      region: null,
      source_object: 'platformlogs.log',
      source_line: 1,
    });
    expect((gw.attributes?.properties as Record<string, unknown>).requestUri).toBe('/nmaplowercheck1602448229');
    expect(gw.size_bytes).toBe(text.split('\n')[0].length);
    expect(disconnect).toMatchObject({
      timestamp: Date.parse('2022-04-16T09:22:24Z'),
      account_id: SUB,
      service: 'Microsoft.Devices',
      resource_type: 'microsoft.devices/iothubs',
      resource_id: IOT.toLowerCase(),
      event_name: 'deviceDisconnect',
      log_name: 'Connections',
      severity_text: 'Error',
      severity_number: 17,
      outcome: 'failure',
      error_code: '404104',
      status_code: '404',
      message: 'DeviceConnectionClosedRemotely',
      region: 'westeurope',
      source_ip: null, // the masked 87.174.239.XXX is not an address: it stays in properties
      source_line: 2,
    });
    expect(disconnect.attributes).toMatchObject({ resultType: '404104', properties: { maskedIpAddress: '87.174.239.XXX' } });
    expect(invoke).toMatchObject({
      timestamp: Date.parse('2022-04-16T09:23:34Z'),
      event_name: 'invoke',
      log_name: 'DirectMethods',
      severity_text: 'Information',
      severity_number: 9,
      outcome: 'unknown',
      status_code: null,
      message: null, // errorMessage "" is not a message
      region: 'westeurope',
      source_line: 3,
    });
    expect(invoke.attributes?.durationMs).toBe(6); // "6" as a number
    for (const e of events) expect(Object.values(e).includes('')).toBe(false);
  });

  it('reads the Log Analytics query example: one event per row, values coerced by column type', async () => {
    const text = readFileSync(sharedFixture(...LA_EXAMPLE), 'utf8');
    const body = JSON.stringify((JSON.parse(text) as { responses: { 200: { body: unknown } } }).responses[200].body);
    expect(azureMonitorFormat.detect(body)).toBe(0.9);
    const { events, diagnostics } = await parse(body);
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(2);
    const [a, b] = events;
    expect(a).toMatchObject({
      timestamp: Date.parse('2017-08-24T06:59:59Z'),
      log_name: 'Usage', // the Type column
      category: 'platform',
      account_id: 'e4272367-5645-4c4e-9c67-3b74b59a6982', // from ResourceUri
      resource_id: '/subscriptions/e4272367-5645-4c4e-9c67-3b74b59a6982/resourcegroups/contosoazurehq/providers/microsoft.operationalinsights/workspaces/contosoretail-it',
      service: 'Microsoft.OperationalInsights',
      resource_type: 'microsoft.operationalinsights/workspaces',
      outcome: 'unknown',
    });
    expect(a.attributes).toEqual({
      TenantId: 'b438b4f6-912a-46d5-9cb1-b44069212abc',
      Computer: 'ContosoSQLSrv1',
      SourceSystem: 'OMS',
      StartTime: Date.parse('2017-08-24T06:00:00Z'),
      EndTime: Date.parse('2017-08-24T06:59:59Z'),
      ResourceUri: '/subscriptions/e4272367-5645-4c4e-9c67-3b74b59a6982/resourcegroups/contosoazurehq/providers/microsoft.operationalinsights/workspaces/contosoretail-it',
      DataType: 'Perf',
      Solution: 'LogManagement',
      BatchesWithinSla: 1,
      BatchesOutsideSla: 0,
      BatchesCapped: 0,
      TotalBatches: 1,
      AvgLatencyInSeconds: 1.286,
      Quantity: 0.076408,
      QuantityUnit: 'MBytes',
      IsBillable: true,
      MeterId: 'a4e29a95-5b4c-408b-80e3-113f9410566e',
      LinkedMeterId: '00000000-0000-0000-0000-000000000000',
      Type: 'Usage',
    }); // LinkedResourceUri null: absent
    expect(b.attributes).toMatchObject({ Computer: 'Store010Web3', AvgLatencyInSeconds: 1.7, Quantity: 0.106767 });
    expect(a.size_bytes).toBeGreaterThan(300);
    // the REST example file itself (its 200 response body) gives the same events
    const direct = await parse(text);
    expect(direct.events.map((e) => e.attributes)).toEqual(events.map((e) => e.attributes));
  });

  it('claims none of the flow-log fixtures nor the other clouds\' logs', () => {
    const others = [
      ...listSharedFixtures('flowlogs'),
      ...listSharedFixtures('cloudlogs', 'aws-cloudtrail'),
      ...listSharedFixtures('cloudlogs', 'aws-cloudwatch-logs'),
      ...listSharedFixtures('cloudlogs', 'aws-cloudwatch-logs-api'),
      ...listSharedFixtures('cloudlogs', 'gcp-audit'),
      ...listSharedFixtures('cloudlogs', 'gcp-logging'),
    ].filter((f) => !f.endsWith('-expected.json') && !/\.(gz|zip|parquet)$/.test(f));
    expect(others.length).toBeGreaterThan(10);
    for (const f of others) {
      const head = readFileSync(f, 'utf8').slice(0, 64 * 1024);
      expect([f, azureMonitorFormat.detect(head)]).toEqual([f, 0]);
      expect([f, azureActivityFormat.detect(head)]).toEqual([f, 0]);
    }
  });
});

describe('azure-monitor: resource-log blobs as the storage export writes them', () => {
  const records = [
    { time: '2026-11-20T10:00:01.1234567Z', resourceId: IOT, category: 'Connections', operationName: 'deviceConnect', level: 'Information', resultType: 'Success', location: 'westeurope', properties: { deviceId: 'd1' } },
    { time: '2026-11-20T10:00:02Z', resourceId: IOT, category: 'Connections', operationName: 'deviceDisconnect', level: 2, resultType: '404104', resultDescription: 'closed', location: 'westeurope' },
  ];
  const key = `insights-logs-connections/resourceId=${IOT}/y=2026/m=11/d=20/h=10/m=00/PT1H.json`;

  it('reads a PT1H.json blob ({"records":[…]}, pretty-printed) in small chunks', async () => {
    const blob = JSON.stringify({ records }, null, 2);
    expect(azureMonitorFormat.detect(blob.slice(0, 4096))).toBeGreaterThanOrEqual(0.8);
    const { events, diagnostics } = await parse(blob, { object: key }, 7);
    expect(diagnostics).toEqual([]);
    expect(events.map((e) => [e.timestamp, e.event_name, e.outcome, e.severity_number, e.error_code, e.source_object])).toEqual([
      [Date.parse('2026-11-20T10:00:01.123Z'), 'deviceConnect', 'success', 9, null, key],
      [Date.parse('2026-11-20T10:00:02Z'), 'deviceDisconnect', 'failure', 17, '404104', key],
    ]);
    expect(events[1].severity_text).toBe('2');
    expect(events[1].message).toBe('closed');
    expect(events[0].size_bytes).toBeGreaterThan(100);
  });

  it('reads concatenated hourly appends and NDJSON alike, and nested records wrappers', async () => {
    const appended = JSON.stringify({ records: [records[0]] }) + '\n' + JSON.stringify({ records: [records[1]] });
    expect((await parse(appended)).events).toHaveLength(2);
    const nested = JSON.stringify({ records: [{ records }] });
    const n = await parse(nested);
    expect(n.events).toHaveLength(2);
    const scalar = await parse(JSON.stringify({ records: [{ records: [1, records[0]] }] }));
    expect(scalar.events).toHaveLength(1);
    expect(scalar.diagnostics.map((x) => x.reason)).toEqual(['not-a-record']);
    const deep = JSON.stringify({ records: [{ records: [{ records: [{ records: [{ records: [{ records }] }] }] }] }] });
    const d = await parse(deep);
    expect(d.events).toHaveLength(0);
    expect(d.diagnostics.map((x) => x.reason)).toEqual(['nested-records']);
  });
});

describe('azure-monitor: resource-log mapping rules', () => {
  const one = async (rec: Record<string, unknown>, options: Partial<LogParseOptions> = {}) => {
    const r = await parse(JSON.stringify(rec), options);
    expect(r.events).toHaveLength(1);
    return { e: r.events[0], diagnostics: r.diagnostics };
  };
  const base = { time: '2026-11-20T10:00:00Z', resourceId: '/subscriptions/S/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1', category: 'AuditEvent', operationName: 'SecretGet' };

  it('level words and Azure numbers', async () => {
    for (const [level, n] of [['Informational', 9], ['Warning', 13], ['Error', 17], ['Critical', 18], ['Verbose', 5], [1, 18], [4, 9], ['5', 5], ['Loud', null]] as const) {
      const { e } = await one({ ...base, level });
      expect([level, e.severity_text, e.severity_number]).toEqual([level, String(level), n]);
    }
  });

  it('outcome, status and error from resultType / resultSignature / resultDescription', async () => {
    const cases: Array<[Record<string, unknown>, string, string | null, string | null]> = [
      [{ resultType: 'Succeeded' }, 'success', null, null],
      [{ resultType: 'Success', resultSignature: 'OK' }, 'success', 'OK', null],
      [{ resultType: 'Failed', resultSignature: 'Failed.Forbidden' }, 'failure', 'Forbidden', null],
      [{ resultSignature: '200' }, 'success', '200', null],
      [{ resultSignature: 403 }, 'failure', '403', null], // a number is not a signature string: status from properties? none
      [{ resultType: '500' }, 'failure', null, '500'],
      [{ resultType: 0 }, 'success', null, null],
      [{ resultType: 'Started', resultSignature: 'Started.' }, 'unknown', null, null],
      [{ resultType: 'Accepted' }, 'unknown', null, null],
      [{ resultType: 'Failed', properties: { errorCode: 'VaultNotFound' } }, 'failure', null, 'VaultNotFound'],
      [{ properties: { statusCode: 404 } }, 'failure', '404', null],
      [{ properties: { httpStatusCode: '201' } }, 'success', '201', null],
      [{ resultType: '150' }, 'unknown', null, null],
      [{ resultType: '1.5' }, 'unknown', null, null],
      [{ resultType: 'abc' }, 'unknown', null, null],
    ];
    for (const [extra, outcome, status, error] of cases) {
      const { e } = await one({ ...base, ...extra });
      expect([extra, e.outcome, e.status_code, e.error_code]).toEqual([extra, outcome, status, error]);
    }
    const { e } = await one({ ...base, resultDescription: 'desc', properties: { message: 'm' } });
    expect(e.message).toBe('desc');
    expect(e.attributes?.resultDescription).toBeUndefined();
    expect((await one({ ...base, properties: { message: 'm' } })).e.message).toBe('m');
  });

  it('caller addresses: plain, with port, IPv6, masked (kept as an attribute)', async () => {
    for (const [ip, want] of [
      ['10.1.2.3', '10.1.2.3'],
      ['10.1.2.3:4431', '10.1.2.3'],
      ['2001:DB8::1', '2001:db8::1'],
      ['[2001:db8::2]:443', '2001:db8::2'],
      ['87.174.239.XXX', null],
      ['', null],
    ] as const) {
      const { e } = await one({ ...base, callerIpAddress: ip });
      expect([ip, e.source_ip]).toEqual([ip, want]);
      if (want === null) expect(e.attributes?.callerIpAddress).toBe(ip);
      else expect(e.attributes?.callerIpAddress).toBeUndefined();
    }
  });

  it('identity → actor (Key Vault claim, Activity-style claims, strings)', async () => {
    const kv = { claim: { 'http://schemas.microsoft.com/identity/claims/objectidentifier': 'oid-1', appid: 'app-1', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'a@b.c' } };
    expect((await one({ ...base, identity: kv })).e.actor).toBe('a@b.c');
    expect((await one({ ...base, identity: { claim: { appid: 'app-1' } } })).e.actor).toBe('app-1');
    expect((await one({ ...base, identity: 'user@contoso.com' })).e.actor).toBe('user@contoso.com');
    expect((await one({ ...base, identity: { principalId: 'p1' } })).e.actor).toBe('p1');
    expect((await one({ ...base, identity: 7 })).e.actor).toBeNull();
    expect(actorFromIdentity({ claims: {}, authorization: { evidence: { principalId: 'ev' } } })).toBe('ev');
    expect(actorFromIdentity('')).toBeNull();
  });

  it('correlationId, location, durationMs, other fields to attributes; context fills what the record lacks', async () => {
    const { e } = await one({ ...base, correlationId: 'c-1', location: 'West Europe', durationMs: '12', tenantId: 't', properties: { a: 1 } });
    expect(e).toMatchObject({ request_id: 'c-1', region: 'West Europe', account_id: 's', service: 'Microsoft.KeyVault', resource_type: 'microsoft.keyvault/vaults', log_name: 'AuditEvent' });
    expect(e.attributes).toEqual({ durationMs: 12, tenantId: 't', properties: { a: 1 } });
    const ctx = await one({ time: base.time, operationName: 'x' }, { context: { region: 'eastus', accountId: 'acct', table: 'T' } });
    expect(ctx.e).toMatchObject({ region: 'eastus', account_id: 'acct', log_name: 'T', resource_id: null, attributes: null });
    expect((await one({ ...base, durationMs: 'n/a' })).e.attributes?.durationMs).toBe('n/a');
  });

  it('a record without a time or with an unreadable one is kept with a warning', async () => {
    const missing = await one({ resourceId: base.resourceId, category: 'X' });
    expect(missing.e.timestamp).toBeNull();
    expect(missing.diagnostics.map((d) => [d.reason, d.severity])).toEqual([['missing-field', 'warning']]);
    const bad = await one({ ...base, time: 'yesterday' });
    expect(bad.diagnostics.map((d) => d.reason)).toEqual(['bad-timestamp']);
    const num = await one({ ...base, time: 5 });
    expect(num.diagnostics.map((d) => d.reason)).toEqual(['bad-timestamp']);
  });

  it('Activity Log records in a resource-log input are read as Activity Log events', async () => {
    const { e } = await one({ ...base, category: 'Administrative', resultType: 'Success', caller: 'a@b.c' });
    expect(e).toMatchObject({ source_format: 'azure-activity', category: 'activity', actor: 'a@b.c', outcome: 'success' });
  });

  it('every record of an insights-activity-logs blob is an Activity Log event', async () => {
    const key = 'insights-activity-logs/resourceId=/SUBSCRIPTIONS/ABC/y=2026/m=11/d=20/h=10/m=00/PT1H.json';
    const { e } = await one({ ...base, category: 'Something' }, { object: key });
    expect(e.source_format).toBe('azure-activity');
  });

  it('normalizeResourceLogRecord is usable on its own', () => {
    const diags: Diagnostic[] = [];
    const e = normalizeResourceLogRecord({ ...base }, 'o', 3, 42, diags);
    expect(e).toMatchObject({ source_object: 'o', source_line: 3, size_bytes: 42, attributes: null });
    expect(diags).toEqual([]);
  });
});

describe('azure-monitor: resource ids and helpers', () => {
  it('parses ids: nested types, extension resources, subscriptions, groups, non-ARM text', () => {
    expect(parseResourceId('/subscriptions/ABC/resourceGroups/RG/providers/Microsoft.Sql/servers/s1/databases/db1')).toEqual({
      id: '/subscriptions/abc/resourcegroups/rg/providers/microsoft.sql/servers/s1/databases/db1',
      subscription: 'abc',
      resourceGroup: 'RG',
      service: 'Microsoft.Sql',
      type: 'microsoft.sql/servers/databases',
    });
    expect(parseResourceId('/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Insights/diagnosticSettings/ds')).toMatchObject({
      service: 'Microsoft.Insights',
      type: 'microsoft.insights/diagnosticsettings',
    });
    expect(parseResourceId('/subscriptions/abc')).toMatchObject({ subscription: 'abc', type: 'microsoft.resources/subscriptions', service: 'Microsoft.Resources' });
    expect(parseResourceId('/SUBSCRIPTIONS/abc/RESOURCEGROUPS/rg')).toMatchObject({ resourceGroup: 'rg', type: 'microsoft.resources/resourcegroups' });
    expect(parseResourceId('/providers/Microsoft.Management/managementGroups/mg1')).toMatchObject({ subscription: null, service: 'Microsoft.Management', type: 'microsoft.management/managementgroups' });
    expect(parseResourceId('not-an-id')).toEqual({ id: 'not-an-id', subscription: null, resourceGroup: null, service: null, type: null });
    expect(parseResourceId('/subscriptions/abc')).toBe(parseResourceId('/subscriptions/abc')); // cached
    for (let i = 0; i < 5000; i++) parseResourceId(`/subscriptions/s${i}`); // the cache is bounded
    expect(parseResourceId('/subscriptions/s1').subscription).toBe('s1');
  });

  it('namespace spelling', () => {
    expect(canonicalNamespace('MICROSOFT.EVENTHUB')).toBe('Microsoft.EventHub');
    expect(canonicalNamespace('microsoft.dbforpostgresql')).toBe('Microsoft.DBforPostgreSQL');
    expect(canonicalNamespace('MICROSOFT.NEWTHING')).toBe('Microsoft.Newthing');
    expect(canonicalNamespace('Contoso.Widgets')).toBe('Contoso.Widgets');
  });

  it('outcome words, signatures, addresses', () => {
    expect(outcomeOf('Succeeded.OK')).toBe('success');
    expect(outcomeOf(204)).toBe('success');
    expect(outcomeOf(404)).toBe('failure');
    expect(outcomeOf(1.5)).toBe('unknown');
    expect(outcomeOf(null)).toBe('unknown');
    expect(statusOfSignature('Succeeded')).toBeNull();
    expect(statusOfSignature('Unauthorized')).toBe('Unauthorized');
    expect(callerIp(12)).toBeNull();
    expect(callerIp('host:name:x')).toBeNull();
  });
});

describe('azure-monitor: Log Analytics results', () => {
  const cols = (...c: Array<[string, string]>) => c.map(([name, type]) => ({ name, type }));

  it('maps the well-known columns (AzureDiagnostics-style row)', () => {
    const table = {
      name: 'PrimaryResult',
      columns: cols(
        ['TimeGenerated', 'datetime'], ['_ItemId', 'string'], ['ResourceId', 'string'], ['_SubscriptionId', 'string'], ['ResourceProvider', 'string'],
        ['Category', 'string'], ['OperationName', 'string'], ['Level', 'string'], ['ResultType', 'string'], ['ResultSignature', 'string'],
        ['ResultDescription', 'string'], ['CallerIpAddress', 'string'], ['CorrelationId', 'string'], ['Type', 'string'], ['Location', 'string'],
        ['Identity', 'dynamic'], ['DurationMs', 'long'], ['requestUri_s', 'string'],
      ),
      rows: [
        ['2026-11-20T10:00:00.5Z', 'item-1', IOT, SUB.toUpperCase(), 'MICROSOFT.DEVICES', 'Connections', 'deviceDisconnect', 'Error', '404104', '404', 'closed', '10.0.0.9', 'corr', 'AzureDiagnostics', 'westeurope', '{"claims":{"upn":"u@x"}}', '15', '/a'],
      ],
    };
    const { events, diagnostics } = normalizeLogAnalyticsTable(table, { object: 'o' });
    expect(diagnostics).toEqual([]);
    expect(events[0]).toMatchObject({
      timestamp: Date.parse('2026-11-20T10:00:00.500Z'),
      event_id: 'item-1',
      account_id: SUB,
      service: 'Microsoft.Devices',
      resource_id: IOT.toLowerCase(),
      resource_type: 'microsoft.devices/iothubs',
      log_name: 'Connections',
      category: 'platform',
      event_name: 'deviceDisconnect',
      severity_text: 'Error',
      severity_number: 17,
      outcome: 'failure',
      error_code: '404104',
      status_code: '404',
      message: 'closed',
      source_ip: '10.0.0.9',
      request_id: 'corr',
      region: 'westeurope',
      actor: 'u@x',
      source_line: 1,
    });
    expect(events[0].attributes).toEqual({
      _SubscriptionId: SUB.toUpperCase(),
      ResourceProvider: 'MICROSOFT.DEVICES',
      Category: 'Connections',
      ResultType: '404104',
      ResultSignature: '404',
      Type: 'AzureDiagnostics',
      Identity: { claims: { upn: 'u@x' } },
      DurationMs: 15,
      requestUri_s: '/a',
    });
  });

  it('the SDK\'s values (Dates, parsed dynamics, numbers) give the same events as the REST text', () => {
    const columns = cols(['TimeGenerated', 'datetime'], ['Props', 'dynamic'], ['N', 'long'], ['B', 'bool'], ['R', 'real']);
    const rest = normalizeLogAnalyticsTable({ columns, rows: [['2026-11-20T10:00:00Z', '{"a":[1]}', '7', 'false', '2.5']] }, { object: 'o' });
    const sdk = normalizeLogAnalyticsTable({ columnDescriptors: columns, rows: [[new Date('2026-11-20T10:00:00Z'), { a: [1] }, 7, false, 2.5]] }, { object: 'o' });
    expect(sdk).toEqual(rest);
    expect(rest.events[0].attributes).toEqual({ Props: { a: [1] }, N: 7, B: false, R: 2.5 });
  });

  it('coercion edge cases: big longs, NaN, bad values (kept, warned), nulls, empty datetimes, bad dynamic', () => {
    const columns = cols(['TimeGenerated', 'datetime'], ['L', 'long'], ['R', 'real'], ['B', 'bool'], ['D', 'dynamic'], ['T', 'datetime'], ['S', 'timespan']);
    const { events, diagnostics } = normalizeLogAnalyticsTable(
      {
        columns,
        rows: [
          ['2026-11-20T10:00:00Z', '9007199254740993', 'NaN', 'True', '{bad', '', '00:00:01'],
          ['2026-11-20T10:00:00Z', 'x', 3, 'maybe', 5, 'never', null],
          ['2026-11-20T10:00:00Z', true, {}, 1, '[1]', new Date(NaN), '1'],
          ['2026-11-20T10:00:00Z', 1, 1, '0', '"s"', 17, null],
        ],
      },
      { object: 'o', line: 9 },
    );
    expect(events.map((e) => e.attributes)).toEqual([
      { L: '9007199254740993', R: 'NaN', B: true, D: '{bad', S: '00:00:01' },
      { L: 'x', R: 3, B: 'maybe', D: 5, T: 'never' },
      { L: true, R: {}, B: true, D: [1], T: new Date(NaN), S: '1' },
      { L: 1, R: 1, B: false, D: 's', T: 17 },
    ]);
    expect(diagnostics.map((d) => [d.reason, d.field, d.line])).toEqual([
      ['bad-value', 'rows[1].L', 9],
      ['bad-value', 'rows[1].B', 9],
      ['bad-value', 'rows[1].T', 9],
      ['bad-value', 'rows[2].L', 9],
      ['bad-value', 'rows[2].R', 9],
      ['bad-value', 'rows[2].T', 9],
      ['bad-value', 'rows[3].T', 9],
    ]);
    expect(diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  });

  it('bad tables and rows become diagnostics', () => {
    const r = normalizeLogAnalyticsTable({ columns: cols(['TimeGenerated', 'datetime'], ['A', 'string']), rows: [['2026-11-20T10:00:00Z'], 'x' as unknown as unknown[], ['2026-11-20T10:00:00Z', 'a', 'extra'], [null, 'b']] }, { object: 'o', firstRow: 10 });
    expect(r.events.map((e) => [e.source_line, e.attributes])).toEqual([[11, null], [13, { A: 'a' }], [14, { A: 'b' }]]);
    expect(r.diagnostics.map((d) => [d.reason, d.severity])).toEqual([
      ['wrong-field-count', 'warning'],
      ['not-a-record', 'error'],
      ['wrong-field-count', 'warning'],
      ['missing-field', 'warning'],
    ]);
    expect(normalizeLogAnalyticsTable({ rows: [] } as never, { object: 'o' }).diagnostics.map((d) => d.reason)).toEqual(['bad-table']);
  });

  it('AzureActivity, Application Insights and AppTraces tables', () => {
    const activity = normalizeLogAnalyticsTable(
      {
        name: 'AzureActivity',
        columns: cols(['TimeGenerated', 'datetime'], ['OperationNameValue', 'string'], ['ActivityStatusValue', 'string'], ['Caller', 'string'], ['_ResourceId', 'string'], ['SubscriptionId', 'string'], ['ResourceType', 'string'], ['CallerIpAddress', 'string']),
        rows: [['2026-11-20T10:00:00Z', 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', 'Failure', 'a@b.c', '', SUB, 'Microsoft.Compute/virtualMachines', 'not-ip']],
      },
      { object: 'o' },
    ).events[0];
    expect(activity).toMatchObject({ category: 'activity', log_name: 'AzureActivity', event_name: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', outcome: 'failure', actor: 'a@b.c', account_id: SUB, resource_type: 'microsoft.compute/virtualmachines', resource_id: null, source_ip: null });
    expect(activity.attributes?.CallerIpAddress).toBe('not-ip');

    const classic = normalizeLogAnalyticsTable(
      {
        name: 'requests',
        columns: cols(['timestamp', 'datetime'], ['Success', 'bool'], ['ResultCode', 'string'], ['OperationId', 'string'], ['Message', 'string'], ['ClientIP', 'string'], ['SeverityLevel', 'int']),
        rows: [
          ['2026-11-20T10:00:00Z', 'False', '500', 'op-1', 'boom', '10.9.8.7', '3'],
          ['2026-11-20T10:00:00Z', null, '200', '', '', null, null],
        ],
      },
      { object: 'o', context: { region: 'eastus', accountId: 'ctx' } },
    ).events;
    expect(classic[0]).toMatchObject({ timestamp: Date.parse('2026-11-20T10:00:00Z'), outcome: 'failure', status_code: '500', trace_id: 'op-1', message: 'boom', source_ip: '10.9.8.7', severity_text: '3', severity_number: 17, log_name: 'requests', region: 'eastus', account_id: 'ctx' });
    expect(classic[1]).toMatchObject({ outcome: 'success', status_code: '200', trace_id: null, message: null });

    const traces = normalizeLogAnalyticsTable({ columns: cols(['TimeGenerated', 'datetime'], ['Type', 'string'], ['SeverityLevel', 'int']), rows: [['2026-11-20T10:00:00Z', 'AppTraces', 9]] }, { object: 'o', context: { table: 'X' } }).events[0];
    expect(traces).toMatchObject({ category: 'application', log_name: 'AppTraces', severity_number: null });
    const byContext = normalizeLogAnalyticsTable({ columns: cols(['A', 'string']), rows: [['a']] }, { object: 'o', context: { table: 'Syslog' } }).events[0];
    expect(byContext.log_name).toBe('Syslog');
    const unnamed = normalizeLogAnalyticsTable({ columns: [{ name: 7 } as never, { name: 'Level', type: 'int' }], rows: [['x', 4]] }, { object: 'o' }).events[0];
    expect(unnamed.attributes).toEqual({ column0: 'x' });
    expect(unnamed.severity_number).toBe(9);
  });

  it('files: partial results are read with a warning, bad tables reported; az CLI row objects are read', async () => {
    const partial = JSON.stringify({
      tables: [{ name: 'PrimaryResult', columns: cols(['TimeGenerated', 'datetime']), rows: [['2026-11-20T10:00:00Z']] }, 5],
      error: { code: 'PartialError', message: 'There were some errors when processing your query.' },
    });
    const p = await parse(partial);
    expect(p.events).toHaveLength(1);
    expect(p.diagnostics.map((d) => [d.reason, d.severity])).toEqual([
      ['bad-table', 'error'],
      ['partial-result', 'warning'],
    ]);
    expect((await parse('{"tables": 3}')).diagnostics.map((d) => d.reason)).toEqual(['bad-table']);
    expect((await parse('{"responses": {"200": {"body": {}}}}')).diagnostics.map((d) => d.reason)).toEqual(['not-a-log-record']);

    const cli = JSON.stringify([
      { TimeGenerated: '2026-11-20T10:00:00Z', TenantId: 't', Type: 'AzureDiagnostics', ResourceId: IOT, OperationName: 'op', Level: 'Warning', _ItemId: 'i1', Category: 'Connections' },
    ]);
    expect(azureMonitorFormat.detect(cli)).toBe(0.6);
    const c = await parse(cli);
    expect(c.events[0]).toMatchObject({ timestamp: Date.parse('2026-11-20T10:00:00Z'), event_id: 'i1', event_name: 'op', severity_number: 13, log_name: 'Connections', account_id: SUB });
    expect(c.events[0].attributes).toEqual({ TenantId: 't', Type: 'AzureDiagnostics', Category: 'Connections' });
    const badTime = await parse(JSON.stringify({ TimeGenerated: 'later', TenantId: 't' }));
    expect(badTime.events[0].attributes).toEqual({ TimeGenerated: 'later', TenantId: 't' });
    expect(badTime.diagnostics.map((d) => d.reason)).toEqual(['missing-field']);
  });
});

describe('azure-monitor: detection', () => {
  it('claims resource logs, Log Analytics results; leaves Activity Logs and flow logs alone', () => {
    const rl = '{"time":"2026-11-20T10:00:00Z","resourceId":"/SUBSCRIPTIONS/X","category":"AuditEvent","operationName":"SecretGet"}';
    expect(azureMonitorFormat.detect(rl)).toBe(0.85);
    expect(azureMonitorFormat.detect('{"time":"t","operationName":"o","category":"c"}')).toBe(0.6);
    expect(azureMonitorFormat.detect('{"tables":[{"name":"PrimaryResult","columns":[')).toBe(0.9);
    expect(azureMonitorFormat.detect('{"records":[{"time":"t","resourceId":"/X","category":"NetworkSecurityGroupFlowEvent","operationName":"NetworkSecurityGroupFlowEvents"')).toBe(0);
    expect(azureMonitorFormat.detect('{"records":[{"time":"t","resourceId":"/X","category":"FlowLogFlowEvent","operationName":"FlowLogFlowEvent"')).toBe(0);
    expect(azureMonitorFormat.detect('{"time":"t","resourceId":"/X","category":"Administrative","operationName":"o"}')).toBe(0);
    expect(azureMonitorFormat.detect('{"eventDataId":"x"}')).toBe(0);
    expect(azureMonitorFormat.detect('hello world')).toBe(0);
    expect(azureMonitorFormat.detect('{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}]}')).toBe(0);
  });
});

describe('azure-monitor: damaged input', () => {
  it('bad JSON lines, scalars, non-log objects, truncation, oversized records: diagnostics, the rest kept', async () => {
    const good = '{"time":"2026-11-20T10:00:00Z","resourceId":"/subscriptions/s","category":"C","operationName":"o"}';
    const text = [good, '{"time": nope}', '42', '{"hello":"world"}', '[1, {"time":"2026-11-20T10:00:00Z","category":"C"}]', good.slice(0, 30)].join('\n');
    const { events, diagnostics } = await parse(text);
    expect(events).toHaveLength(2);
    const reasons = diagnostics.map((d) => d.reason);
    expect(reasons).toContain('bad-json');
    expect(reasons).toContain('not-a-record');
    expect(reasons).toContain('not-a-log-record');
    expect(reasons.at(-1)).toBe('truncated-json');
    expect(diagnostics.at(-1)?.fatal).toBe(true);

    const big = JSON.stringify({ records: [JSON.parse(good), { ...JSON.parse(good), properties: { pad: 'x'.repeat(5000) } }, JSON.parse(good)] });
    const o = await parse(big, { maxJsonItemLength: 1000 });
    expect(o.events).toHaveLength(2);
    expect(o.diagnostics.map((d) => d.reason)).toEqual(['record-too-large']);
  });

  it('yields in batches of batchSize', async () => {
    const good = '{"time":"2026-11-20T10:00:00Z","resourceId":"/subscriptions/s","category":"C","operationName":"o"}';
    const r = await parse(Array(5).fill(good).join('\n'), { batchSize: 2 });
    expect(r.events).toHaveLength(5);
    expect(r.batches).toBeGreaterThanOrEqual(3);
  });
});
