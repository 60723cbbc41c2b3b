/**
 * AWS SDK errors as verify failures: what went wrong in a few words (`state`) and what to do (`detail`).
 * The SDK's errors carry the raw request and response, so only their name, status and (redacted, cut)
 * message are ever shown.
 */

export type AwsFailureKind = 'credentials' | 'refused' | 'unreachable' | 'denied' | 'not-found' | 'throttled' | 'other';

export interface AwsFailure {
  kind: AwsFailureKind;
  state: string;
  detail: string;
}

export interface AwsFailureContext {
  /** The IAM action(s) the call needs, e.g. `ecs:DescribeServices`. */
  action: string;
  /** The endpoint called (host or URL), for "cannot reach …". */
  endpoint: string;
  /** Detail when the resource does not exist. */
  notFound?: string;
  /** Detail when access is denied. */
  denied?: string;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
const REFUSED = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'ExpiredToken', 'ExpiredTokenException', 'InvalidToken', 'TokenRefreshRequired', 'AuthFailure']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AllAccessDisabled']);
const NOT_FOUND = new Set([
  'NotFound',
  'NoSuchBucket',
  'ClientException', // ECS: "Unable to describe task definition."
  'ClusterNotFoundException',
  'ServiceNotFoundException',
  'RepositoryNotFoundException',
  'ImageNotFoundException',
  'TargetGroupNotFoundException',
  'TargetGroupNotFound',
  'LoadBalancerNotFoundException',
  'LoadBalancerNotFound',
  'ListenerNotFoundException',
]);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded']);

export const CREDENTIALS_HELP =
  'no AWS credentials found: set AWS_PROFILE (after `aws configure` or `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in CI use aws-actions/configure-aws-credentials with OIDC (role-to-assume)';

export type AwsService = 's3' | 'ecs' | 'ecr' | 'elasticloadbalancing';

/**
 * Where the SDK sends a service's requests, for "cannot reach …": the configured endpoint, else the one
 * the SDK reads from AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, else AWS's regional host.
 */
export function awsEndpoint(service: AwsService, region: string, configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = service === 'elasticloadbalancing' ? 'ELASTIC_LOAD_BALANCING_V2' : service.toUpperCase();
  return configured ?? env[`AWS_ENDPOINT_URL_${key}`] ?? env.AWS_ENDPOINT_URL ?? `${service}.${region}.amazonaws.com`;
}

/** The error's code: the service's (`Code`) when the SDK kept it, else the exception's name. */
export function sdkErrorName(err: unknown): string {
  const e = (err ?? {}) as SdkErrorShape;
  return e.Code ?? e.name ?? 'Error';
}

/** Access key ids never reach a report; messages are cut to one line. */
function clean(message: string | undefined): string {
  const text = (message ?? '').replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<access key>').replace(/\s+/g, ' ').trim();
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}

export function awsFailure(err: unknown, ctx: AwsFailureContext): AwsFailure {
  const e = (err ?? {}) as SdkErrorShape;
  const name = sdkErrorName(err);
  const status = e.$metadata?.httpStatusCode;
  const tag = `${name}${status && String(status) !== name ? ` ${status}` : ''}`;
  const message = clean(e.message);

  if (e.name === 'CredentialsProviderError') return { kind: 'credentials', state: 'no credentials', detail: CREDENTIALS_HELP };
  if (REFUSED.has(name) || status === 401) {
    return {
      kind: 'refused',
      state: 'credentials refused',
      detail: `the AWS credentials were refused (${tag}): check they are current (\`aws sts get-caller-identity\`) and belong to this account and partition`,
    };
  }
  if ((e.code && NETWORK_CODES.has(e.code)) || e.name === 'TimeoutError') {
    const why = e.name === 'TimeoutError' ? 'no answer in time' : e.code;
    return { kind: 'unreachable', state: 'unreachable', detail: `cannot reach ${ctx.endpoint}: ${why} (check the network, proxy and region)` };
  }
  if (DENIED.has(name) || status === 403) {
    return { kind: 'denied', state: 'access denied', detail: ctx.denied ?? `access denied (${tag}): the credentials need ${ctx.action}${message ? `; AWS says: ${message}` : ''}` };
  }
  if (NOT_FOUND.has(name) || status === 404) {
    return { kind: 'not-found', state: 'not found', detail: ctx.notFound ?? `not found (${tag})${message ? `: ${message}` : ''}` };
  }
  if (THROTTLED.has(name) || status === 429) {
    return { kind: 'throttled', state: 'throttled', detail: `AWS throttled ${ctx.action} (${tag}): run verify again in a minute` };
  }
  return { kind: 'other', state: tag, detail: `${ctx.action} failed (${tag})${message ? `: ${message}` : ''}` };
}
