/**
 * The Terraform under infra/, read as HCL (parsed to JSON with @cdktf/hcl2json; providers cannot be downloaded
 * here, so `terraform validate` runs in CI): per cloud, the module declares the required resources configured
 * as the issue asks (private storage, registry, identity and its least-privilege grants, the container on 8050
 * with health checks on /healthz), the root has the right remote backend with locking, calls the module and
 * exposes the required outputs; every variable is typed and described, secrets are sensitive with no default,
 * every taggable resource is tagged/labelled, and `terraform fmt -check` is clean when terraform is on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INFRA = path.join(ROOT, 'infra');

// hcl2json: every block is an array of bodies; labelled blocks are maps of label → array of bodies
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Config {
  dir: string;
  files: string[];
  resource: Record<string, Record<string, Json>>;
  data: Record<string, Record<string, Json>>;
  variable: Record<string, Json>;
  output: Record<string, Json>;
  module: Record<string, Json>;
  locals: Record<string, Json>;
  provider: Record<string, Json[]>;
  terraform: Json[];
}

function tfFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // .terraform/ caches
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tfFiles(full));
    else if (entry.name.endsWith('.tf')) out.push(full);
  }
  return out;
}

/** Every .tf file parsed, merged per directory (a Terraform module is a directory). */
async function loadAll(): Promise<Map<string, Config>> {
  const configs = new Map<string, Config>();
  for (const file of tfFiles(INFRA)) {
    const dir = path.relative(INFRA, path.dirname(file)).split(path.sep).join('/');
    let cfg = configs.get(dir);
    if (!cfg) {
      cfg = { dir, files: [], resource: {}, data: {}, variable: {}, output: {}, module: {}, locals: {}, provider: {}, terraform: [] };
      configs.set(dir, cfg);
    }
    cfg.files.push(path.basename(file));
    const json: Json = await parse(path.basename(file), readFileSync(file, 'utf8'));
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries<Record<string, Json[]>>(json[kind] ?? {})) {
        cfg[kind][type] ??= {};
        for (const [name, bodies] of Object.entries(byName)) cfg[kind][type][name] = bodies[0];
      }
    }
    for (const kind of ['variable', 'output', 'module'] as const) {
      for (const [name, bodies] of Object.entries<Json[]>(json[kind] ?? {})) cfg[kind][name] = bodies[0];
    }
    for (const body of json.locals ?? []) Object.assign(cfg.locals, body);
    for (const [name, bodies] of Object.entries<Json[]>(json.provider ?? {})) cfg.provider[name] = [...(cfg.provider[name] ?? []), ...bodies];
    cfg.terraform.push(...(json.terraform ?? []));
  }
  return configs;
}

/** A value, with a whole-string `${local.x}` reference replaced by the local's value. */
function resolve(cfg: Config, value: Json): Json {
  const m = typeof value === 'string' ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(value) : null;
  return m && m[1] in cfg.locals ? resolve(cfg, cfg.locals[m[1]]) : value;
}

/** The first body of a nested block (blocks are arrays in hcl2json). */
function block(body: Json, name: string): Json {
  const b = body?.[name];
  return Array.isArray(b) ? b[0] : b;
}

function one(cfg: Config, type: string): Json {
  const byName = cfg.resource[type];
  expect(byName, `${cfg.dir}: resource ${type}`).toBeDefined();
  return Object.values(byName)[0];
}

/** Variable names that look like secrets (auth_token, api_key, …); key identifiers (kms_key_arn) and switches (enable_key_vault) are not. */
const SECRET_NAME = /token|password|passwd|secret|(^|_)key$/i;
const NOT_A_SECRET = /_(arn|id|ids|name|names)$/i;
const looksSecret = (name: string) => SECRET_NAME.test(name) && !NOT_A_SECRET.test(name);

