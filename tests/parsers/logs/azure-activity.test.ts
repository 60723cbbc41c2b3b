/**
 * azure-activity: the Azure Activity Log, as diagnostic settings export it and as the REST API / `az monitor
 * activity-log list` return it. Conformance on ../shared/fixtures/cloudlogs/azure-activity (values compared with
 * Elastic's expected ECS document), every mapping rule, detection, damaged input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, EventRecord } from '../../../src/model/index.js';
import { azureActivityFormat, normalizeActivityRecord } from '../../../src/parsers/logs/azure-activity.js';
import { azureMonitorFormat } from '../../../src/parsers/logs/azure-monitor.js';
import type { LogParseOptions } from '../../../src/parsers/logs/types.js';
import { describeShared, sharedFixture } from '../../helpers/fixtures.js';

async function* chunked(data: string, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(data);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(text: string, options: Partial<LogParseOptions> = {}, chunk?: number) {
  const events: EventRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for await (const b of azureActivityFormat.parse(chunked(text, chunk), { object: 'test-input', ...options })) {
    events.push(...b.events);
    diagnostics.push(...b.diagnostics);
  }
  return { events, diagnostics };
}
const FIXTURE = ['cloudlogs', 'azure-activity', 'elastic-integrations', 'test-activitylogs-raw.log'];

/** The REST shape (Activity Logs - List, api-version 2015-04-01), as Microsoft documents its example. */
const REST_EVENT = {
  authorization: {
    action: 'microsoft.support/supporttickets/write',
    role: 'Subscription Admin',
    scope: '/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/MSSupportGroup/providers/microsoft.support/supporttickets/115012112305841',
  },
  caller: 'admin@contoso.com',
  channels: 'Operation',
  claims: { aud: 'https://management.core.windows.net/', upn: 'admin@contoso.com' },
  correlationId: '1dbea8fa-f4c5-4c1a-a4f0-2d8e84e6d5a7',
  description: '',
  eventDataId: '44ade6b4-3813-45e6-ae27-7420a95fa2f8',
  eventName: { value: 'End request', localizedValue: 'End request' },
  category: { value: 'Administrative', localizedValue: 'Administrative' },
  httpRequest: { clientRequestId: '27003b25-91d3-418f-8eb1-29e537dcb249', clientIpAddress: '192.168.35.115', method: 'PUT' },
  id: '/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/MSSupportGroup/providers/microsoft.support/supporttickets/115012112305841/events/44ade6b4-3813-45e6-ae27-7420a95fa2f8/ticks/636009024561239435',
  level: 'Informational',
  resourceGroupName: 'MSSupportGroup',
  resourceProviderName: { value: 'microsoft.support', localizedValue: 'microsoft.support' },
  resourceId: '/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/MSSupportGroup/providers/microsoft.support/supporttickets/115012112305841',
  operationId: '1e121103-0ba6-4300-ac9d-952bb5d0c80f',
  operationName: { value: 'microsoft.support/supporttickets/write', localizedValue: 'microsoft.support/supporttickets/write' },
  properties: { statusCode: 'Created' },
  status: { value: 'Succeeded', localizedValue: 'Succeeded' },
  subStatus: { value: 'Created', localizedValue: 'Created (HTTP Status Code: 201)' },
  eventTimestamp: '2016-06-13T20:17:36.1239435Z',
  submissionTimestamp: '2016-06-13T20:17:40.8739435Z',
  subscriptionId: '089bd33f-d4ec-47fe-8ba5-0753aa5c5b33',
};

describeShared('azure-activity conformance (shared fixture vs Elastic expected values)', () => {
  it('gives the expected values of the diagnostic-settings export record', async () => {
    const text = readFileSync(sharedFixture(...FIXTURE), 'utf8');
    const expected = (JSON.parse(readFileSync(sharedFixture(...FIXTURE.slice(0, -1), `${FIXTURE.at(-1)}-expected.json`), 'utf8')) as { expected: Array<Record<string, any>> }).expected; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(azureActivityFormat.detect(text)).toBe(0.9);
    expect(azureMonitorFormat.detect(text)).toBe(0);
    const { events, diagnostics } = await parse(text, { object: 'activity.log' });
    expect(diagnostics).toEqual([]);
    expect(events).toHaveLength(expected.length);
    const [e] = events;
    const x = expected[0];
    expect(new Date(e.timestamp!).toISOString()).toBe(x['@timestamp']);
    expect(e.account_id).toBe(x.azure.subscription_id);
    expect(e.resource_id).toBe(x.azure.resource.id.toLowerCase());
    expect(e.event_name).toBe(x.event.action);
    expect(e.severity_text).toBe(x.log.level);
    expect(e.source_ip).toBe(x.source.ip);
    expect(e.request_id).toBe(x.azure.correlation_id);
    expect(e.log_name).toBe(x.azure.activitylogs.category);
    expect(e.attributes?.durationMs).toBe(x.event.duration);
    expect(e.attributes?.resultType).toBe(x.azure.activitylogs.result_type);
    expect(e.attributes?.resultSignature).toBe(x.azure.activitylogs.result_signature);
    expect((e.attributes?.identity as { authorization: { action: string } }).authorization.action).toBe(x.azure.activitylogs.identity.authorization.action);
    expect(e.service).toBe('Microsoft.EventHub'); // x.azure.resource.provider MICROSOFT.EVENTHUB, in Microsoft's spelling
    expect(e.resource_type).toBe('microsoft.eventhub/namespaces/authorizationrules');
    expect(e).toMatchObject({
      provider: 'azure',
      source_format: 'azure-activity',
      category: 'activity',
      severity_number: 9,
      outcome: 'unknown', // resultType Start: the operation had only begun
      status_code: null, // "Started." has no status part
      actor: '8a4de8b5-095c-47d0-a96f-a75130c61d53', // claims' object id
      region: 'global',
      event_id: null,
      size_bytes: text.length,
      source_object: 'activity.log',
      source_line: 1,
    });
    expect(x.event.original).toBe(text);
  });
});

