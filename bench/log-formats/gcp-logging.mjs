// Cloud Logging LogEntries as NDJSON (a Cloud Storage sink export): half Admin Activity audit entries
// (protoPayload AuditLog), half HTTP load-balancer request entries (httpRequest, trace, spanId).
export function* generate(n) {
  const start = Date.parse('2026-11-25T00:00:00Z');
  let out = [];
  for (let j = 0; j < n; j++) {
    const ts = new Date(start + j * 23).toISOString().replace('Z', '123456Z');
    const entry =
      j % 2 === 0
        ? {
            protoPayload: {
              '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
              status: j % 17 === 0 ? { code: 7, message: 'PERMISSION_DENIED' } : {},
              authenticationInfo: { principalEmail: `svc-${j % 31}@my-project.iam.gserviceaccount.com` },
              requestMetadata: { callerIp: `198.51.100.${j % 250}`, callerSuppliedUserAgent: 'google-cloud-sdk gcloud/460.0.0' },
              serviceName: 'compute.googleapis.com',
              methodName: 'v1.compute.instances.insert',
              resourceName: `projects/my-project/zones/europe-west1-b/instances/vm-${j % 500}`,
              request: { '@type': 'type.googleapis.com/compute.instances.insert', name: `vm-${j % 500}` },
            },
            insertId: `-${(j * 2654435761 >>> 0).toString(36)}`,
            resource: { type: 'gce_instance', labels: { instance_id: String(1000000 + j), project_id: 'my-project', zone: 'europe-west1-b' } },
            timestamp: ts,
            severity: 'NOTICE',
            logName: 'projects/my-project/logs/cloudaudit.googleapis.com%2Factivity',
            operation: { id: `operation-${j}`, producer: 'compute.googleapis.com', first: true },
            receiveTimestamp: ts,
          }
        : {
            insertId: `lb${j.toString(36)}`,
            jsonPayload: { '@type': 'type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry', statusDetails: 'response_sent_by_backend' },
            httpRequest: { requestMethod: 'GET', requestUrl: `https://example.com/api/items/${j % 1000}`, requestSize: '512', status: j % 29 === 0 ? 503 : 200, responseSize: '2048', userAgent: 'Mozilla/5.0', remoteIp: `203.0.113.${j % 250}:${40000 + (j % 20000)}`, serverIp: '10.0.0.5', latency: '0.012s', protocol: 'HTTP/1.1' },
            resource: { type: 'http_load_balancer', labels: { project_id: 'my-project', forwarding_rule_name: 'fr', url_map_name: 'um', target_proxy_name: 'tp', backend_service_name: 'bs', zone: 'global' } },
            timestamp: ts,
            severity: 'INFO',
            logName: 'projects/my-project/logs/requests',
            trace: `projects/my-project/traces/${(j * 97).toString(16).padStart(32, '0')}`,
            spanId: (j * 31).toString(16).padStart(16, '0'),
            receiveTimestamp: ts,
          };
    out.push(JSON.stringify(entry));
    if (out.length === 1000) {
      yield `${out.join('\n')}\n`;
      out = [];
    }
  }
  if (out.length) yield `${out.join('\n')}\n`;
}
