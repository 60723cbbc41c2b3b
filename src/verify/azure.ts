/**
 * verify-resources for Azure, over the official SDKs:
 *   1. azure-storage-account   the account's blob service answers (Get Account Information)
 *   2. azure-blob-container    the flow-log container exists and is readable (one page of List Blobs)
 *   3. azure-container-group   the Container Instances group is provisioned and every container runs
 *   4. azure-container-registry the registry its image comes from (or --registry) is provisioned
 *   5. service-health          GET http://<fqdn>:<port>/healthz
 *
 * Storage goes through createBlobServiceClient, so it uses the same credential chain as azure:// sources
 * (connection string, SAS, key, then DefaultAzureCredential). Resource Manager uses DefaultAzureCredential.
 * Every SDK call is bounded: one try for storage (the source's own setting), few retries for ARM, and a
 * timeout over the whole call, so a dead endpoint fails in seconds, not minutes.
 */
import type { Agent } from 'node:http';
import { ContainerInstanceManagementClient, type Container, type ContainerGroup, type Event as AciEvent } from '@azure/arm-containerinstance';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient } from '@azure/storage-blob';
import { createBlobServiceClient, redact } from '../sources/azure-blob.js';
import { SourceError } from '../sources/types.js';
import { probeHealth } from './probe.js';
import { DEFAULT_TIMEOUT_MS, VerifyUsageError, type Check, type CloudResult, type VerifyOptions } from './types.js';

/** Test and deployment seams; the CLI passes none. */
export interface AzureDeps {
  /** Credential for Resource Manager (default DefaultAzureCredential). Storage keeps its own chain. */
  credential?: TokenCredential;
  /** Resource Manager URL (default https://management.azure.com; sovereign clouds: their own). */
  armEndpoint?: string;
  /** Blob service URL, replacing the account's public one (emulators, private endpoints). */
  blobEndpoint?: string;
  /** HTTP(S) agent for Resource Manager requests (tests: one trusting a self-signed certificate). */
  armAgent?: Agent;
  /** Retries of transient Resource Manager failures (default 2). */
  armMaxRetries?: number;
}

const PUBLIC_ARM = 'https://management.azure.com';
/** The dashboard's port in the container group (infra/), preferred when the group lists several. */
const DASHBOARD_PORT = 8050;
const LIST_PAGE = 1000;

const SIGN_IN_HINT =
  "sign in with 'az login', or set AZURE_CLIENT_ID and AZURE_TENANT_ID with a federated token " +
  '(AZURE_FEDERATED_TOKEN_FILE) or AZURE_CLIENT_SECRET, or run with a managed identity';