describe('azure-activity: the REST shape', () => {
  it('maps a documented event; {"value":[…]} lists and arrays', async () => {
    const { events, diagnostics } = await parse(JSON.stringify({ value: [REST_EVENT, REST_EVENT, 3] }));
    expect(events).toHaveLength(2);
    expect(diagnostics.map((d) => [d.reason, d.field])).toEqual([['not-a-record', 'value[2]']]);
    expect(events[0]).toMatchObject({
      timestamp: Date.parse('2016-06-13T20:17:36.123Z'),
      observed_timestamp: Date.parse('2016-06-13T20:17:40.873Z'),
      account_id: '089bd33f-d4ec-47fe-8ba5-0753aa5c5b33',
      service: 'Microsoft.Support',
      resource_type: 'microsoft.support/supporttickets',
      resource_id: REST_EVENT.resourceId.toLowerCase(),
      event_name: 'microsoft.support/supporttickets/write',
      log_name: 'Administrative',
      severity_text: 'Informational',
      severity_number: 9,
      actor: 'admin@contoso.com',
      source_ip: '192.168.35.115',
      outcome: 'success',
      status_code: 'Created',
      request_id: REST_EVENT.correlationId,
      event_id: REST_EVENT.eventDataId,
      message: null,
    });
    expect(Object.keys(events[0].attributes!).sort()).toEqual(
      ['authorization', 'channels', 'claims', 'description', 'eventName', 'httpRequest', 'id', 'operationId', 'properties', 'resourceGroupName', 'status', 'subStatus'].sort(),
    );
    const arr = await parse(JSON.stringify([REST_EVENT]));
    expect(arr.events[0].event_id).toBe(REST_EVENT.eventDataId);
  });

  it('a failed operation: error code and message from properties.statusMessage', async () => {
    const failed = {
      ...REST_EVENT,
      caller: undefined,
      status: { value: 'Failed' },
      subStatus: { value: '' },
      properties: {
        statusCode: 'Forbidden',
        statusMessage: '{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action."}}',
      },
    };
    const { events } = await parse(JSON.stringify(failed));
    expect(events[0]).toMatchObject({ outcome: 'failure', error_code: 'AuthorizationFailed', status_code: 'Forbidden', message: 'The client does not have authorization to perform action.', actor: 'admin@contoso.com' });
    const odd = [
      [{ statusCode: 'Conflict', statusMessage: 'plain text' }, 'Conflict'],
      [{ statusCode: 'Conflict', statusMessage: '{bad json' }, 'Conflict'],
      [{ statusMessage: { code: 'X1', message: 'm' } }, 'X1'],
      [{ statusMessage: '[]' }, null],
      [{ statusMessage: '{"other":1}' }, null],
    ] as const;
    for (const [properties, code] of odd) {
      const r = await parse(JSON.stringify({ ...failed, properties }));
      expect([properties, r.events[0].error_code]).toEqual([properties, code]);
    }
  });
});

