/**
 * A small AWS API server for tests, speaking the wire protocols the official SDK clients use:
 *
 * - ECS (awsJson1_1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`): ListClusters (paged by
 *   `clusterPageSize`), DescribeClusters, DescribeServices, DescribeTaskDefinition.
 * - ECR (awsJson1_1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`): DescribeImages.
 * - ELBv2 (awsQuery: form-encoded POST `Action=…&Version=2015-12-01`, XML answers):
 *   DescribeTargetHealth, DescribeTargetGroups, DescribeLoadBalancers, DescribeListeners.
 *
 * Answers and errors take the real shapes (JSON `__type` + `x-amzn-errortype`; query `<ErrorResponse>`),
 * including ECS's `failures[]` with reason MISSING. `faults` makes one operation answer an error (access
 * denied, throttling…). It does not verify SigV4 signatures; it records the operations called and the
 * SigV4 region of each. The model in `state` may be changed between requests. Binds 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface TestCluster {
  name: string;
  status?: string; // ACTIVE (default), INACTIVE, PROVISIONING…
  runningTasksCount?: number;
}

export interface TestService {
  name: string;
  cluster: string;
  status?: string; // ACTIVE (default), DRAINING, INACTIVE
  desiredCount: number;
  runningCount: number;
  /** Task definition ARN (or family:revision). */
  taskDefinition: string;
  /** The PRIMARY deployment's rollout state; null leaves it out (services without the circuit breaker). */
  rolloutState?: string | null;
  rolloutStateReason?: string;
  /** Service event messages, newest first. */
  events?: string[];
  loadBalancers?: { targetGroupArn?: string; loadBalancerName?: string; containerName?: string; containerPort?: number }[];
}

export interface TestTaskDefinition {
  arn: string;
  containers: { name: string; image: string }[];
}

export interface TestImage {
  tags: string[];
  digest: string;
  pushedAt: Date;
}

export interface TestTarget {
  id: string;
  port: number;
  state: string; // healthy, unhealthy, initial, draining, unused…
  reason?: string;
  description?: string;
}

export interface TestTargetGroup {
  arn: string;
  loadBalancerArns: string[];
  targets: TestTarget[];
}

export interface TestLoadBalancer {
  arn: string;
  dnsName: string;
  state?: string; // active (default), provisioning, active_impaired, failed
  stateReason?: string;
  listeners: { protocol: string; port: number }[];
}

export interface AwsApiFault {
  status: number;
  code: string;
  message: string;
}

export interface AwsApiState {
  region: string;
  account: string;
  clusters: TestCluster[];
  services: TestService[];
  taskDefinitions: TestTaskDefinition[];
  /** Repository name → images. */
  repositories: Record<string, TestImage[]>;
  targetGroups: TestTargetGroup[];
  loadBalancers: TestLoadBalancer[];
  /** Operation name (`DescribeServices`, `DescribeImages`…) → the error it answers. */
  faults: Record<string, AwsApiFault>;
  /** ListClusters page size (to exercise nextToken). */
  clusterPageSize: number;
}

export interface AwsApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly state: AwsApiState;
  /** Operations received, as `ECS.DescribeServices`, `ECR.DescribeImages`, `ELBv2.DescribeListeners`. */
  readonly requests: string[];
  /** The SigV4 region of each signed request, in order. */
  readonly regions: string[];
  close(): Promise<void>;
}

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';
const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const epoch = (d: Date) => d.getTime() / 1000;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export function emptyAwsState(): AwsApiState {
  return {
    region: 'us-east-1',
    account: '123456789012',
    clusters: [],
    services: [],
    taskDefinitions: [],
    repositories: {},
    targetGroups: [],
    loadBalancers: [],
    faults: {},
    clusterPageSize: 100,
  };
}

