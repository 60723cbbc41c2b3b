/**
 * verify-resources as a library: checks that a deployment's storage, log container/prefix and service exist,
 * are readable and running, with each cloud's official SDKs (loaded only for the cloud asked for).
 */
import { buildReport } from './report.js';
import { VerifyUsageError, type CloudName, type CloudResult, type VerifyOptions, type VerifyReport } from './types.js';

export { buildReport, formatReport } from './report.js';
export { probeHealth } from './probe.js';
export * from './types.js';

export type CloudChecker = (options: VerifyOptions) => Promise<CloudResult>;

/** Each cloud's checker, imported on first use (an Azure check never loads the AWS or GCP SDKs). */
export const CLOUD_CHECKERS: Record<CloudName, () => Promise<CloudChecker>> = {
  azure: async () => (await import('./azure.js')).verifyAzure,
  aws: async () => (await import('./aws.js')).verifyAws,
  gcp: async () => (await import('./gcp.js')).verifyGcp,
};

export async function verifyResources(options: VerifyOptions, checkers: Record<CloudName, () => Promise<CloudChecker>> = CLOUD_CHECKERS): Promise<VerifyReport> {
  const load = Object.hasOwn(checkers, options.cloud) ? checkers[options.cloud] : undefined;
  if (!load) throw new VerifyUsageError(`unknown cloud '${String(options.cloud)}': use azure, aws or gcp`);
  let checker: CloudChecker;
  try {
    checker = await load();
  } catch (err) {
    // The container image bundles the dashboard only and leaves verify's SDKs out (scripts/bundle-image.mjs).
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return buildReport(options.cloud, {
      checks: [
        {
          id: 'verify-installed',
          title: 'Cloud SDKs',
          resource: options.cloud,
          state: 'not installed',
          status: 'fail',
          detail:
            `this installation leaves out verify's ${options.cloud} checks (${(err as Error).message.split('\n')[0]}); the container ` +
            'image carries the dashboard only: run verify from a checkout after npm ci, or with npx networkflow verify',
        },
      ],
    });
  }
  return buildReport(options.cloud, await checker(options));
}
