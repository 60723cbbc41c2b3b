/**
 * The GitHub Actions pipeline (.github/workflows/ci.yml), parsed as YAML: its triggers, least-privilege permissions
 * and concurrency; the test job (checkout, Node 20, npm ci, lint, typecheck, the test suite with its coverage gate,
 * terraform fmt and validate); the deploy job (main pushes only, OIDC per cloud chosen by vars.CLOUD, terraform
 * init, the registry applied first, cached docker build, the 200 MB size check, push, terraform plan/apply with the
 * service on the pushed SHA, the rollout checked, verify); and that no credential is written inline anywhere.
 * The resources, outputs and variables the scripts name are checked against infra/ (so the two cannot drift), every
 * `run:` script passes `bash -n`, and the deploy scripts run against stub terraform/npx CLIs.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(ROOT, '.github/workflows/ci.yml');
const TEXT = readFileSync(FILE, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'working-directory'?: string;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  defaults?: { run?: { 'working-directory'?: string } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': unknown };
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const WF = parse(TEXT) as Workflow;
const TEST = WF.jobs.test;
const DEPLOY = WF.jobs.deploy;

const CLOUDS = ['azure', 'aws', 'gcp'] as const;
// the outputs the issue requires of each root (and the service names verify needs)
const REQUIRED_OUTPUTS: Record<string, string[]> = {
  azure: ['storage_account_name', 'container_name', 'acr_login_server', 'aci_fqdn', 'resource_group_name', 'service_name'],
  aws: ['s3_bucket_name', 'ecr_repository_url', 'ecs_cluster_name', 'service_url', 'service_name', 'log_prefix'],
  gcp: ['bucket_name', 'registry_url', 'service_url', 'service_name', 'log_prefix'],
};
/** The outputs a root declares (infra/<cloud>/outputs.tf). */
function declaredOutputs(cloud: string): string[] {
  const text = readFileSync(path.join(ROOT, `infra/${cloud}/outputs.tf`), 'utf8');
  return [...text.matchAll(/^output "(\w+)"/gm)].map((m) => m[1]);
}

/** Steps that use an action (by name before '@'). */
const uses = (job: Job, action: string): Step[] => job.steps.filter((s) => s.uses?.split('@')[0] === action);
/** Steps whose run script matches. */
const runs = (job: Job, re: RegExp): Step[] => job.steps.filter((s) => typeof s.run === 'string' && re.test(s.run));
/** Index of the first step matching, -1 when none. */
const indexOf = (job: Job, pred: (s: Step) => boolean): number => job.steps.findIndex(pred);
const runIndex = (job: Job, re: RegExp): number => indexOf(job, (s) => typeof s.run === 'string' && re.test(s.run));
const usesIndex = (job: Job, action: string): number => indexOf(job, (s) => s.uses?.split('@')[0] === action);