export async function startAwsApiServer(initial: Partial<AwsApiState> = {}): Promise<AwsApiServer> {
  const state: AwsApiState = { ...emptyAwsState(), ...initial };
  const requests: string[] = [];
  const regions: string[] = [];

  const clusterArn = (name: string) => `arn:aws:ecs:${state.region}:${state.account}:cluster/${name}`;
  const nameOf = (nameOrArn: string) => nameOrArn.split('/').pop()!;
  const findCluster = (ref: string | undefined) => state.clusters.find((c) => c.name === nameOf(ref ?? 'default'));

  // ---- ECS -------------------------------------------------------------------------------------
  const ecs: Record<string, (input: Json) => Json> = {
    ListClusters(input) {
      const start = input.nextToken ? Number(Buffer.from(String(input.nextToken), 'base64url').toString()) : 0;
      const size = Math.min(Number(input.maxResults ?? 100), state.clusterPageSize);
      const page = state.clusters.slice(start, start + size);
      const next = start + size < state.clusters.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
      return { clusterArns: page.map((c) => clusterArn(c.name)), ...(next ? { nextToken: next } : {}) };
    },
    DescribeClusters(input) {
      const refs = (input.clusters as string[] | undefined) ?? ['default'];
      const clusters: Json[] = [];
      const failures: Json[] = [];
      for (const ref of refs) {
        const c = findCluster(ref);
        if (!c) {
          failures.push({ arn: ref.startsWith('arn:') ? ref : clusterArn(ref), reason: 'MISSING' });
          continue;
        }
        const services = state.services.filter((s) => s.cluster === c.name && (s.status ?? 'ACTIVE') === 'ACTIVE');
        clusters.push({
          clusterArn: clusterArn(c.name),
          clusterName: c.name,
          status: c.status ?? 'ACTIVE',
          registeredContainerInstancesCount: 0,
          runningTasksCount: c.runningTasksCount ?? services.reduce((n, s) => n + s.runningCount, 0),
          pendingTasksCount: 0,
          activeServicesCount: services.length,
          statistics: [],
          tags: [],
        });
      }
      return { clusters, failures };
    },
    DescribeServices(input) {
      const c = findCluster(input.cluster as string | undefined);
      if (!c) throw new ApiError(400, 'ClusterNotFoundException', 'Cluster not found.');
      const services: Json[] = [];
      const failures: Json[] = [];
      for (const ref of (input.services as string[] | undefined) ?? []) {
        const s = state.services.find((x) => x.cluster === c.name && x.name === nameOf(ref));
        const arn = `arn:aws:ecs:${state.region}:${state.account}:service/${c.name}/${nameOf(ref)}`;
        if (!s) {
          failures.push({ arn, reason: 'MISSING' });
          continue;
        }
        const now = new Date();
        services.push({
          serviceArn: arn,
          serviceName: s.name,
          clusterArn: clusterArn(c.name),
          status: s.status ?? 'ACTIVE',
          desiredCount: s.desiredCount,
          runningCount: s.runningCount,
          pendingCount: Math.max(0, s.desiredCount - s.runningCount),
          launchType: 'FARGATE',
          taskDefinition: s.taskDefinition,
          loadBalancers: s.loadBalancers ?? [],
          deployments: [
            {
              id: `ecs-svc/${Math.floor(Math.random() * 1e15)}`,
              status: 'PRIMARY',
              taskDefinition: s.taskDefinition,
              desiredCount: s.desiredCount,
              runningCount: s.runningCount,
              pendingCount: 0,
              failedTasks: 0,
              createdAt: epoch(now),
              updatedAt: epoch(now),
              launchType: 'FARGATE',
              ...(s.rolloutState === null ? {} : { rolloutState: s.rolloutState ?? 'COMPLETED' }),
              ...(s.rolloutStateReason ? { rolloutStateReason: s.rolloutStateReason } : {}),
            },
          ],
          events: (s.events ?? []).map((message, i) => ({ id: randomUUID(), createdAt: epoch(now) - i * 60, message })),
          createdAt: epoch(now),
          schedulingStrategy: 'REPLICA',
        });
      }
      return { services, failures };
    },
    DescribeTaskDefinition(input) {
      const ref = String(input.taskDefinition);
      const td = state.taskDefinitions.find((t) => t.arn === ref || t.arn.endsWith(`/${ref}`));
      if (!td) throw new ApiError(400, 'ClientException', 'Unable to describe task definition.');
      const [family, revision] = nameOf(td.arn).split(':');
      return {
        taskDefinition: {
          taskDefinitionArn: td.arn,
          family,
          revision: Number(revision),
          status: 'ACTIVE',
          containerDefinitions: td.containers.map((c) => ({ name: c.name, image: c.image, essential: true, cpu: 0, portMappings: [] })),
        },
        tags: [],
      };
    },
  };

  // ---- ECR -------------------------------------------------------------------------------------
  const ecr: Record<string, (input: Json) => Json> = {
    DescribeImages(input) {
      const repo = String(input.repositoryName);
      const registryId = String(input.registryId ?? state.account);
      const images = registryId === state.account ? state.repositories[repo] : undefined;
      if (!images) {
        throw new ApiError(400, 'RepositoryNotFoundException', `The repository with name '${repo}' does not exist in the registry with id '${registryId}'`);
      }
      const ids = (input.imageIds as { imageTag?: string; imageDigest?: string }[] | undefined) ?? [];
      const found = ids.length === 0 ? images : images.filter((im) => ids.some((id) => (id.imageTag && im.tags.includes(id.imageTag)) || (id.imageDigest && id.imageDigest === im.digest)));
      if (ids.length > 0 && found.length === 0) {
        const id = ids[0];
        throw new ApiError(
          400,
          'ImageNotFoundException',
          `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo}' in the registry with id '${registryId}'`,
        );
      }
      return {
        imageDetails: found.map((im) => ({
          registryId,
          repositoryName: repo,
          imageDigest: im.digest,
          imageTags: im.tags,
          imageSizeInBytes: 52_428_800,
          imagePushedAt: epoch(im.pushedAt),
          imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        })),
      };
    },
  };

  // ---- ELBv2 -----------------------------------------------------------------------------------
  const members = (q: URLSearchParams, name: string) => [...q.keys()].filter((k) => k.startsWith(`${name}.member.`)).map((k) => q.get(k)!);
  const list = (items: string[]) => items.map((i) => `<member>${i}</member>`).join('');
  const tgNotFound = () => new ApiError(400, 'TargetGroupNotFound', 'One or more target groups not found');
  const lbNotFound = () => new ApiError(400, 'LoadBalancerNotFound', 'One or more load balancers not found');
  const lbName = (arn: string) => arn.split('/').slice(-2, -1)[0] ?? arn;
  const elb: Record<string, (q: URLSearchParams) => string> = {
    DescribeTargetHealth(q) {
      const tg = state.targetGroups.find((t) => t.arn === q.get('TargetGroupArn'));
      if (!tg) throw tgNotFound();
      const items = tg.targets.map(
        (t) =>
          `<Target><Id>${xmlEscape(t.id)}</Id><Port>${t.port}</Port></Target><HealthCheckPort>${t.port}</HealthCheckPort><TargetHealth><State>${t.state}</State>${t.reason ? `<Reason>${t.reason}</Reason>` : ''}${t.description ? `<Description>${xmlEscape(t.description)}</Description>` : ''}</TargetHealth>`,
      );
      return `<TargetHealthDescriptions>${list(items)}</TargetHealthDescriptions>`;
    },
    DescribeTargetGroups(q) {
      const arns = members(q, 'TargetGroupArns');
      const found = arns.map((arn) => state.targetGroups.find((t) => t.arn === arn));
      if (found.some((t) => !t)) throw tgNotFound();
      const items = found.map(
        (t) =>
          `<TargetGroupArn>${xmlEscape(t!.arn)}</TargetGroupArn><TargetGroupName>${xmlEscape(lbName(t!.arn))}</TargetGroupName><Protocol>HTTP</Protocol><Port>8050</Port><VpcId>vpc-0abc</VpcId><TargetType>ip</TargetType><HealthCheckPath>/healthz</HealthCheckPath><LoadBalancerArns>${list(t!.loadBalancerArns.map(xmlEscape))}</LoadBalancerArns>`,
      );
      return `<TargetGroups>${list(items)}</TargetGroups>`;
    },
    DescribeLoadBalancers(q) {
      const arns = members(q, 'LoadBalancerArns');
      const found = arns.map((arn) => state.loadBalancers.find((l) => l.arn === arn));
      if (found.some((l) => !l)) throw lbNotFound();
      const items = found.map(
        (l) =>
          `<LoadBalancerArn>${xmlEscape(l!.arn)}</LoadBalancerArn><DNSName>${xmlEscape(l!.dnsName)}</DNSName><LoadBalancerName>${xmlEscape(lbName(l!.arn))}</LoadBalancerName><Scheme>internet-facing</Scheme><VpcId>vpc-0abc</VpcId><State><Code>${l!.state ?? 'active'}</Code>${l!.stateReason ? `<Reason>${xmlEscape(l!.stateReason)}</Reason>` : ''}</State><Type>application</Type><IpAddressType>ipv4</IpAddressType><CreatedTime>2026-01-01T00:00:00.000Z</CreatedTime>`,
      );
      return `<LoadBalancers>${list(items)}</LoadBalancers>`;
    },
    DescribeListeners(q) {
      const lb = state.loadBalancers.find((l) => l.arn === q.get('LoadBalancerArn'));
      if (!lb) throw lbNotFound();
      const items = lb.listeners.map(
        (l, i) =>
          `<ListenerArn>${xmlEscape(lb.arn.replace(':loadbalancer/', ':listener/'))}/${i}</ListenerArn><LoadBalancerArn>${xmlEscape(lb.arn)}</LoadBalancerArn><Port>${l.port}</Port><Protocol>${l.protocol}</Protocol><DefaultActions/>`,
      );
      return `<Listeners>${list(items)}</Listeners>`;
    },
  };

  const sendJson = (res: http.ServerResponse, status: number, body: Json, headers: http.OutgoingHttpHeaders = {}) => {
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': bytes.length, 'x-amzn-requestid': randomUUID(), ...headers });
    res.end(bytes);
  };
  const sendXml = (res: http.ServerResponse, status: number, body: string) => {
    const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': bytes.length, 'x-amzn-requestid': randomUUID() });
    res.end(bytes);
  };
  const jsonError = (res: http.ServerResponse, e: ApiError) => sendJson(res, e.status, { __type: e.code, message: e.message }, { 'x-amzn-errortype': `${e.code}:http://internal.amazon.com/coral/` });
  const xmlError = (res: http.ServerResponse, e: ApiError) =>
    sendXml(
      res,
      e.status,
      `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const region = /Credential=[^/,\s]+\/\d+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    if (region) regions.push(region);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target) {
      const [prefix, op] = target.startsWith(ECS_TARGET) ? ['ECS', target.slice(ECS_TARGET.length)] : target.startsWith(ECR_TARGET) ? ['ECR', target.slice(ECR_TARGET.length)] : ['?', target];
      requests.push(`${prefix}.${op}`);
      const impl = (prefix === 'ECS' ? ecs : prefix === 'ECR' ? ecr : {})[op];
      if (!impl) return jsonError(res, new ApiError(400, 'UnknownOperationException', `unknown operation ${target}`));
      const fault = state.faults[op];
      if (fault) return jsonError(res, new ApiError(fault.status, fault.code, fault.message));
      try {
        return sendJson(res, 200, impl(body ? (JSON.parse(body) as Json) : {}));
      } catch (err) {
        if (err instanceof ApiError) return jsonError(res, err);
        throw err;
      }
    }
    const q = new URLSearchParams(body);
    const action = q.get('Action') ?? '';
    requests.push(`ELBv2.${action}`);
    const impl = elb[action];
    if (!impl || q.get('Version') !== '2015-12-01') return xmlError(res, new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version ${q.get('Version')}`));
    const fault = state.faults[action];
    if (fault) return xmlError(res, new ApiError(fault.status, fault.code, fault.message));
    try {
      const result = impl(q);
      return sendXml(
        res,
        200,
        `<${action}Response xmlns="${ELB_NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (err) {
      if (err instanceof ApiError) return xmlError(res, err);
      throw err;
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { __type: 'InternalFailure', message: String(err) });
      else res.destroy();
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    regions,
    close,
  };
}
