/**
 * A test environment for the AWS SDK: fake static credentials, config files that do not exist, no
 * instance-metadata lookups and no endpoint overrides — so the provider chain never calls out and never
 * reads the machine's real credentials.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function fakeAwsEnv(): Record<string, string> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'nf-aws-env-'));
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
  };
}

/** Sets the fake environment on process.env; returns a function that puts the previous values back. */
export function applyFakeAwsEnv(): () => void {
  const env = fakeAwsEnv();
  const saved: Record<string, string | undefined> = {};
  for (const k of [...Object.keys(env), 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) saved[k] = process.env[k];
  for (const k of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) delete process.env[k];
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
