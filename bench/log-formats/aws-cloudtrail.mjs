// CloudTrail records as they arrive in S3 objects ({"Records":[…]}, 1,000 per object), management events with
// the usual fields; some 8% failures with errorCode/errorMessage.
import { rng } from '../lib/rng.mjs';

const EVENTS = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['s3.amazonaws.com', 'GetObject', true],
  ['iam.amazonaws.com', 'CreateRole', false],
  ['sts.amazonaws.com', 'AssumeRole', true],
  ['cloudformation.amazonaws.com', 'CreateStack', false],
  ['lambda.amazonaws.com', 'Invoke', false],
];

export function* generate(n) {
  const r = rng(7);
  const start = Date.parse('2026-11-25T00:00:00Z');
  for (let i = 0; i < n; i += 1000) {
    const recs = [];
    for (let k = 0; k < Math.min(1000, n - i); k++) {
      const j = i + k;
      const [src, name, ro] = EVENTS[j % EVENTS.length];
      const fail = r() < 0.08;
      const user = `user${j % 97}`;
      recs.push(
        JSON.stringify({
          eventVersion: '1.08',
          userIdentity: { type: 'IAMUser', principalId: `AIDA${String(j % 97).padStart(16, 'X')}`, arn: `arn:aws:iam::123456789012:user/${user}`, accountId: '123456789012', accessKeyId: `AKIA${String(j % 13).padStart(16, '0')}`, userName: user },
          eventTime: new Date(start + j * 37).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          eventSource: src,
          eventName: name,
          awsRegion: j % 3 ? 'us-east-1' : 'eu-west-1',
          sourceIPAddress: `203.0.${(j >> 8) & 255}.${j & 255}`,
          userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
          ...(fail ? { errorCode: 'AccessDenied', errorMessage: `User: arn:aws:iam::123456789012:user/${user} is not authorized to perform: ${name}` } : {}),
          requestParameters: { instancesSet: { items: [{ instanceId: `i-0${(j % 4096).toString(16).padStart(16, '0')}` }] } },
          responseElements: null,
          requestID: `${(j * 2654435761 >>> 0).toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-${String(j).padStart(12, '0')}`,
          eventID: `${(j * 40503 >>> 0).toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${String(j).padStart(12, '0')}`,
          readOnly: ro,
          eventType: 'AwsApiCall',
          managementEvent: true,
          recipientAccountId: '123456789012',
          eventCategory: 'Management',
          tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${src.split('.')[0]}.us-east-1.amazonaws.com` },
        }),
      );
    }
    yield `{"Records":[${recs.join(',')}]}\n`;
  }
}