describe('workflow: triggers, permissions, concurrency', () => {
  it('runs on pushes to main and on pull requests', () => {
    expect(Object.keys(WF.on).sort()).toEqual(['pull_request', 'push']);
    expect((WF.on.push as { branches: string[] }).branches).toEqual(['main']);
  });

  it('grants only contents: read at the top level', () => {
    expect(WF.permissions).toEqual({ contents: 'read' });
  });

  it('has one concurrency group per ref, cancelling superseded runs of pull requests only', () => {
    expect(WF.concurrency.group).toContain('github.ref');
    expect(WF.concurrency['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  it('has exactly the test and deploy jobs, deploy after test', () => {
    expect(Object.keys(WF.jobs).sort()).toEqual(['deploy', 'test']);
    expect([DEPLOY.needs].flat()).toEqual(['test']);
  });

  it('pins every action to a major version', () => {
    const all = Object.values(WF.jobs).flatMap((j) => j.steps).filter((s) => s.uses);
    expect(all.length).toBeGreaterThan(10);
    for (const s of all) expect(s.uses, s.uses).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
  });
});

describe('workflow: the test job', () => {
  it('runs on ubuntu-latest for every event (no condition)', () => {
    expect(TEST['runs-on']).toBe('ubuntu-latest');
    expect(TEST.if).toBeUndefined();
    expect(TEST.permissions).toBeUndefined(); // inherits contents: read
  });

  it('checks out, sets up Node 20 with the npm cache, then npm ci, lint, typecheck and the tests in that order', () => {
    const checkout = usesIndex(TEST, 'actions/checkout');
    const node = uses(TEST, 'actions/setup-node')[0];
    expect(node.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    const order = [
      checkout,
      usesIndex(TEST, 'actions/setup-node'),
      runIndex(TEST, /^npm ci\b/),
      runIndex(TEST, /^npm run lint$/),
      runIndex(TEST, /^npm run typecheck$/),
      runIndex(TEST, /^npm test$/),
    ];
    expect(order.every((i) => i >= 0), String(order)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('npm test is the coverage run whose gate (≥ 80% of lines required) lives in vitest.config.ts', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/--coverage/);
    const lines = /thresholds:\s*\{[^}]*lines:\s*(\d+)/.exec(readFileSync(path.join(ROOT, 'vitest.config.ts'), 'utf8'));
    expect(Number(lines?.[1])).toBeGreaterThanOrEqual(80);
  });

  it('provides /usr/bin/chromium for the browser tests before they run', () => {
    const i = runIndex(TEST, /\/usr\/bin\/chromium/);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(TEST.steps[i].run).toMatch(/apt-get install -y[^\n]*chromium/);
    expect(i).toBeLessThan(runIndex(TEST, /^npm test$/));
  });

  it('provides ../shared/fixtures (the suite fails under CI without them)', () => {
    expect(runs(TEST, /\.\.\/shared\/fixtures/)).toHaveLength(1);
    expect(uses(TEST, 'actions/checkout').map((s) => s.with?.path)).toEqual(['main', 'shared']);
    expect(TEST.defaults?.run?.['working-directory']).toBe('main');
  });

  it('checks terraform formatting and validates every root without a backend', () => {
    expect(uses(TEST, 'hashicorp/setup-terraform')).toHaveLength(1);
    expect(runs(TEST, /terraform fmt -check -recursive infra/)).toHaveLength(1);
    const validate = runs(TEST, /terraform\b.*\bvalidate/)[0];
    expect(validate.run).toMatch(/init -backend=false/);
    for (const cloud of ['azure', 'aws', 'gcp']) expect(validate.run).toContain(`infra/${cloud}`);
  });

  it('has no id-token permission and no cloud login', () => {
    for (const a of ['azure/login', 'aws-actions/configure-aws-credentials', 'google-github-actions/auth']) {
      expect(uses(TEST, a)).toHaveLength(0);
    }
  });
});

describe('workflow: the deploy job', () => {
  it('runs for pushes to main only, in the production environment', () => {
    expect(DEPLOY.if).toBe("github.ref == 'refs/heads/main' && github.event_name == 'push'");
    expect(DEPLOY.environment).toBe('production');
  });

  it('alone asks for id-token: write (OIDC), besides contents: read', () => {
    expect(DEPLOY.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(JSON.stringify(WF.permissions)).not.toContain('id-token');
    for (const [name, job] of Object.entries(WF.jobs)) {
      if (name !== 'deploy') expect(JSON.stringify(job.permissions ?? {}), name).not.toContain('id-token');
    }
  });

  it('takes the cloud from the repository variable CLOUD and rejects anything but azure, aws, gcp', () => {
    expect(DEPLOY.env?.CLOUD).toBe('${{ vars.CLOUD }}');
    expect(DEPLOY.env?.TF_ROOT).toBe('infra/${{ vars.CLOUD }}');
    const check = runs(DEPLOY, /case "\$CLOUD" in/)[0];
    expect(check.run).toMatch(/\*\) echo "::error::repository variable CLOUD must be azure, aws or gcp/);
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: '', GCP_REGION: 'europe-west1', GCP_PROJECT_ID: 'p' };
    const sh = (cloud: string, extra: Record<string, string> = {}) =>
      execFileSync('bash', ['-eo', 'pipefail', '-c', check.run ?? ''], { env: { ...env, CLOUD: cloud, ...extra }, stdio: 'pipe' });
    expect(() => sh('azure')).not.toThrow();
    expect(() => sh('gcp')).not.toThrow();
    expect(() => sh('aws')).toThrow(); // AWS_REGION unset
    expect(() => sh('aws', { AWS_REGION: 'eu-west-1' })).not.toThrow();
    expect(() => sh('gcp', { GCP_PROJECT_ID: '' })).toThrow();
    expect(() => sh('')).toThrow();
    expect(() => sh('oracle')).toThrow();
  });

  it('logs in through OIDC with exactly one action per cloud, each conditioned on vars.CLOUD, secrets only', () => {
    const logins: [string, string, string[]][] = [
      ['azure/login', 'azure', ['client-id', 'tenant-id', 'subscription-id']],
      ['aws-actions/configure-aws-credentials', 'aws', ['role-to-assume']],
      ['google-github-actions/auth', 'gcp', ['workload_identity_provider', 'service_account']],
    ];
    for (const [action, cloud, keys] of logins) {
      const steps = uses(DEPLOY, action);
      expect(steps, action).toHaveLength(1);
      expect(steps[0].if).toBe(`vars.CLOUD == '${cloud}'`);
      for (const k of keys) expect(String(steps[0].with?.[k]), `${action} ${k}`).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/);
      // no long-lived keys
      expect(Object.keys(steps[0].with ?? {})).not.toContain('creds');
      expect(Object.keys(steps[0].with ?? {})).not.toContain('aws-secret-access-key');
      expect(Object.keys(steps[0].with ?? {})).not.toContain('credentials_json');
    }
    expect(uses(DEPLOY, 'aws-actions/configure-aws-credentials')[0].with?.['aws-region']).toBe('${{ vars.AWS_REGION }}');
  });

  it('creates the registry first, pushes, then inits, plans and applies everything with -auto-approve', () => {
    const init = runIndex(DEPLOY, /terraform -chdir="\$TF_ROOT" init/);
    expect(DEPLOY.steps[init].run).toMatch(/-backend-config=/);
    for (const v of Object.values(DEPLOY.steps[init].env ?? {})) expect(String(v)).toMatch(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
    const first = runIndex(DEPLOY, /terraform -chdir="\$TF_ROOT" apply -input=false -auto-approve -target=/);
    const plan = runIndex(DEPLOY, /terraform -chdir="\$TF_ROOT" plan -input=false -out=tfplan/);
    const apply = runIndex(DEPLOY, /terraform -chdir="\$TF_ROOT" apply -input=false -auto-approve tfplan/);
    const build = usesIndex(DEPLOY, 'docker/build-push-action');
    const push = runIndex(DEPLOY, /docker push/);
    expect(Math.min(init, first, plan, apply, build, push)).toBeGreaterThanOrEqual(0);
    // the logins come first; the service is only pointed at the image once it is pushed
    expect(usesIndex(DEPLOY, 'azure/login')).toBeLessThan(init);
    expect(init).toBeLessThan(first);
    expect(first).toBeLessThan(build);
    expect(push).toBeLessThan(plan);
    expect(plan).toBeLessThan(apply);
    expect(DEPLOY.env?.TF_VAR_image_tag).toBe('${{ github.sha }}');
    expect(DEPLOY.env?.TF_VAR_auth_token).toBe('${{ secrets.NETWORKFLOW_AUTH_TOKEN }}');
  });

  it('names in its scripts only resources, outputs and variables the roots declare', () => {
    const scripts = DEPLOY.steps.map((st) => st.run ?? '').join('\n');
    for (const cloud of CLOUDS) {
      const declared = declaredOutputs(cloud);
      for (const name of REQUIRED_OUTPUTS[cloud]) expect(declared, `${cloud} ${name}`).toContain(name);
      const root = readFileSync(path.join(ROOT, `infra/${cloud}/main.tf`), 'utf8');
      expect(root).toMatch(/module "networkflow"/);
      const module = readFileSync(path.join(ROOT, `infra/modules/${cloud}/main.tf`), 'utf8');
      const target = new RegExp(`${cloud}\\) +target=module\\.networkflow\\.(\\w+)\\.(\\w+)`).exec(scripts);
      expect(target, cloud).not.toBeNull();
      expect(module).toContain(`resource "${target?.[1]}" "${target?.[2]}"`);
      const variables = readFileSync(path.join(ROOT, `infra/${cloud}/variables.tf`), 'utf8');
      for (const v of ['auth_token', 'image_tag']) expect(variables).toContain(`variable "${v}"`);
      const puts = new RegExp(`${cloud}\\) +(put [^;\\n]+(?:; put [^;\\n]+)*)`).exec(scripts)?.[1] ?? '';
      for (const m of puts.matchAll(/put (\w+)/g)) expect(variables, `${cloud} TF_VAR_${m[1]}`).toContain(`variable "${m[1]}"`);
    }
  });

  it('builds with buildx and the GitHub Actions layer cache, loaded locally before any push', () => {
    expect(uses(DEPLOY, 'docker/setup-buildx-action')).toHaveLength(1);
    const build = uses(DEPLOY, 'docker/build-push-action');
    expect(build).toHaveLength(1);
    expect(build[0].with).toMatchObject({ load: true, push: false, 'cache-from': 'type=gha' });
    expect(String(build[0].with?.['cache-to'])).toMatch(/^type=gha\b/);
    expect(String(build[0].with?.tags)).toMatch(/:\$\{\{ github\.sha \}\}$/);
    expect(usesIndex(DEPLOY, 'docker/setup-buildx-action')).toBeLessThan(usesIndex(DEPLOY, 'docker/build-push-action'));
  });

  it('logs in to each registry, conditioned on the cloud', () => {
    expect(runs(DEPLOY, /az acr login/)[0].if).toBe("vars.CLOUD == 'azure'");
    expect(uses(DEPLOY, 'aws-actions/amazon-ecr-login')[0].if).toBe("vars.CLOUD == 'aws'");
    expect(runs(DEPLOY, /gcloud auth configure-docker/)[0].if).toBe("vars.CLOUD == 'gcp'");
  });

  it('fails the run above 200 MB of image, after the build and before the push', () => {
    const size = runs(DEPLOY, /docker image inspect --format '\{\{\.Size\}\}'/);
    expect(size).toHaveLength(1);
    expect(size[0].run).toMatch(/-gt "\$MAX_IMAGE_BYTES"/);
    expect(size[0].run).toMatch(/exit 1/);
    expect(Number(DEPLOY.env?.MAX_IMAGE_BYTES)).toBe(200_000_000);
    const sizeAt = runIndex(DEPLOY, /docker image inspect/);
    expect(usesIndex(DEPLOY, 'docker/build-push-action')).toBeLessThan(sizeAt);
    expect(sizeAt).toBeLessThan(runIndex(DEPLOY, /docker push/));
  });

  it('pushes the image tagged with the git SHA', () => {
    const push = runs(DEPLOY, /docker push/)[0];
    expect(push.env?.IMAGE).toMatch(/:\$\{\{ github\.sha \}\}$/);
    expect(DEPLOY.env?.IMAGE_TAG).toBe('${{ github.sha }}');
  });

  it('checks each cloud’s container service runs the new tag after the apply', () => {
    const applyAt = runIndex(DEPLOY, /apply -input=false -auto-approve tfplan/);
    const rollouts: [string, RegExp][] = [
      ['azure', /az container show[^\n]*containers\[0\]\.image/],
      ['aws', /aws ecs update-service [^\n]*--force-new-deployment[^]*aws ecs wait services-stable/],
      ['gcp', /gcloud run services describe[^\n]*containers\[0\]\.image/],
    ];
    for (const [cloud, re] of rollouts) {
      const i = runIndex(DEPLOY, re);
      expect(i, cloud).toBeGreaterThan(applyAt);
      expect(DEPLOY.steps[i].if).toBe(`vars.CLOUD == '${cloud}'`);
    }
  });

  it('ends by verifying the deployed resources with networkflow verify, from the outputs', () => {
    const i = runIndex(DEPLOY, /npx networkflow verify/);
    expect(i).toBeGreaterThan(runIndex(DEPLOY, /aws ecs update-service/));
    const verify = DEPLOY.steps[i];
    for (const flag of ['--cloud "$CLOUD"', '--storage "$STORAGE"', '--container "$CONTAINER"', '--service "$SERVICE"', '--json']) {
      expect(verify.run).toContain(flag);
    }
    expect(verify.run).toMatch(/--resource-group/);
    expect(verify.run).toMatch(/--region/);
    expect(verify.env?.STORAGE).toBe('${{ steps.tf.outputs.storage }}');
    expect(runIndex(DEPLOY, /^npm ci\b/)).toBeLessThan(i); // builds dist/ for the bin
    expect(verify.if).toBeUndefined(); // a failed check fails the run
  });
});

// keys whose values must never be literal
const SECRET_KEY = /token|password|secret|key|credential|client[-_]?id|tenant[-_]?id|subscription[-_]?id|role|service_account|identity_provider/i;
// a value wholly made of one expression drawn from a safe context
const SAFE_EXPR = /^\$\{\{\s*(secrets|vars|steps|env)\.[\w.-]+(\s*\|\|\s*(github\.token|'[^']*'))?\s*\}\}$/;

/** Every env/with map in the workflow (top level, jobs, steps) with where it is. */
function maps(): { where: string; map: Record<string, unknown> }[] {
  const out: { where: string; map: Record<string, unknown> }[] = [];
  if (WF.env) out.push({ where: 'env', map: WF.env });
  for (const [name, job] of Object.entries(WF.jobs)) {
    if (job.env) out.push({ where: `${name}.env`, map: job.env });
    job.steps.forEach((s, i) => {
      const at = `${name}.steps[${i}] ${s.name ?? s.uses ?? ''}`;
      if (s.env) out.push({ where: `${at} env`, map: s.env });
      if (s.with) out.push({ where: `${at} with`, map: s.with });
    });
  }
  return out;
}

/** All string scalars of a parsed YAML value. */
function strings(v: unknown, acc: string[] = []): string[] {
  if (typeof v === 'string') acc.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, acc);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      acc.push(k);
      strings(x, acc);
    }
  }
  return acc;
}

describe('workflow: no inline secret', () => {
  it('gives every secret-looking env/with key a secrets., vars., steps. or env. expression', () => {
    let checked = 0;
    for (const { where, map } of maps()) {
      for (const [k, v] of Object.entries(map)) {
        if (!SECRET_KEY.test(k)) continue;
        checked++;
        expect(String(v), `${where}: ${k}`).toMatch(SAFE_EXPR);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('reads secrets only where they are used: never echoed in run scripts', () => {
    for (const job of Object.values(WF.jobs)) {
      for (const s of job.steps) if (s.run) expect(s.run, s.name).not.toMatch(/\$\{\{/); // values arrive through env
    }
  });

  it('holds nothing that looks like a key', () => {
    const all = strings(WF).concat(TEXT.split('\n'));
    for (const s of all) {
      expect(s).not.toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/); // AWS access key id
      expect(s).not.toMatch(/-----BEGIN/); // PEM
      expect(s).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/); // long base64 blob (secret keys, SAS, JSON key material)
      expect(s).not.toMatch(/AccountKey=|SharedAccessSignature|sig=[A-Za-z0-9%]{20,}/); // Azure connection strings, SAS
      expect(s).not.toMatch(/"private_key"|ghp_[A-Za-z0-9]{20,}|github_pat_/); // GCP key JSON, GitHub tokens
    }
  });

  it('the detectors themselves catch inline values', () => {
    expect('s3cr3t-value').not.toMatch(SAFE_EXPR);
    expect('${{ github.event.head_commit.message }}').not.toMatch(SAFE_EXPR);
    expect('${{ secrets.AZURE_CLIENT_ID }}').toMatch(SAFE_EXPR);
    expect("${{ vars.SERVICE_NAME || 'networkflow' }}").toMatch(SAFE_EXPR);
    expect('AKIAIOSFODNN7EXAMPLE').toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
    expect('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY').toMatch(/[A-Za-z0-9+/]{40,}={0,2}/);
  });
});

describe('workflow: shell scripts', () => {
  it('every run script parses with bash -n', () => {
    const scripts = Object.values(WF.jobs).flatMap((j) => j.steps).filter((s) => s.run);
    expect(scripts.length).toBeGreaterThan(15);
    const all = scripts.map((s, i) => `f${i}() {\n${s.run}\n}`).join('\n');
    expect(() => execFileSync('bash', ['-n'], { input: all, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
  });
});

/**
 * The deploy scripts run for real against stub `terraform` and `npx` on PATH (each logs its arguments; the stub
 * terraform answers `output -raw NAME` with `NAME-v`, and fails for outputs the root in infra/ does not declare), so the
 * backend arguments, the outputs each cloud reads and the verify command line are checked, not only their text.
 */
describe('workflow: deploy scripts against stub CLIs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nf-wf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // what the roots in infra/ really declare: the scripts may only read those
  const declared = Object.fromEntries(CLOUDS.map((c) => [c, declaredOutputs(c)]));
  const stub = (name: string, body: string): void => {
    writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\necho "${name} $*" >> "$STUB_LOG"\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  stub('terraform', [
    'if [ "$2" = output ]; then',
    '  case " $DECLARED " in *" $4 "*) ;; *) echo "no output $4" >&2; exit 1 ;; esac',
    '  if [ "$4" = ecr_repository_url ]; then printf 123.dkr.ecr.eu-west-1.amazonaws.com/networkflow; else printf "%s-v" "$4"; fi',
    'fi',
  ].join('\n'));
  stub('npx', 'echo "{}"');
  const step = (re: RegExp): Step => DEPLOY.steps[runIndex(DEPLOY, re)];

  /** Runs one step's script with the job env, its own env (expressions replaced), bash -eo pipefail like Actions. */
  function run(s: Step, cloud: string, extra: Record<string, string> = {}): { log: string; out: string } {
    const log = path.join(dir, `log-${cloud}`);
    const out = path.join(dir, `out-${cloud}`);
    writeFileSync(log, '');
    writeFileSync(out, '');
    const env: Record<string, string> = {
      PATH: `${dir}:${process.env.PATH}`,
      STUB_LOG: log,
      GITHUB_OUTPUT: out,
      DECLARED: declared[cloud].join(' '),
      CLOUD: cloud,
      TF_ROOT: `infra/${cloud}`,
      IMAGE_NAME: 'networkflow',
      TF_STATE_RESOURCE_GROUP: 'rg-state',
      TF_STATE_STORAGE_ACCOUNT: 'ststate',
      TF_STATE_CONTAINER: 'tfstate',
      TF_STATE_BUCKET: 'state-bucket',
      AWS_REGION: 'eu-west-1',
      SERVICE_NAME: 'networkflow',
      ...extra,
    };
    execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run ?? ''], { env, cwd: dir, stdio: 'pipe' });
    return { log: readFileSync(log, 'utf8'), out: readFileSync(out, 'utf8') };
  }
  const outputs = (text: string): Record<string, string> =>
    Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('init passes each backend’s settings from variables, nothing inline', () => {
    const init = step(/terraform -chdir="\$TF_ROOT" init/);
    expect(run(init, 'azure').log).toBe(
      'terraform -chdir=infra/azure init -input=false -backend-config=resource_group_name=rg-state ' +
        '-backend-config=storage_account_name=ststate -backend-config=container_name=tfstate\n',
    );
    expect(run(init, 'aws').log).toBe(
      'terraform -chdir=infra/aws init -input=false -backend-config=bucket=state-bucket -backend-config=region=eu-west-1\n',
    );
    expect(run(init, 'gcp').log).toBe('terraform -chdir=infra/gcp init -input=false -backend-config=bucket=state-bucket\n');
  });

  it('sets only the optional Terraform variables that have a value', () => {
    const vars = step(/put\(\) \{/);
    const env = (cloud: string, extra: Record<string, string>): string => {
      run(vars, cloud, { GITHUB_ENV: path.join(dir, 'env'), ...extra });
      return readFileSync(path.join(dir, 'env'), 'utf8');
    };
    writeFileSync(path.join(dir, 'env'), '');
    expect(env('azure', { AZURE_LOCATION: '' })).toBe('');
    expect(env('azure', { AZURE_LOCATION: 'northeurope' })).toBe('TF_VAR_location=northeurope\n');
    writeFileSync(path.join(dir, 'env'), '');
    expect(env('gcp', { GCP_REGION: 'europe-west4', GCP_PROJECT_ID: 'p1', LOG_PREFIX: '' })).toBe(
      'TF_VAR_region=europe-west4\nTF_VAR_project_id=p1\n',
    );
  });

  it('creates the registry alone first and names the image after it', () => {
    const first = step(/-auto-approve -target=/);
    const registry = step(/output -raw acr_login_server/);
    const expected: Record<string, [string, Record<string, string>]> = {
      azure: [
        'azurerm_container_registry.this',
        { host: 'acr_login_server-v', image: 'acr_login_server-v/networkflow' },
      ],
      aws: [
        'aws_ecr_repository.app',
        { host: '123.dkr.ecr.eu-west-1.amazonaws.com', image: '123.dkr.ecr.eu-west-1.amazonaws.com/networkflow' },
      ],
      gcp: ['google_artifact_registry_repository.app', { host: 'registry_url-v', image: 'registry_url-v/networkflow' }],
    };
    for (const cloud of CLOUDS) {
      expect(run(first, cloud).log).toBe(
        `terraform -chdir=infra/${cloud} apply -input=false -auto-approve -target=module.networkflow.${expected[cloud][0]}\n`,
      );
      expect(outputs(run(registry, cloud).out)).toEqual(expected[cloud][1]);
    }
  });

  it('reads the outputs each root declares into step outputs', () => {
    const tf = step(/out\(\) \{ terraform/);
    expect(outputs(run(tf, 'azure').out)).toEqual({
      storage: 'storage_account_name-v', container: 'container_name-v', service: 'service_name-v',
      url: 'http://aci_fqdn-v:8050', resource_group: 'resource_group_name-v', cluster: '',
    });
    expect(outputs(run(tf, 'aws').out)).toEqual({
      storage: 's3_bucket_name-v', container: 'log_prefix-v', service: 'service_name-v', url: 'service_url-v',
      resource_group: '', cluster: 'ecs_cluster_name-v',
    });
    expect(outputs(run(tf, 'gcp').out)).toEqual({
      storage: 'bucket_name-v', container: 'log_prefix-v', service: 'service_name-v', url: 'service_url-v', resource_group: '', cluster: '',
    });
  });

  it('fails when a required output is missing', () => {
    const tf = step(/out\(\) \{ terraform/);
    expect(() => run(tf, 'aws', { DECLARED: 's3_bucket_name ecr_repository_url service_url' })).toThrow();
  });

  it('calls networkflow verify with the outputs, the resource group on Azure and the region elsewhere', () => {
    const verify = step(/npx networkflow verify/);
    const base = { STORAGE: 'st', CONTAINER: 'logs', SERVICE: 'svc', REGION: 'eu-west-1' };
    expect(run(verify, 'azure', { ...base, RESOURCE_GROUP: 'rg' }).log).toBe(
      'npx networkflow verify --cloud azure --storage st --container logs --service svc --json --resource-group rg\n',
    );
    expect(run(verify, 'aws', base).log).toBe(
      'npx networkflow verify --cloud aws --storage st --container logs --service svc --json --region eu-west-1\n',
    );
  });
});