describe('azure-activity: mapping rules', () => {
  const base = {
    time: '2026-11-20T10:00:00Z',
    resourceId: '/subscriptions/ABC/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
    operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE',
    category: 'Administrative',
  };
  const one = async (rec: Record<string, unknown>) => {
    const r = await parse(JSON.stringify(rec));
    expect(r.events).toHaveLength(1);
    return { e: r.events[0], diagnostics: r.diagnostics };
  };

  it('outcome from resultType / status', async () => {
    for (const [resultType, outcome] of [['Succeeded', 'success'], ['Success', 'success'], ['Failed', 'failure'], ['Failure', 'failure'], ['Start', 'unknown'], ['Started', 'unknown'], ['Accepted', 'unknown'], ['Active', 'unknown'], ['Resolved', 'unknown']] as const) {
      expect([resultType, (await one({ ...base, resultType })).e.outcome]).toEqual([resultType, outcome]);
    }
    expect((await one({ ...base, status: 'Succeeded' })).e.outcome).toBe('success');
  });

  it('status from resultSignature, actor from claims, levels, ip fallbacks', async () => {
    expect((await one({ ...base, resultSignature: 'Succeeded.OK' })).e.status_code).toBe('OK');
    expect((await one({ ...base, resultSignature: 'Succeeded' })).e.status_code).toBeNull();
    expect((await one({ ...base, resultSignature: 201 })).e.status_code).toBe('201');
    expect((await one({ ...base, properties: { statusCode: 'Accepted' }, resultSignature: 'Started.' })).e.status_code).toBe('Accepted');
    const upn = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
    expect((await one({ ...base, identity: { claims: { [upn]: 'u@contoso.com', appid: 'a' } } })).e.actor).toBe('u@contoso.com');
    expect((await one({ ...base, identity: { claims: { name: 'Ann' } } })).e.actor).toBe('Ann');
    expect((await one({ ...base, identity: { claims: { azp: 'client' } } })).e.actor).toBe('client');
    expect((await one({ ...base, claims: { oid: 'o-1' } })).e.actor).toBe('o-1');
    expect((await one({ ...base, identity: { authorization: { evidence: { principalId: 'p-1' } } } })).e.actor).toBe('p-1');
    expect((await one({ ...base, level: 'Warning' })).e.severity_number).toBe(13);
    expect((await one({ ...base, level: 1 })).e).toMatchObject({ severity_text: '1', severity_number: 18 });
    const masked = await one({ ...base, callerIpAddress: '10.0.0.XXX' });
    expect(masked.e.source_ip).toBeNull();
    expect(masked.e.attributes?.callerIpAddress).toBe('10.0.0.XXX');
    expect((await one({ ...base, resultDescription: 'done' })).e).toMatchObject({ message: 'done', attributes: null });
    expect((await one({ ...base, durationMs: '17' })).e.attributes).toEqual({ durationMs: 17 });
    expect((await one({ ...base, resourceId: 5 })).e.resource_id).toBeNull();
  });

  it('missing or unreadable time: kept with a warning', async () => {
    const noTime = await one({ operationName: 'x', eventDataId: 'e' });
    expect(noTime.e.timestamp).toBeNull();
    expect(noTime.diagnostics.map((d) => [d.reason, d.severity])).toEqual([['missing-field', 'warning']]);
    expect((await one({ ...base, time: 'soon' })).diagnostics.map((d) => d.reason)).toEqual(['bad-timestamp']);
  });

  it('an Activity Log alert payload (common alert schema) is read from its alertContext', async () => {
    const ctx = { caller: 'Microsoft.Insights/autoscaleSettings', eventTimestamp: '2019-08-21T16:17:47.1551167+00:00', eventDataId: 'g', level: 'Informational', operationName: 'Microsoft.Insights/AutoscaleSettings/Scaleup/Action', status: 'Succeeded' };
    for (const payload of [{ alertContext: ctx }, { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: {}, alertContext: ctx } }]) {
      const { e } = await one(payload);
      expect(e).toMatchObject({ timestamp: Date.parse('2019-08-21T16:17:47.155Z'), actor: 'Microsoft.Insights/autoscaleSettings', outcome: 'success', event_id: 'g' });
    }
  });

  it('normalizeActivityRecord is usable on its own', () => {
    const diags: Diagnostic[] = [];
    const e = normalizeActivityRecord({ ...base }, 'obj', 4, 99, diags);
    expect(e).toMatchObject({ source_object: 'obj', source_line: 4, size_bytes: 99, account_id: 'abc', service: 'Microsoft.Compute', attributes: null });
    expect(diags).toEqual([]);
  });
});

describe('azure-activity: detection and damaged input', () => {
  it('claims Activity Log signatures only', () => {
    expect(azureActivityFormat.detect(JSON.stringify({ value: [REST_EVENT] }))).toBe(0.9);
    expect(azureActivityFormat.detect('{"records":[{"time":"t","resourceId":"/SUBSCRIPTIONS/X","operationName":"o","category":"Administrative"}')).toBe(0.9);
    expect(azureActivityFormat.detect('{"eventTimestamp":"t","operationName":{"value":"o"}}')).toBe(0.9);
    expect(azureActivityFormat.detect('{"time":"t","identity": {"authorization":{}}}')).toBe(0.9);
    expect(azureActivityFormat.detect('{"time":"t","resourceId":"/X","category":"AuditEvent","operationName":"o"}')).toBe(0);
    expect(azureActivityFormat.detect('{"tables":[{"name":"PrimaryResult","columns":[]}]}')).toBe(0);
    expect(azureActivityFormat.detect('{"records":[{"category":"NetworkSecurityGroupFlowEvent","eventDataId":1}')).toBe(0);
    expect(azureActivityFormat.detect('')).toBe(0);
  });

  it('bad JSON, scalars and truncation give diagnostics; the rest is kept', async () => {
    const good = JSON.stringify({ time: '2026-11-20T10:00:00Z', category: 'Administrative', operationName: 'o' });
    const { events, diagnostics } = await parse([good, '{x}', '"text"', good, '{"time":'].join('\n'));
    expect(events).toHaveLength(2);
    expect(diagnostics.map((d) => d.reason)).toEqual(['bad-json', 'not-a-record', 'truncated-json']);
  });
});
