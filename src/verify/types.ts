/**
 * verify-resources: the contract between the per-cloud checkers (azure.ts, aws.ts, gcp.ts), the report
 * (report.ts) and the command (src/cli/verify.ts).
 *
 * A checker runs every check it can and returns one `Check` per resource it looked at, in a stable order;
 * a check that cannot run because an earlier one failed is reported `skip` with the reason, so the table
 * always shows the whole picture. Checkers never throw for cloud-side problems (missing resource, denied,
 * unreachable endpoint, missing credentials): those are `fail` checks with a message a person can act on.
 * They throw `VerifyUsageError` only for bad options (a missing subscription id, say).
 */

export type CloudName = 'azure' | 'aws' | 'gcp';

/**
 * pass: the resource is there and in the wanted state; fail: it is not (exit 1); warn: there but worth a
 * look, not a failure (an empty log prefix on a new deployment, say); skip: not checked (reason in `detail`).
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface Check {
  /** Stable id, kebab-case, cloud-prefixed: `azure-storage-account`, `aws-ecs-service`, `service-health`. */
  id: string;
  /** What a person reads in the table's first column: "Storage account", "ECS service", … */
  title: string;
  /** The resource's name or id as given or found (bucket name, ARN, container group name, URL). */
  resource: string;
  /** The state found, short: "Succeeded / Running", "ACTIVE 2/2 running", "readable, 14 objects", "404". */
  state: string;
  status: CheckStatus;
  /** For fail/warn/skip: why, and what to do (one or two sentences; never a stack trace, never a secret). */
  detail?: string;
}

export interface VerifyOptions {
  cloud: CloudName;
  /** Azure: storage account name; AWS: S3 bucket; GCP: GCS bucket. */
  storage: string;
  /** Azure: blob container; AWS/GCP: key prefix inside the bucket ('' = the whole bucket). */
  container: string;
  /** Azure: container group (ACI) name; AWS: ECS service name; GCP: Cloud Run service name. */
  service: string;
  /** Azure: resource group of the container group (and registry). Required for Azure. */
  resourceGroup?: string;
  /** Azure: subscription id (default env AZURE_SUBSCRIPTION_ID, then ARM_SUBSCRIPTION_ID). */
  subscription?: string;
  /** AWS region (default the SDK's chain: AWS_REGION, profile); GCP region of the Cloud Run service. */
  region?: string;
  /** AWS: ECS cluster (default: the cluster among ListClusters that holds the service). */
  cluster?: string;
  /** GCP project (default env GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT, then the credentials' project). */
  project?: string;
  /** Azure: registry name (default: the registry whose login server the container group's image names). */
  registry?: string;
  /** Probe `<service URL>/healthz` over HTTP when the service has a URL (default true). */
  probe?: boolean;
  /** Per-request timeout, ms (default 15 000). */
  timeoutMs?: number;
  /** Environment to read credentials/defaults from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface CloudResult {
  checks: Check[];
  /** The service's public URL when one was found (ACI http://<fqdn>:8050, the ALB's, Cloud Run's uri). */
  serviceUrl?: string;
}

export interface VerifyReport extends CloudResult {
  cloud: CloudName;
  /** True when no check failed (warn and skip do not fail; a skip caused by a failure follows that failure). */
  ok: boolean;
  /** Ids of the failed checks, in order. */
  failed: string[];
}

/** Bad or missing options (exit 64 from the command, with this message). */
export class VerifyUsageError extends Error {
  override name = 'VerifyUsageError';
}

export const DEFAULT_TIMEOUT_MS = 15_000;
