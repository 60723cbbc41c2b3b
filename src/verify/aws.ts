/**
 * verify-resources for AWS, with the official SDK clients (S3, ECS, ECR, ELBv2): the flow-log bucket and
 * prefix, the ECS cluster and service, the service's ECR image, its load balancer (whose DNS name is the
 * service URL) and finally `<url>/healthz`.
 *
 * Credentials come from the SDK's default chain (env, profile, SSO, web identity, container/instance
 * role), shared by the four clients; static keys in `options.env` win when that is not process.env.
 * Every SDK error becomes a fail check here, named by the AWS action that failed (aws-errors.ts).
 */
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { HeadBucketCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { awsEndpoint, awsFailure, sdkErrorName, type AwsFailure, type AwsService } from './aws-errors.js';
import { probeHealth } from './probe.js';
import { DEFAULT_TIMEOUT_MS, VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from './types.js';

/** Test seam (the CLI passes none): endpoints, attempts and credentials for the four clients. */
export interface AwsDeps {
  /** Endpoint for the ECS, ECR and ELBv2 clients, and S3 unless `s3Endpoint` is set (LocalStack, a test server). */
  endpoint?: string;
  /** S3's endpoint (path-style addressing). */
  s3Endpoint?: string;
  /** SDK attempts per request (default 2). */
  maxAttempts?: number;
  /** Credentials (or a provider) instead of the SDK's chain. */
  credentials?: S3ClientConfig['credentials'];
}

const DEFAULT_MAX_ATTEMPTS = 2;
/** A connection that does not open in 5 s will not: keeps a blackholed endpoint's failure quick. */
const MAX_CONNECT_MS = 5_000;
/** Objects listed to prove the prefix readable (one request; more shows as "1000+"). */
const PREFIX_SAMPLE = 1000;

type Skip = (id: string, title: string, resource: string, why: string) => Check;
const skip: Skip = (id, title, resource, detail) => ({ id, title, resource, state: 'not checked', status: 'skip', detail });

/** Check ids and titles, in report order. */
const BUCKET = ['aws-s3-bucket', 'S3 bucket'] as const;
const PREFIX = ['aws-s3-prefix', 'Log prefix'] as const;
const CLUSTER = ['aws-ecs-cluster', 'ECS cluster'] as const;
const SERVICE = ['aws-ecs-service', 'ECS service'] as const;
const IMAGE = ['aws-ecr-repository', 'ECR image'] as const;
const LB = ['aws-load-balancer', 'Load balancer'] as const;
const HEALTH = ['service-health', 'Service /healthz'] as const;

export async function verifyAws(options: VerifyOptions, deps: AwsDeps = {}): Promise<CloudResult> {
  if (!options.storage) throw new VerifyUsageError('--storage (the S3 bucket) is required for AWS');
  if (!options.service) throw new VerifyUsageError('--service (the ECS service name) is required for AWS');
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const region = await resolveRegion(options.region, env);
  const clients = makeClients(region, env, timeoutMs, deps);
  try {
    return await runChecks(options, region, clients);
  } finally {
    clients.destroy();
  }
}

interface Clients {
  s3: S3Client;
  ecs: ECSClient;
  ecr: (region: string) => ECRClient;
  elb: ElasticLoadBalancingV2Client;
  /** Where each service is called, for "cannot reach …" messages. */
  endpointOf(service: AwsService, region: string): string;
  destroy(): void;
}

/** Region: explicit, AWS_REGION, AWS_DEFAULT_REGION (which the JS SDK does not read), then the profile. */
async function resolveRegion(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = explicit ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const probe = new S3Client({}); // the SDK's own chain (env, shared config profile); sends nothing
  try {
    return await probe.config.region();
  } catch {
    throw new VerifyUsageError('no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)');
  } finally {
    probe.destroy();
  }
}

function makeClients(region: string, env: NodeJS.ProcessEnv, timeoutMs: number, deps: AwsDeps): Clients {
  const requestHandler = { connectionTimeout: Math.min(timeoutMs, MAX_CONNECT_MS), requestTimeout: timeoutMs, throwOnRequestTimeout: true };
  const base = { region, maxAttempts: deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, requestHandler };
  const s3Endpoint = deps.s3Endpoint ?? deps.endpoint;
  const s3EnvEndpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const s3 = new S3Client({
    ...base,
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    forcePathStyle: Boolean(s3Endpoint ?? s3EnvEndpoint), // emulators and test servers need path-style
    credentials: deps.credentials ?? staticCredentials(env),
  });
  // One credential chain for all clients: a role or SSO session is resolved once, not four times.
  const shared = { ...base, credentials: s3.config.credentials, ...(deps.endpoint ? { endpoint: deps.endpoint } : {}) };
  const ecs = new ECSClient(shared);
  const elb = new ElasticLoadBalancingV2Client(shared);
  const ecrClients: ECRClient[] = [];
  return {
    s3,
    ecs,
    elb,
    // ECR is called in the image's region, which may differ from the service's
    ecr(r) {
      const c = new ECRClient({ ...shared, region: r });
      ecrClients.push(c);
      return c;
    },
    endpointOf: (service, r) => awsEndpoint(service, r, service === 's3' ? s3Endpoint : deps.endpoint),
    destroy() {
      for (const c of [s3, ecs, elb, ...ecrClients]) c.destroy();
    },
  };
}

/** Static keys from an explicit `options.env` (the SDK's chain reads only process.env). */
function staticCredentials(env: NodeJS.ProcessEnv): S3ClientConfig['credentials'] {
  if (env === process.env || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
}

async function runChecks(options: VerifyOptions, region: string, clients: Clients): Promise<CloudResult> {
  const checks: Check[] = [];
  const bucket = await checkBucket(options.storage, region, clients);
  checks.push(bucket.check);
  if (bucket.noCredentials) {
    // every other call would fail the same way
    const why = 'not checked: no AWS credentials (see S3 bucket)';
    const rows = [[PREFIX, prefixUri(options)], [CLUSTER, options.cluster ?? '-'], [SERVICE, options.service], [IMAGE, '-'], [LB, '-'], [HEALTH, '-']] as const;
    for (const [[id, title], resource] of rows) checks.push(skip(id, title, resource, why));
    return { checks };
  }
  checks.push(bucket.check.status === 'fail' ? skip(...PREFIX, prefixUri(options), 'not checked: the bucket check failed') : await checkPrefix(options, region, clients));

  const found = await findService(options, region, clients);
  checks.push(found.clusterCheck, found.serviceCheck);
  const service = found.service;

  // what the image, load balancer and probe cannot do without a service
  const noService = `no ECS service (see ${found.serviceCheck.status === 'skip' ? CLUSTER[1] : SERVICE[1]})`;
  checks.push(service ? await checkImage(service, region, clients) : skip(...IMAGE, '-', `not checked: ${noService}`));

  let serviceUrl: string | undefined;
  let noUrl: string;
  if (!service) {
    checks.push(skip(...LB, '-', `not checked: ${noService}`));
    noUrl = `not probed: ${noService}`;
  } else {
    const lb = await checkLoadBalancer(service, region, clients);
    checks.push(lb.check);
    serviceUrl = lb.url;
    noUrl = lb.check.status === 'skip' ? 'not probed: the service has no load balancer, so no URL' : 'not probed: no service URL (see Load balancer)';
  }

  if (serviceUrl && options.probe !== false) checks.push(await probeHealth(serviceUrl, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  else checks.push(skip(HEALTH[0], HEALTH[1], serviceUrl ? new URL('/healthz', serviceUrl).toString() : '-', serviceUrl ? 'not probed: probing is turned off' : noUrl));
  return { checks, ...(serviceUrl ? { serviceUrl } : {}) };
}

function fail(id: string, title: string, resource: string, f: AwsFailure): Check {
  return { id, title, resource, state: f.state, status: 'fail', detail: f.detail };
}

// ---- S3 ---------------------------------------------------------------------------------------

async function checkBucket(bucket: string, region: string, clients: Clients): Promise<{ check: Check; noCredentials: boolean }> {
  const resource = `s3://${bucket}`;
  try {
    const head = await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    if (head.BucketRegion && head.BucketRegion !== region) {
      return { check: wrongRegion(resource, bucket, head.BucketRegion, region), noCredentials: false };
    }
    return { check: { id: BUCKET[0], title: BUCKET[1], resource, state: `exists (${head.BucketRegion ?? region})`, status: 'pass' }, noCredentials: false };
  } catch (err) {
    const headers = (err as { $response?: { headers?: Record<string, string | undefined> } }).$response?.headers ?? {};
    const bucketRegion = headers['x-amz-bucket-region'];
    // S3 answers a request for another region's bucket 301 (or 400) with the bucket's region in a header
    if (bucketRegion && bucketRegion !== region) return { check: wrongRegion(resource, bucket, bucketRegion, region), noCredentials: false };
    const f = awsFailure(err, {
      action: 's3:ListBucket',
      endpoint: clients.endpointOf('s3', region),
      notFound: `bucket ${bucket} does not exist (or is in another account/partition): check --storage`,
      denied: `access to bucket ${bucket} denied (403): the credentials need s3:ListBucket on arn:aws:s3:::${bucket} (check the IAM policy and the bucket policy)`,
    });
    return { check: fail(...BUCKET, resource, f), noCredentials: f.kind === 'credentials' };
  }
}

function wrongRegion(resource: string, bucket: string, bucketRegion: string, region: string): Check {
  return {
    id: BUCKET[0],
    title: BUCKET[1],
    resource,
    state: `in ${bucketRegion}`,
    status: 'fail',
    detail: `bucket ${bucket} is in ${bucketRegion}, but the region used is ${region}: pass --region ${bucketRegion} (or set AWS_REGION)`,
  };
}

/** `logs` and `logs/` both name the folder `logs/`; '' is the whole bucket. */
function folderPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

const prefixUri = (options: VerifyOptions) => `s3://${options.storage}/${folderPrefix(options.container)}`;

async function checkPrefix(options: VerifyOptions, region: string, clients: Clients): Promise<Check> {
  const resource = prefixUri(options);
  try {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: options.storage, Prefix: folderPrefix(options.container), MaxKeys: PREFIX_SAMPLE }));
    const n = page.KeyCount ?? page.Contents?.length ?? 0;
    if (n === 0) {
      return {
        id: PREFIX[0],
        title: PREFIX[1],
        resource,
        state: 'readable, empty',
        status: 'warn',
        detail: `no objects under ${resource} yet: no flow logs delivered so far (a new deployment?), or the prefix is wrong (check --container)`,
      };
    }
    const count = page.IsTruncated ? `${n}+` : String(n);
    return { id: PREFIX[0], title: PREFIX[1], resource, state: `readable, ${count} object${n === 1 ? '' : 's'}`, status: 'pass' };
  } catch (err) {
    return fail(
      ...PREFIX,
      resource,
      awsFailure(err, {
        action: 's3:ListBucket',
        endpoint: clients.endpointOf('s3', region),
        denied: `listing ${resource} denied (403): the credentials need s3:ListBucket on arn:aws:s3:::${options.storage} (a policy condition may limit s3:prefix)`,
      }),
    );
  }
}

// ---- ECS --------------------------------------------------------------------------------------

interface FoundService {
  clusterCheck: Check;
  serviceCheck: Check;
  /** The service, when it exists (whatever its state). */
  service?: Service;
}

async function findService(options: VerifyOptions, region: string, clients: Clients): Promise<FoundService> {
  const endpoint = clients.endpointOf('ecs', region);
  const serviceSkip = (why: string) => skip(...SERVICE, options.service, why);
  let clusterRef = options.cluster;
  let described: { services?: Service[]; failures?: { reason?: string }[] } | undefined;

  if (!clusterRef) {
    // Search every cluster of the region for the service (an ACTIVE one wins over a deleted one).
    let searched = 0;
    try {
      let inactive: { arn: string; page: typeof described } | undefined;
      let nextToken: string | undefined;
      search: do {
        const page = await clients.ecs.send(new ListClustersCommand({ nextToken }));
        for (const arn of page.clusterArns ?? []) {
          searched++;
          const res = await clients.ecs.send(new DescribeServicesCommand({ cluster: arn, services: [options.service] }));
          const s = res.services?.[0];
          if (s && s.status !== 'INACTIVE') {
            [clusterRef, described] = [arn, res];
            break search;
          }
          if (s) inactive ??= { arn, page: res };
        }
        nextToken = page.nextToken;
      } while (nextToken);
      if (!clusterRef && inactive) [clusterRef, described] = [inactive.arn, inactive.page];
    } catch (err) {
      const f = awsFailure(err, { action: 'ecs:ListClusters and ecs:DescribeServices', endpoint });
      return { clusterCheck: fail(...CLUSTER, `(region ${region})`, f), serviceCheck: serviceSkip('not checked: the cluster search failed (see ECS cluster)') };
    }
    if (!clusterRef) {
      const check: Check = {
        id: CLUSTER[0],
        title: CLUSTER[1],
        resource: `(region ${region})`,
        state: 'service not found',
        status: 'fail',
        detail: `no ECS cluster in ${region} holds a service named ${options.service} (${searched} cluster${searched === 1 ? '' : 's'} searched): check --service and --region, or name the cluster with --cluster`,
      };
      return { clusterCheck: check, serviceCheck: serviceSkip('not checked: no cluster holds the service (see ECS cluster)') };
    }
  }

  const clusterCheck = await checkCluster(clusterRef, region, clients);
  if (clusterCheck.status === 'fail' && !described) {
    return { clusterCheck, serviceCheck: serviceSkip('not checked: the cluster check failed') };
  }
  if (!described) {
    try {
      described = await clients.ecs.send(new DescribeServicesCommand({ cluster: clusterRef, services: [options.service] }));
    } catch (err) {
      return { clusterCheck, serviceCheck: fail(...SERVICE, options.service, awsFailure(err, { action: 'ecs:DescribeServices', endpoint })) };
    }
  }
  const service = described.services?.[0];
  if (!service) {
    const reason = described.failures?.[0]?.reason ?? 'MISSING';
    const check: Check = {
      id: SERVICE[0],
      title: SERVICE[1],
      resource: options.service,
      state: reason === 'MISSING' ? 'not found' : reason,
      status: 'fail',
      detail: `service ${options.service} was not found in cluster ${clusterName(clusterRef)} (${reason}): check --service and --cluster`,
    };
    return { clusterCheck, serviceCheck: check };
  }
  return { clusterCheck, serviceCheck: checkServiceState(service, clusterName(clusterRef)), service };
}

const clusterName = (ref: string) => ref.split('/').pop()!;

async function checkCluster(ref: string, region: string, clients: Clients): Promise<Check> {
  const name = clusterName(ref);
  try {
    const res = await clients.ecs.send(new DescribeClustersCommand({ clusters: [ref] }));
    const c = res.clusters?.[0];
    if (!c) {
      const reason = res.failures?.[0]?.reason ?? 'MISSING';
      return {
        id: CLUSTER[0],
        title: CLUSTER[1],
        resource: name,
        state: 'not found',
        status: 'fail',
        detail: `ECS cluster ${name} was not found in ${region} (${reason}): check --cluster and --region`,
      };
    }
    const state = `${c.status}, ${c.activeServicesCount ?? 0} service${c.activeServicesCount === 1 ? '' : 's'}, ${c.runningTasksCount ?? 0} task${c.runningTasksCount === 1 ? '' : 's'}`;
    if (c.status === 'ACTIVE') return { id: CLUSTER[0], title: CLUSTER[1], resource: c.clusterName ?? name, state, status: 'pass' };
    const why = c.status === 'INACTIVE' ? 'the cluster was deleted' : `the cluster is ${c.status}, not ACTIVE`;
    return { id: CLUSTER[0], title: CLUSTER[1], resource: c.clusterName ?? name, state, status: 'fail', detail: `${why}: check --cluster` };
  } catch (err) {
    return fail(...CLUSTER, name, awsFailure(err, { action: 'ecs:DescribeClusters', endpoint: clients.endpointOf('ecs', region) }));
  }
}

function checkServiceState(s: Service, cluster: string): Check {
  const running = `${s.runningCount ?? 0}/${s.desiredCount ?? 0} running`;
  const base = { id: SERVICE[0], title: SERVICE[1], resource: s.serviceName ?? '-', state: `${s.status} ${running}` };
  const lastEvent = s.events?.[0]?.message;
  const event = lastEvent ? `; latest event: ${lastEvent}` : '';
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  const bad = (detail: string): Check => ({ ...base, status: 'fail', detail });
  if (s.status !== 'ACTIVE') {
    return bad(s.status === 'INACTIVE' ? `the service was deleted (INACTIVE) from cluster ${cluster}` : `the service is ${s.status}, not ACTIVE (being deleted?)`);
  }
  if (!s.desiredCount) return bad(`the service is scaled to 0 (desiredCount 0): nothing runs; set a desired count of at least 1`);
  if (primary?.rolloutState === 'IN_PROGRESS') return bad(`still rolling out (${running})${event}`);
  if (primary?.rolloutState === 'FAILED') return bad(`the latest deployment failed: ${primary.rolloutStateReason ?? 'no reason given'}${event}`);
  if ((s.runningCount ?? 0) < s.desiredCount) return bad(`only ${running}: tasks are failing to start or stay up${event}`);
  return { ...base, status: 'pass' };
}

// ---- ECR --------------------------------------------------------------------------------------

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repo>[:tag][@digest]` */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]+))?$/;

async function checkImage(service: Service, region: string, clients: Clients): Promise<Check> {
  const taskDefinition = service.taskDefinition ?? '-';
  let image: string | undefined;
  try {
    const td = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    const containers = td.taskDefinition?.containerDefinitions ?? [];
    // the container the load balancer sends traffic to, else the first
    const wanted = service.loadBalancers?.[0]?.containerName;
    image = (containers.find((c) => c.name === wanted) ?? containers[0])?.image;
  } catch (err) {
    return fail(
      ...IMAGE,
      taskDefinition,
      awsFailure(err, {
        action: 'ecs:DescribeTaskDefinition',
        endpoint: clients.endpointOf('ecs', region),
        notFound: `the service's task definition ${taskDefinition} cannot be read`,
      }),
    );
  }
  const m = image ? ECR_IMAGE.exec(image) : null;
  if (!image || !m) return skip(...IMAGE, image ?? taskDefinition, image ? 'not checked: the image is not in a private ECR registry' : 'not checked: the task definition names no image');
  const [, registryId, imageRegion, repositoryName, tag, digest] = m;
  const shown = `${repositoryName}${digest ? `@${digest.slice(0, 19)}` : `:${tag ?? 'latest'}`}`;
  try {
    const res = await clients.ecr(imageRegion).send(
      new DescribeImagesCommand({ registryId, repositoryName, imageIds: [digest ? { imageDigest: digest } : { imageTag: tag ?? 'latest' }] }),
    );
    const pushed = res.imageDetails?.[0]?.imagePushedAt;
    const when = pushed ? ` pushed ${pushed.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
    return { id: IMAGE[0], title: IMAGE[1], resource: image, state: `${shown}${when}`, status: 'pass' };
  } catch (err) {
    const name = sdkErrorName(err);
    const notFound =
      name === 'RepositoryNotFoundException'
        ? `ECR repository ${repositoryName} does not exist in registry ${registryId} (${imageRegion}): push the image or fix the task definition`
        : `image ${shown} is not in ECR repository ${repositoryName} (deleted by a lifecycle policy, or never pushed): push it and redeploy`;
    return fail(...IMAGE, image, awsFailure(err, { action: 'ecr:DescribeImages', endpoint: clients.endpointOf('ecr', imageRegion), notFound }));
  }
}

// ---- ELBv2 ------------------------------------------------------------------------------------

async function checkLoadBalancer(service: Service, region: string, clients: Clients): Promise<{ check: Check; url?: string }> {
  const binding = service.loadBalancers?.[0];
  if (!binding) return { check: skip(...LB, '-', 'not checked: the service has no load balancer (no URL to probe)') };
  const tgArn = binding.targetGroupArn;
  if (!tgArn) return { check: skip(...LB, binding.loadBalancerName ?? '-', 'not checked: a Classic Load Balancer (only ALB/NLB target groups are checked)') };
  const endpoint = clients.endpointOf('elasticloadbalancing', region);
  let resource = tgArn;
  try {
    const health = await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    const targets = health.TargetHealthDescriptions ?? [];
    const healthy = targets.filter((t) => t.TargetHealth?.State === 'healthy').length;

    const groups = await clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }));
    const lbArn = groups.TargetGroups?.[0]?.LoadBalancerArns?.[0];
    if (!lbArn) {
      return {
        check: { id: LB[0], title: LB[1], resource, state: 'no load balancer', status: 'fail', detail: 'the target group is not attached to a load balancer (no listener rule forwards to it)' },
      };
    }
    const lbs = await clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
    const lb = lbs.LoadBalancers?.[0];
    resource = lb?.LoadBalancerName ?? lbArn;
    const listeners = (await clients.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
    const url = lb?.DNSName ? serviceUrl(lb.DNSName, listeners) : undefined;

    const lbState = lb?.State?.Code ?? 'unknown';
    const state = `${healthy} healthy of ${targets.length}${lbState === 'active' ? '' : `, ${lbState}`}`;
    const base = { id: LB[0], title: LB[1], resource, state };
    if (lbState !== 'active' && lbState !== 'active_impaired') {
      return { check: { ...base, status: 'fail', detail: `the load balancer is ${lbState}${lb?.State?.Reason ? ` (${lb.State.Reason})` : ''}, not active` }, url };
    }
    if (healthy === 0) {
      const list = targets.map((t) => `${t.Target?.Id}:${t.Target?.Port} ${t.TargetHealth?.State}${t.TargetHealth?.Reason ? ` (${t.TargetHealth.Reason})` : ''}`);
      const detail = list.length ? `no healthy target: ${list.join(', ')}` : 'no targets registered: the service has no running task behind the load balancer';
      return { check: { ...base, status: 'fail', detail }, url };
    }
    if (lbState === 'active_impaired') return { check: { ...base, status: 'warn', detail: 'the load balancer is active_impaired (it cannot scale or lost a zone)' }, url };
    return { check: { ...base, status: 'pass' }, url };
  } catch (err) {
    return { check: fail(...LB, resource, awsFailure(err, { action: 'elasticloadbalancing:Describe*', endpoint })) };
  }
}

/** `https://<dns>` when a listener speaks HTTPS, else `http://<dns>`, with the listener's port unless the default. */
function serviceUrl(dnsName: string, listeners: { Protocol?: string; Port?: number }[]): string {
  const https = listeners.find((l) => l.Protocol === 'HTTPS');
  const listener = https ?? listeners.find((l) => l.Protocol === 'HTTP') ?? listeners[0];
  const scheme = https ? 'https' : 'http';
  const port = listener?.Port;
  const standard = port === undefined || port === (https ? 443 : 80);
  return `${scheme}://${dnsName}${standard ? '' : `:${port}`}`;
}