interface Cloud {
  name: 'azure' | 'aws' | 'gcp';
  backend: string;
  provider: string;
  outputs: string[];
  resources: string[];
  tagAttr: 'tags' | 'labels';
  /** resource types the provider cannot tag */
  untaggable: RegExp;
}

const CLOUDS: Cloud[] = [
  {
    name: 'azure',
    backend: 'azurerm',
    provider: 'azurerm',
    outputs: ['storage_account_name', 'container_name', 'acr_login_server', 'aci_fqdn'],
    resources: [
      'azurerm_resource_group',
      'azurerm_storage_account',
      'azurerm_storage_container',
      'azurerm_container_registry',
      'azurerm_user_assigned_identity',
      'azurerm_role_assignment',
      'azurerm_container_group',
      'azurerm_key_vault',
      'azurerm_key_vault_secret',
    ],
    tagAttr: 'tags',
    untaggable: /^(azurerm_role_assignment|azurerm_storage_container|random_.*)$/,
  },
  {
    name: 'aws',
    backend: 's3',
    provider: 'aws',
    outputs: ['s3_bucket_name', 'ecr_repository_url', 'ecs_cluster_name', 'service_url'],
    resources: [
      'aws_s3_bucket',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_versioning',
      'aws_s3_bucket_policy',
      'aws_ecr_repository',
      'aws_ecs_cluster',
      'aws_ecs_task_definition',
      'aws_ecs_service',
      'aws_cloudwatch_log_group',
      'aws_lb',
      'aws_lb_target_group',
      'aws_lb_listener',
      'aws_security_group',
      'aws_iam_role',
      'aws_iam_role_policy',
    ],
    tagAttr: 'tags',
    untaggable: /^(aws_s3_bucket_(server_side_encryption_configuration|public_access_block|versioning|policy)|aws_iam_role_policy(_attachment)?|aws_secretsmanager_secret_version|random_.*)$/,
  },
  {
    name: 'gcp',
    backend: 'gcs',
    provider: 'google',
    outputs: ['bucket_name', 'registry_url', 'service_url'],
    resources: [
      'google_storage_bucket',
      'google_artifact_registry_repository',
      'google_service_account',
      'google_storage_bucket_iam_member',
      'google_artifact_registry_repository_iam_member',
      'google_secret_manager_secret',
      'google_secret_manager_secret_version',
      'google_cloud_run_v2_service',
      'google_cloud_run_v2_service_iam_member',
    ],
    tagAttr: 'labels',
    untaggable: /^(google_service_account|google_project_service|.*_iam_member|google_secret_manager_secret_version|random_.*)$/,
  },
];

let configs: Map<string, Config>;
beforeAll(async () => {
  configs = await loadAll();
});

const cfgOf = (dir: string): Config => {
  const cfg = configs.get(dir);
  expect(cfg, `infra/${dir} has .tf files`).toBeDefined();
  return cfg as Config;
};

