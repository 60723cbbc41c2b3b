/**
 * `networkflow verify` (also the `verify-resources` command): checks a deployment's storage, log
 * container/prefix and service with the clouds' SDKs, prints a table (or JSON) and exits 0 only when
 * every check passed.
 */
import { formatReport, verifyResources, VerifyUsageError, type CloudName, type VerifyOptions } from '../index.js';
import { positiveNumber, parseFlags } from './args.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';

export const VERIFY_HELP = `Usage: networkflow verify --cloud azure|aws|gcp --storage <account|bucket> --container <container|prefix>
                         --service <name> [options]
       (also installed as: verify-resources …)

Checks that a deployment's resources exist and work, with each cloud's official SDK: the storage account
or bucket, the blob container or key prefix of the flow logs (readable), the container registry image
and the service (running), then GET <service URL>/healthz. Prints one row per check and the service URL.

Required:
  --cloud <azure|aws|gcp>     default: $NETWORKFLOW_CLOUD, else azure
  --storage <name>            Azure storage account; S3 or GCS bucket
  --container <name|prefix>   Azure blob container; key prefix in the bucket ('' = the whole bucket)
  --service <name>            Azure container group (ACI); ECS service; Cloud Run service

Options:
  --resource-group <rg>       Azure (required there): resource group of the container group and registry
  --subscription <id>         Azure subscription (default: $AZURE_SUBSCRIPTION_ID, then $ARM_SUBSCRIPTION_ID)
  --registry <name>           Azure registry (default: the one the container group's image comes from)
  --region <region>           AWS region (default: the SDK's chain, $AWS_REGION); GCP: Cloud Run region (required)
  --cluster <name>            AWS ECS cluster (default: the cluster that holds the service)
  --project <id>              GCP project (default: $GOOGLE_CLOUD_PROJECT, then the credentials' project)
  --no-probe                  do not request <service URL>/healthz
  --timeout <seconds>         per request (default 15)
  --json                      print the report as JSON instead of a table
  -h, --help                  this help

Credentials come from each cloud's own chain, never from flags: Azure DefaultAzureCredential (az login,
managed identity, workload identity, AZURE_CLIENT_ID/…) and AZURE_STORAGE_* for the storage; AWS
environment, profile, SSO or role; GCP application-default credentials. In CI: OIDC federation.

Results: PASS, FAIL, WARN (there, but worth a look: an empty log prefix on a new deployment), SKIP (not
checked because an earlier check failed). Exit codes: 0 every check passed (warnings allowed); 1 a check
failed (the closing line names it); 64 usage error.
`;

const CLOUDS: readonly CloudName[] = ['azure', 'aws', 'gcp'];

/** Pure argument parsing; `env` supplies the cloud default. */
export function parseVerifyArgs(argv: string[], env: Record<string, string | undefined> = process.env): { options: VerifyOptions; json: boolean } | 'help' {
  const { values, positionals } = parseFlags(argv, {
    cloud: { type: 'string' },
    storage: { type: 'string' },
    container: { type: 'string' },
    service: { type: 'string' },
    'resource-group': { type: 'string' },
    subscription: { type: 'string' },
    registry: { type: 'string' },
    region: { type: 'string' },
    cluster: { type: 'string' },
    project: { type: 'string' },
    'no-probe': { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const cloud = (values.cloud ?? env.NETWORKFLOW_CLOUD ?? 'azure').toLowerCase();
  if (!CLOUDS.includes(cloud as CloudName)) throw new UsageError(`--cloud must be azure, aws or gcp, not '${cloud}'`);
  const required = (flag: 'storage' | 'service'): string => {
    const v = values[flag]?.trim();
    if (!v) throw new UsageError(`--${flag} is required`);
    return v;
  };
  const storage = required('storage');
  if (values.container === undefined) throw new UsageError(`--container is required ('' for a whole bucket on AWS or GCP)`);
  if (cloud === 'azure' && values.container.trim() === '') throw new UsageError('--container must name the blob container on Azure');
  const service = required('service');
  const optional = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const options: VerifyOptions = {
    cloud: cloud as CloudName,
    storage,
    container: values.container.trim(),
    service,
    resourceGroup: optional(values['resource-group']),
    subscription: optional(values.subscription),
    registry: optional(values.registry),
    region: optional(values.region),
    cluster: optional(values.cluster),
    project: optional(values.project),
    probe: !values['no-probe'],
    timeoutMs: values.timeout === undefined ? undefined : Math.round(positiveNumber('--timeout', values.timeout) * 1000),
  };
  return { options, json: values.json ?? false };
}

export async function runVerify(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseVerifyArgs(argv);
  if (parsed === 'help') {
    await writeOut(io.stdout, VERIFY_HELP);
    return EXIT.ok;
  }
  let report;
  try {
    report = await verifyResources(parsed.options);
  } catch (err) {
    throw err instanceof VerifyUsageError ? new UsageError(err.message) : err;
  }
  await writeOut(io.stdout, parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok && parsed.json) io.stderr.write(`networkflow verify: FAILED: ${report.failed.join(', ')}\n`);
  return report.ok ? EXIT.ok : EXIT.strict;
}