export async function verifyAzure(options: VerifyOptions, deps: AzureDeps = {}): Promise<CloudResult> {
  const env = options.env ?? process.env;
  const resourceGroup = options.resourceGroup?.trim();
  if (!resourceGroup) {
    throw new VerifyUsageError(`--resource-group is required for Azure: the resource group of container group '${options.service}'`);
  }
  const subscription = (options.subscription ?? env.AZURE_SUBSCRIPTION_ID ?? env.ARM_SUBSCRIPTION_ID)?.trim();
  if (!subscription) {
    throw new VerifyUsageError('no Azure subscription: give --subscription <id>, or set AZURE_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID)');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const checks: Check[] = [...(await storageChecks(options, env, deps.blobEndpoint, timeoutMs))];

  const arm = new Arm(subscription, resourceGroup, deps, timeoutMs);
  const group = await arm.containerGroup(options.service);
  checks.push(group.check);
  checks.push(await arm.registry(options.registry, group));

  const skipHealth = (detail: string): Check => ({
    id: 'service-health',
    title: 'Service /healthz',
    resource: options.service,
    state: 'not checked',
    status: 'skip',
    detail,
  });
  const serviceUrl = group.found ? serviceUrlOf(group.found) : undefined;
  if (!group.found) checks.push(skipHealth('no service URL: the container group check failed'));
  else if (!serviceUrl) checks.push(skipHealth(`container group '${options.service}' has no IP address, so there is no URL to probe`));
  else if (options.probe === false) checks.push(skipHealth('probing /healthz was turned off'));
  else checks.push(await probeHealth(serviceUrl, timeoutMs));
  return serviceUrl ? { checks, serviceUrl } : { checks };
}

// ---------------------------------------------------------------------------------------------- storage

async function storageChecks(options: VerifyOptions, env: NodeJS.ProcessEnv, endpoint: string | undefined, timeoutMs: number): Promise<Check[]> {
  const account = options.storage;
  const accountCheck = { id: 'azure-storage-account', title: 'Storage account', resource: account };
  const containerCheck = { id: 'azure-blob-container', title: 'Blob container', resource: `${account}/${options.container}` };
  const skipContainer: Check = { ...containerCheck, state: 'not checked', status: 'skip', detail: 'the storage account check failed' };

  try {
    const { client } = await createBlobServiceClient(account, { env, endpoint });
    let ok: Check;
    try {
      const info = await client.getAccountInfo({ abortSignal: AbortSignal.timeout(timeoutMs) });
      const kind = [info.accountKind, info.skuName].filter(Boolean).join(', ');
      ok = { ...accountCheck, state: kind ? `reachable (${kind})` : 'reachable', status: 'pass' };
    } catch (err) {
      // Get Account Information may be refused to a role-based identity that can still read blobs (its
      // documentation names Shared Key and SAS only): the account answered, so the container check decides.
      const e = err as { code?: string; details?: { errorCode?: string } };
      if ((e.code ?? e.details?.errorCode) !== 'AuthorizationPermissionMismatch') throw err;
      ok = { ...accountCheck, state: 'reachable (details not readable with this identity)', status: 'pass' };
    }
    return [ok, await containerReadable(client, account, options.container, containerCheck, timeoutMs)];
  } catch (err) {
    return [{ ...accountCheck, ...storageFailure(err, account, null), status: 'fail' }, skipContainer];
  }
}

async function containerReadable(
  client: BlobServiceClient,
  account: string,
  container: string,
  base: Omit<Check, 'state' | 'status'>,
  timeoutMs: number,
): Promise<Check> {
  try {
    const blobs = client.getContainerClient(container).listBlobsFlat({ abortSignal: AbortSignal.timeout(timeoutMs) });
    const pages = blobs.byPage({ maxPageSize: LIST_PAGE });
    const first = await pages.next();
    const page = first.done ? undefined : first.value;
    const n = page?.segment.blobItems.length ?? 0;
    if (n === 0) {
      return { ...base, state: 'readable, no blobs', status: 'warn', detail: 'no blobs yet: flow logs arrive within ~10 minutes of enabling them' };
    }
    return { ...base, state: `readable, ${n}${page?.continuationToken ? '+' : ''} blobs`, status: 'pass' };
  } catch (err) {
    return { ...base, ...storageFailure(err, account, container), status: 'fail' };
  }
}

/** One storage failure as state + detail a person can act on. `container` null: the account-level call. */
function storageFailure(err: unknown, account: string, container: string | null): { state: string; detail: string } {
  if (err instanceof SourceError) return { state: 'misconfigured', detail: err.message };
  const credential = credentialFailure(err, '; or set AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_SAS_TOKEN / AZURE_STORAGE_KEY)');
  if (credential) return credential;
  const e = err as { statusCode?: number; code?: string; name?: string; message?: string };
  if (typeof e.statusCode === 'number') {
    const code = e.code ?? `HTTP ${e.statusCode}`;
    if (e.statusCode === 404 && container !== null) {
      return {
        state: 'not found',
        detail:
          `container '${container}' not found in storage account '${account}' (${code}): check --container ` +
          '(flow logs go to insights-logs-flowlogflowevent or insights-logs-networksecuritygroupflowevent)',
      };
    }
    if (e.statusCode === 401 || e.statusCode === 403) {
      return {
        state: `denied (HTTP ${e.statusCode})`,
        detail:
          `access denied (${code}): the signed-in identity needs the Storage Blob Data Reader role on storage account '${account}'; ` +
          'with a connection string, key or SAS, check that it is for this account and not expired',
      };
    }
    return { state: `HTTP ${e.statusCode}`, detail: `the blob service answered ${e.statusCode} (${code}): ${firstLine(e.message)}` };
  }
  if (/non-TLS/i.test(e.message ?? '')) {
    return { state: 'misconfigured', detail: 'a signed-in identity needs an https blob endpoint: use https, or AZURE_STORAGE_CONNECTION_STRING for an emulator' };
  }
  const network = networkReason(err);
  if (!network) return { state: 'error', detail: `reading storage account '${account}' failed: ${firstLine(e.message)}` };
  return { state: 'unreachable', detail: `storage account '${account}' not found or unreachable (${network}): check the account name` };
}

// --------------------------------------------------------------------------------------- resource manager

interface GroupResult {
  check: Check;
  /** The group, when Resource Manager returned it (running or not). */
  found?: ContainerGroup;
  /** Why later Resource Manager checks cannot run (no credential, ARM unreachable), if so. */
  armBlocked?: string;
}

class Arm {
  private readonly endpoint: string;
  private credential?: TokenCredential;

  constructor(
    private readonly subscription: string,
    private readonly resourceGroup: string,
    private readonly deps: AzureDeps,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = (deps.armEndpoint ?? PUBLIC_ARM).replace(/\/+$/, '');
  }

  /** Options both clients understand: endpoint, bounded retries, agent. (Each names the token scope its own way.) */
  private clientOptions() {
    return {
      endpoint: this.endpoint,
      retryOptions: { maxRetries: this.deps.armMaxRetries ?? 2, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
      agent: this.deps.armAgent,
      userAgentOptions: { userAgentPrefix: 'networkflow-verify' },
    };
  }

  private async getCredential(): Promise<TokenCredential> {
    if (!this.credential) {
      // Loaded only when needed: @azure/identity pulls in MSAL.
      this.credential = this.deps.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    }
    return this.credential;
  }

  async containerGroup(name: string): Promise<GroupResult> {
    const base = { id: 'azure-container-group', title: 'Container instance', resource: `${this.resourceGroup}/${name}` };
    let group: ContainerGroup;
    try {
      const client = new ContainerInstanceManagementClient(await this.getCredential(), this.subscription, {
        ...this.clientOptions(),
        $host: this.endpoint,
        credentialScopes: [`${this.endpoint}/.default`],
      });
      group = await client.containerGroups.get(this.resourceGroup, name, { abortSignal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const f = this.failure(err, `container group '${name}'`);
      return { check: { ...base, state: f.state, status: 'fail', detail: f.detail }, armBlocked: f.blocksArm };
    }
    const containers = group.containers ?? [];
    const provisioning = group.provisioningState ?? 'unknown';
    const running = group.instanceView?.state ?? 'unknown';
    const restarts = containers.reduce((n, c) => n + (c.instanceView?.restartCount ?? 0), 0);
    const state = `${provisioning} / ${running} (restarts ${restarts})`;
    const stopped = containers.filter((c) => c.instanceView?.currentState?.state !== 'Running');
    if (provisioning === 'Succeeded' && running === 'Running' && stopped.length === 0) {
      return { check: { ...base, state, status: 'pass' }, found: group };
    }
    const why = stopped.length > 0 ? containerTrouble(stopped[0]) : lastEventMessage(group.instanceView?.events);
    const detail = `container group '${name}' is ${provisioning} / ${running}${why ? `; ${why}` : ''}: see 'az container logs -g ${this.resourceGroup} -n ${name}'`;
    return { check: { ...base, state, status: 'fail', detail }, found: group };
  }

  async registry(given: string | undefined, group: GroupResult): Promise<Check> {
    const image = group.found?.containers?.[0]?.image;
    const name = given?.trim() || registryOfImage(image);
    const base = { id: 'azure-container-registry', title: 'Container registry', resource: name ?? image ?? 'unknown' };
    const skip = (detail: string): Check => ({ ...base, state: 'not checked', status: 'skip', detail });
    if (group.armBlocked) return skip(group.armBlocked);
    if (!name) {
      if (!group.found) return skip('the container group could not be read, so its image (and registry) is unknown: give --registry to check one');
      return skip(`image '${image ?? 'none'}' is not in an Azure Container Registry (*.azurecr.io): give --registry to check one`);
    }
    const resource = `${this.resourceGroup}/${name}`;
    try {
      const client = new ContainerRegistryManagementClient(await this.getCredential(), this.subscription, {
        ...this.clientOptions(),
        credentials: { scopes: [`${this.endpoint}/.default`] },
      });
      const registry = await client.registries.get(this.resourceGroup, name, { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      const provisioning = registry.provisioningState ?? 'unknown';
      const state = `${provisioning}, ${registry.loginServer ?? `${name}.azurecr.io`}`;
      if (provisioning === 'Succeeded') return { ...base, resource, state, status: 'pass' };
      return { ...base, resource, state, status: 'fail', detail: `container registry '${name}' is ${provisioning}, not Succeeded` };
    } catch (err) {
      const f = this.failure(err, `container registry '${name}'`);
      return { ...base, resource, state: f.state, status: 'fail', detail: f.detail };
    }
  }

  /** One Resource Manager failure as state + detail; `blocksArm` when no later ARM call can work either. */
  private failure(err: unknown, what: string): { state: string; detail: string; blocksArm?: string } {
    const credential = credentialFailure(err);
    if (credential) return { ...credential, blocksArm: 'no Azure credential for Resource Manager (see the container group check)' };
    const e = err as { statusCode?: number; code?: string; message?: string };
    const rg = this.resourceGroup;
    if (typeof e.statusCode === 'number') {
      const code = e.code ?? `HTTP ${e.statusCode}`;
      const notFound = (detail: string) => ({ state: 'not found', detail });
      if (code === 'ResourceGroupNotFound') {
        return notFound(`resource group '${rg}' not found in subscription '${this.subscription}' (${what} was looked for there): check --resource-group and --subscription`);
      }
      if (code === 'SubscriptionNotFound') return notFound(`subscription '${this.subscription}' not found: check --subscription or AZURE_SUBSCRIPTION_ID`);
      if (e.statusCode === 404) return notFound(`${what} not found in resource group '${rg}' (${code}): check the name, or whether it lives in another resource group`);
      if (e.statusCode === 401) {
        return {
          state: 'denied (HTTP 401)',
          detail: `Resource Manager rejected the credential (${code}): ${SIGN_IN_HINT}`,
          blocksArm: 'Resource Manager rejected the credential (see the container group check)',
        };
      }
      if (e.statusCode === 403) {
        return { state: 'denied (HTTP 403)', detail: `the signed-in identity may not read ${what} (${code}): assign it the Reader role on resource group '${rg}'` };
      }
      return { state: `HTTP ${e.statusCode}`, detail: `Resource Manager answered ${e.statusCode} (${code}) for ${what}: ${firstLine(e.message)}` };
    }
    const network = networkReason(err);
    if (!network) return { state: 'error', detail: `reading ${what} failed: ${firstLine(e.message)}` };
    return {
      state: 'unreachable',
      detail: `cannot reach Resource Manager at ${this.endpoint} (${network})`,
      blocksArm: `Resource Manager is unreachable (${network})`,
    };
  }
}

/** Registry name from an image reference on an ACR login server (`myreg.azurecr.io/app:1` → `myreg`). */
export function registryOfImage(image: string | undefined): string | undefined {
  const host = image?.split('/')[0].toLowerCase();
  if (!image?.includes('/') || !host) return undefined;
  const m = /^([a-z0-9]+)(?:-[a-z0-9]+)?\.azurecr\.(?:io|cn|us)$/.exec(host);
  return m?.[1];
}

/** `http://<fqdn or ip>:<port>`, the dashboard's port when listed, else the first. */
function serviceUrlOf(group: ContainerGroup): string | undefined {
  const ip = group.ipAddress;
  const host = ip?.fqdn || ip?.ip;
  if (!host) return undefined;
  const ports = ip?.ports ?? [];
  const port = ports.some((p) => p.port === DASHBOARD_PORT) ? DASHBOARD_PORT : ports[0]?.port;
  return port ? `http://${host}:${port}` : `http://${host}`;
}

function containerTrouble(c: Container): string {
  const current = c.instanceView?.currentState;
  const facts = [
    current?.exitCode !== undefined ? `exit code ${current.exitCode}` : '',
    current?.detailStatus ?? '',
    c.instanceView?.restartCount ? `${c.instanceView.restartCount} restarts` : '',
  ].filter(Boolean);
  const message = lastEventMessage(c.instanceView?.events);
  return `container '${c.name}' is ${current?.state ?? 'not started'}${facts.length ? ` (${facts.join(', ')})` : ''}${message ? `: ${message}` : ''}`;
}

/** The message of the newest event (by lastTimestamp; the later one in the list on a tie). */
function lastEventMessage(events: AciEvent[] | undefined): string | undefined {
  let newest: AciEvent | undefined;
  for (const ev of events ?? []) {
    if (!newest || (ev.lastTimestamp?.getTime() ?? 0) >= (newest.lastTimestamp?.getTime() ?? 0)) newest = ev;
  }
  return newest?.message ? firstLine(newest.message) : undefined;
}

// ------------------------------------------------------------------------------------------- shared

/** Missing or refused sign-in (@azure/identity's errors, by name: several copies of the classes may load). */
function credentialFailure(err: unknown, alternative = ''): { state: string; detail: string } | undefined {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError' || name === 'AuthenticationRequiredError') {
    return { state: 'no credentials', detail: `no usable Azure credential (${name}): ${SIGN_IN_HINT}${alternative}` };
  }
  if (name === 'AuthenticationError') {
    // The identity service's description ("AADSTS7000215: Invalid client secret provided. …") says what is wrong.
    const e = err as Error & { errorResponse?: { errorDescription?: string } };
    return { state: 'sign-in failed', detail: `Azure sign-in failed (${firstLine(e.errorResponse?.errorDescription || e.message)}): ${SIGN_IN_HINT}` };
  }
  return undefined;
}

/** Socket-level failures (ENOTFOUND, ECONNREFUSED, …) and timeouts, named; undefined for anything else. */
function networkReason(err: unknown): string | undefined {
  const e = err as { name?: string; code?: unknown };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'no answer in time';
  return typeof e?.code === 'string' && /^(E[A-Z_]+|UND_ERR_\w+)$/.test(e.code) ? e.code : undefined;
}

function firstLine(text: string | undefined): string {
  const line = redact(String(text ?? 'unknown error').split('\n')[0]);
  return line.length > 240 ? `${line.slice(0, 237)}…` : line;
}