describe('infra/ layout and conventions', () => {
  it('has a module and a root per cloud, each with the standard files', () => {
    for (const { name } of CLOUDS) {
      for (const dir of [`modules/${name}`, name]) {
        expect(cfgOf(dir).files.sort(), dir).toEqual(expect.arrayContaining(['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf']));
      }
      expect(existsSync(path.join(INFRA, name, 'backend.hcl.example')), `${name}/backend.hcl.example`).toBe(true);
      expect(existsSync(path.join(INFRA, name, 'terraform.tfvars.example')), `${name}/terraform.tfvars.example`).toBe(true);
    }
  });

  it('pins Terraform and every provider to a major version', () => {
    for (const cfg of configs.values()) {
      const tf = cfg.terraform.find((t) => t.required_providers);
      expect(tf, `${cfg.dir}: required_providers`).toBeDefined();
      expect(tf.required_version, cfg.dir).toMatch(/>=\s*1\.1\d/);
      for (const providers of tf.required_providers) {
        for (const [name, req] of Object.entries<Json>(providers)) {
          expect(req.source, `${cfg.dir}: ${name}`).toMatch(/^hashicorp\//);
          expect(req.version, `${cfg.dir}: ${name}`).toMatch(/^~>\s*\d+\.\d+$/);
        }
      }
    }
  });

  it('types and describes every variable and output', () => {
    for (const cfg of configs.values()) {
      for (const [name, v] of Object.entries<Json>(cfg.variable)) {
        expect(typeof v.description === 'string' && v.description.length > 10, `${cfg.dir}: variable ${name} description`).toBe(true);
        expect(v.type, `${cfg.dir}: variable ${name} type`).toBeDefined();
      }
      for (const [name, o] of Object.entries<Json>(cfg.output)) {
        expect(typeof o.description === 'string' && o.description.length > 5, `${cfg.dir}: output ${name} description`).toBe(true);
      }
    }
  });

  it('marks secrets sensitive and never gives them a default', () => {
    let secrets = 0;
    for (const cfg of configs.values()) {
      for (const [name, v] of Object.entries<Json>(cfg.variable)) {
        if (looksSecret(name)) {
          secrets++;
          expect('default' in v, `${cfg.dir}: secret variable ${name} has a default`).toBe(false);
          expect(v.sensitive, `${cfg.dir}: secret variable ${name} is sensitive`).toBe(true);
        }
        if (v.sensitive === true) expect('default' in v, `${cfg.dir}: sensitive variable ${name} has a default`).toBe(false);
      }
    }
    expect(secrets).toBeGreaterThanOrEqual(6); // auth_token in every module and root
  });

  it('keeps secrets out of the committed examples', () => {
    for (const { name } of CLOUDS) {
      for (const file of ['terraform.tfvars.example', 'backend.hcl.example']) {
        const text = readFileSync(path.join(INFRA, name, file), 'utf8');
        const assigned = text.split('\n').filter((l) => !l.trim().startsWith('#')).map((l) => l.split('=')[0].trim());
        expect(assigned.filter(looksSecret), `${name}/${file}`).toEqual([]);
        expect(text, `${name}/${file}`).not.toMatch(/access_key|sas_token|client_secret|BEGIN PRIVATE KEY/);
      }
    }
  });
});

describe.each(CLOUDS)('$name', (cloud) => {
  const mod = () => cfgOf(`modules/${cloud.name}`);
  const root = () => cfgOf(cloud.name);

  it('module declares the required resources', () => {
    const have = Object.keys(mod().resource);
    expect(have).toEqual(expect.arrayContaining(cloud.resources));
  });

  it(`module tags every taggable resource with ${cloud.tagAttr} merged over app/managed-by defaults`, () => {
    const m = mod();
    const defaults = String(m.locals[cloud.tagAttr]);
    expect(defaults).toMatch(/merge\(/);
    expect(defaults).toMatch(/app\s*=\s*"networkflow"/);
    expect(defaults).toMatch(/managed-by\s*=\s*"terraform"/);
    expect(defaults).toContain(`var.${cloud.tagAttr}`);
    expect(m.variable[cloud.tagAttr]?.type).toBe('${map(string)}');
    let tagged = 0;
    for (const [type, byName] of Object.entries(m.resource)) {
      if (cloud.untaggable.test(type)) continue;
      for (const [name, body] of Object.entries<Json>(byName)) {
        expect(body[cloud.tagAttr], `${type}.${name} carries ${cloud.tagAttr}`).toBe(`\${local.${cloud.tagAttr}}`);
        tagged++;
      }
    }
    expect(tagged).toBeGreaterThanOrEqual(4);
  });

  it(`root uses the ${cloud.backend} backend with partial configuration and locking`, () => {
    const backends = root().terraform.flatMap((t) => (t.backend ? Object.entries<Json[]>(t.backend) : []));
    expect(backends.map(([type]) => type)).toEqual([cloud.backend]);
    const body = backends[0][1][0];
    expect(body.key ?? body.prefix, 'state key/prefix').toBeTruthy();
    for (const k of ['access_key', 'sas_token', 'client_secret', 'secret_key', 'credentials']) expect(body[k], k).toBeUndefined();
    if (cloud.backend === 's3') {
      expect(body.use_lockfile === true || typeof body.dynamodb_table === 'string', 's3 locking').toBe(true);
      expect(body.encrypt).toBe(true);
    }
    const example = readFileSync(path.join(INFRA, cloud.name, 'backend.hcl.example'), 'utf8');
    expect(example).toMatch(/terraform init -backend-config=backend\.hcl/);
    expect(example).toMatch(cloud.backend === 'azurerm' ? /storage_account_name\s*=/ : /bucket\s*=/);
  });

  it('root configures the provider and calls the module, passing every variable through', () => {
    const r = root();
    const m = mod();
    expect(r.provider[cloud.provider], `provider "${cloud.provider}"`).toBeDefined();
    const calls = Object.values<Json>(r.module);
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call.source).toBe(`../modules/${cloud.name}`);
    for (const name of Object.keys(m.variable)) {
      expect(call[name], `module input ${name}`).toBe(`\${var.${name}}`);
      expect(r.variable[name], `root variable ${name}`).toBeDefined();
      expect('default' in r.variable[name], `root ${name} default iff module default`).toBe('default' in m.variable[name]);
    }
  });

  it('root exposes the required outputs from the module', () => {
    const r = root();
    const name = Object.keys(r.module)[0];
    for (const out of cloud.outputs) {
      expect(r.output[out], `root output ${out}`).toBeDefined();
      expect(r.output[out].value).toBe(`\${module.${name}.${out}}`);
      expect(mod().output[out], `module output ${out}`).toBeDefined();
    }
  });

  it('exposes what CI needs (service_name, image_tag) and can hold the service back until an image exists', () => {
    const r = root();
    for (const out of ['service_name', 'image_tag']) expect(r.output[out], `root output ${out}`).toBeDefined();
    expect(mod().variable.deploy_service).toMatchObject({ type: '${bool}', default: true });
    const service = { azure: 'azurerm_container_group', aws: 'aws_ecs_service', gcp: 'google_cloud_run_v2_service' }[cloud.name];
    expect(one(mod(), service).count).toBe('${var.deploy_service ? 1 : 0}');
  });

  it('gives an example tfvars for every required root variable but the secrets', () => {
    const r = root();
    const text = readFileSync(path.join(INFRA, cloud.name, 'terraform.tfvars.example'), 'utf8');
    for (const [name, v] of Object.entries<Json>(r.variable)) {
      if (!('default' in v) && !looksSecret(name)) expect(text, `tfvars example sets ${name}`).toMatch(new RegExp(`^${name}\\s*=`, 'm'));
    }
  });
});

describe('azure module', () => {
  const m = () => cfgOf('modules/azure');

  it('locks down the storage account and keeps the registry admin user off', () => {
    const sa = one(m(), 'azurerm_storage_account');
    expect(sa.min_tls_version).toBe('TLS1_2');
    expect(sa.allow_nested_items_to_be_public).toBe(false);
    expect(sa.https_traffic_only_enabled).toBe(true);
    expect(one(m(), 'azurerm_storage_container').container_access_type).toBe('private');
    expect(one(m(), 'azurerm_container_registry').admin_enabled).toBe(false);
  });

  it('grants the user-assigned identity Storage Blob Data Reader on the account and AcrPull on the registry', () => {
    const grants = Object.values<Json>(m().resource.azurerm_role_assignment).map((r) => [r.role_definition_name, r.scope, r.principal_id]);
    const identity = '${azurerm_user_assigned_identity.app.principal_id}';
    expect(grants).toContainEqual(['Storage Blob Data Reader', '${azurerm_storage_account.logs.id}', identity]);
    expect(grants).toContainEqual(['AcrPull', '${azurerm_container_registry.this.id}', identity]);
    // the deploying principal may read the logs too (verify-resources lists the container after apply)
    expect(grants).toContainEqual(['Storage Blob Data Reader', '${azurerm_storage_account.logs.id}', '${data.azurerm_client_config.current.object_id}']);
  });

  it('runs the registry image on 8050 with the identity, the settings and /healthz, /readyz probes', () => {
    const cfg = m();
    const aci = one(cfg, 'azurerm_container_group');
    expect(aci.ip_address_type).toBe('Public');
    expect(aci.dns_name_label).toBeTruthy();
    expect(block(aci, 'identity')).toMatchObject({ type: 'UserAssigned', identity_ids: ['${azurerm_user_assigned_identity.app.id}'] });
    expect(block(aci, 'image_registry_credential').user_assigned_identity_id).toBe('${azurerm_user_assigned_identity.app.id}');
    expect(resolve(cfg, block(aci, 'exposed_port').port)).toBe(8050);
    const c = block(aci, 'container');
    expect(String(resolve(cfg, c.image))).toContain('azurerm_container_registry.this.login_server');
    expect(resolve(cfg, block(c, 'ports').port)).toBe(8050);
    expect(c.environment_variables).toMatchObject({
      NETWORKFLOW_STORAGE_ACCOUNT: '${azurerm_storage_account.logs.name}',
      NETWORKFLOW_CONTAINER: '${azurerm_storage_container.logs.name}',
      NETWORKFLOW_HOST: '0.0.0.0',
      AZURE_CLIENT_ID: '${azurerm_user_assigned_identity.app.client_id}',
    });
    expect(c.environment_variables.NETWORKFLOW_AUTH_TOKEN).toBeUndefined();
    expect(c.secure_environment_variables).toEqual({ NETWORKFLOW_AUTH_TOKEN: '${var.auth_token}' });
    const live = block(block(c, 'liveness_probe'), 'http_get');
    expect(live.path).toBe('/healthz');
    expect(resolve(cfg, live.port)).toBe(8050);
    // /readyz needs the token like every route but /healthz: the readiness probe sends it
    const ready = block(c, 'readiness_probe');
    const exec = (ready.exec as string[]).map((a) => resolve(cfg, a)).join(' ');
    expect(exec).toContain('/readyz');
    expect(exec).toContain('NETWORKFLOW_AUTH_TOKEN');
  });

  it('makes the Key Vault optional and stores the token in it', () => {
    const cfg = m();
    expect(cfg.variable.enable_key_vault).toMatchObject({ type: '${bool}', default: false });
    for (const type of ['azurerm_key_vault', 'azurerm_key_vault_secret']) {
      expect(one(cfg, type).count).toBe('${var.enable_key_vault ? 1 : 0}');
    }
    expect(one(cfg, 'azurerm_key_vault_secret').value).toBe('${var.auth_token}');
  });
});

describe('aws module', () => {
  const m = () => cfgOf('modules/aws');

  it('encrypts, versions and blocks public access on the flow-log bucket, and denies non-TLS access', () => {
    const cfg = m();
    const sse = block(block(one(cfg, 'aws_s3_bucket_server_side_encryption_configuration'), 'rule'), 'apply_server_side_encryption_by_default');
    expect(String(sse.sse_algorithm)).toMatch(/AES256|aws:kms/);
    const pab = one(cfg, 'aws_s3_bucket_public_access_block');
    for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) expect(pab[k], k).toBe(true);
    expect(block(one(cfg, 'aws_s3_bucket_versioning'), 'versioning_configuration').status).toBe('Enabled');
    const policy = one(cfg, 'aws_s3_bucket_policy').policy as string;
    const doc = cfg.data.aws_iam_policy_document[/data\.aws_iam_policy_document\.(\w+)\.json/.exec(policy)![1]];
    const stmt = block(doc, 'statement');
    expect(stmt.effect).toBe('Deny');
    expect(block(stmt, 'condition')).toMatchObject({ variable: 'aws:SecureTransport', values: ['false'] });
  });

  it('scans images on push in ECR', () => {
    expect(block(one(m(), 'aws_ecr_repository'), 'image_scanning_configuration').scan_on_push).toBe(true);
  });

  it('gives the task role only s3:ListBucket on the bucket and s3:GetObject on its objects', () => {
    const cfg = m();
    const pol = cfg.resource.aws_iam_role_policy.task_s3_read;
    expect(pol.role).toBe('${aws_iam_role.task.id}');
    const doc = cfg.data.aws_iam_policy_document.task_s3_read;
    const stmts = doc.statement.map((s: Json) => [s.actions, s.resources]);
    expect(stmts).toEqual([
      [['s3:ListBucket'], ['${aws_s3_bucket.logs.arn}']],
      [['s3:GetObject'], ['${aws_s3_bucket.logs.arn}/*']],
    ]);
    const td = one(cfg, 'aws_ecs_task_definition');
    expect(td.task_role_arn).toBe('${aws_iam_role.task.arn}');
    expect(td.execution_role_arn).toBe('${aws_iam_role.execution.arn}');
    expect(cfg.resource.aws_iam_role_policy_attachment.execution.policy_arn).toMatch(/AmazonECSTaskExecutionRolePolicy$/);
  });

  it('runs the container on 8050 with a /healthz check, its log group and the token from Secrets Manager', () => {
    const cfg = m();
    const td = one(cfg, 'aws_ecs_task_definition');
    expect(td.requires_compatibilities).toEqual(['FARGATE']);
    expect(td.network_mode).toBe('awsvpc');
    const defs = String(td.container_definitions);
    expect(defs).toMatch(/containerPort\s*=\s*8050/);
    expect(defs).toMatch(/healthCheck[\s\S]*\/healthz/);
    expect(defs).toContain('aws_cloudwatch_log_group.app.name');
    expect(defs).toMatch(/NETWORKFLOW_AUTH_TOKEN", valueFrom = aws_secretsmanager_secret\.auth_token\.arn/);
    expect(defs).toContain('NETWORKFLOW_SOURCE');
    expect(defs).not.toContain('var.auth_token');
    const svc = one(cfg, 'aws_ecs_service');
    expect(svc.launch_type).toBe('FARGATE');
    expect(block(svc, 'load_balancer')).toMatchObject({ container_port: 8050, target_group_arn: '${aws_lb_target_group.app.arn}' });
    expect(block(svc, 'network_configuration').subnets).toBe('${var.private_subnet_ids}');
  });

  it('health-checks /healthz on 8050 behind the ALB, with HTTPS on an optional certificate', () => {
    const cfg = m();
    const tg = one(cfg, 'aws_lb_target_group');
    expect(tg.port).toBe(8050);
    expect(tg.target_type).toBe('ip');
    expect(block(tg, 'health_check')).toMatchObject({ path: '/healthz', port: '8050' });
    expect(one(cfg, 'aws_lb').subnets).toBe('${var.public_subnet_ids}');
    const listeners = cfg.resource.aws_lb_listener;
    expect(listeners.http.port).toBe(80);
    expect(listeners.https).toMatchObject({ port: 443, protocol: 'HTTPS', certificate_arn: '${var.certificate_arn}' });
    expect(cfg.variable.certificate_arn.default).toBeNull();
  });

  it('opens the ALB to the allowed CIDRs and the tasks to the ALB only, on 8050', () => {
    const cfg = m();
    const alb = cfg.resource.aws_security_group.alb;
    expect(block(alb, 'ingress').cidr_blocks).toBe('${var.allowed_cidrs}');
    const tasks = cfg.resource.aws_security_group.tasks;
    expect(tasks.ingress).toHaveLength(1);
    expect(block(tasks, 'ingress')).toMatchObject({ from_port: 8050, to_port: 8050, protocol: 'tcp', security_groups: ['${aws_security_group.alb.id}'] });
    expect(block(tasks, 'ingress').cidr_blocks).toBeUndefined();
  });

  it('takes the VPC and subnets as documented variables without defaults', () => {
    const cfg = m();
    for (const name of ['vpc_id', 'public_subnet_ids', 'private_subnet_ids']) {
      expect(cfg.variable[name], name).toBeDefined();
      expect('default' in cfg.variable[name], name).toBe(false);
    }
    expect(cfg.resource.aws_vpc).toBeUndefined();
  });
});

describe('gcp module', () => {
  const m = () => cfgOf('modules/gcp');

  it('keeps the bucket private (uniform access, public access prevention) and versioned', () => {
    const b = one(m(), 'google_storage_bucket');
    expect(b.uniform_bucket_level_access).toBe(true);
    expect(b.public_access_prevention).toBe('enforced');
    expect(block(b, 'versioning').enabled).toBe(true);
    expect(one(m(), 'google_artifact_registry_repository').format).toBe('DOCKER');
  });

  it('grants the service account object viewer on the bucket, registry reader and the secret accessor', () => {
    const cfg = m();
    const sa = '${google_service_account.app.member}';
    expect(one(cfg, 'google_storage_bucket_iam_member')).toMatchObject({ role: 'roles/storage.objectViewer', member: sa, bucket: '${google_storage_bucket.logs.name}' });
    expect(one(cfg, 'google_artifact_registry_repository_iam_member')).toMatchObject({ role: 'roles/artifactregistry.reader', member: sa });
    expect(one(cfg, 'google_secret_manager_secret_iam_member')).toMatchObject({ role: 'roles/secretmanager.secretAccessor', member: sa });
    expect(one(cfg, 'google_secret_manager_secret_version').secret_data).toBe('${var.auth_token}');
  });

  it('runs Cloud Run on 8050 as that account, with /healthz probes, the gs:// source and the token from Secret Manager', () => {
    const run = one(m(), 'google_cloud_run_v2_service');
    const tpl = block(run, 'template');
    expect(tpl.service_account).toBe('${google_service_account.app.email}');
    const c = block(tpl, 'containers');
    expect(block(c, 'ports').container_port).toBe(8050);
    for (const probe of ['startup_probe', 'liveness_probe']) {
      expect(block(block(c, probe), 'http_get'), probe).toMatchObject({ path: '/healthz', port: 8050 });
    }
    const env = Object.fromEntries((c.env as Json[]).map((e) => [e.name, e]));
    expect(String(env.NETWORKFLOW_SOURCE.value)).toMatch(/^gs:\/\/\$\{google_storage_bucket\.logs\.name\}\//);
    expect(env.NETWORKFLOW_AUTH_TOKEN.value).toBeUndefined();
    expect(block(block(env.NETWORKFLOW_AUTH_TOKEN, 'value_source'), 'secret_key_ref').secret).toBe('${google_secret_manager_secret.auth_token.secret_id}');
  });

  it('makes the public invoker optional and off by default', () => {
    const cfg = m();
    expect(cfg.variable.allow_public_access).toMatchObject({ type: '${bool}', default: false });
    const inv = one(cfg, 'google_cloud_run_v2_service_iam_member');
    expect(inv).toMatchObject({ role: 'roles/run.invoker', member: 'allUsers', count: '${var.allow_public_access && var.deploy_service ? 1 : 0}' });
  });
});

describe('terraform fmt', () => {
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  const onPath = terraform.status === 0;

  it.skipIf(!onPath)('`terraform fmt -check -recursive infra` is clean', () => {
    // throws, with the unformatted files on stdout, when a file needs formatting
    const out = execFileSync('terraform', ['fmt', '-check', '-recursive', 'infra'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe('');
  });

  if (!onPath) console.warn('terraform is not on PATH: `terraform fmt -check -recursive infra` is skipped (GitHub Actions runs it)');
});
