/**
 * Where a source is: `file://…`, a plain path, `-` (standard input), `azure://account/container[/prefix]`,
 * `s3://bucket[/prefix]`, `gs://bucket[/prefix]`, or the flags `--storage-account A --container C`, parsed
 * into one `SourceLocation`.
 *
 * Keys and prefixes are taken verbatim (no percent-decoding) in cloud URIs, because object keys may
 * contain a literal `%`; `file://` URIs are real URLs and are decoded. The prefix names a folder: a
 * source opened on `s3://b/AWSLogs` lists keys under `AWSLogs/`, relative to it.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NetworkflowError } from '../model/index.js';
import type { RetryPolicy } from './retry.js';
import type { SourceKind } from './types.js';

export type LocationKind = SourceKind | 'stdin';

export interface SourceLocation {
  kind: LocationKind;
  /** Canonical text form: `azure://acct/container/prefix`, `s3://bucket/prefix`, `gs://bucket/prefix`, `file:///abs/path`, `-`. */
  uri: string;
  /** local: the absolute path of the file or folder. */
  path?: string;
  /** azure: the storage account name. */
  account?: string;
  /** azure: the container. */
  container?: string;
  /** s3, gcs: the bucket. */
  bucket?: string;
  /** Cloud kinds: the key prefix under the container/bucket, without leading or trailing `/` ('' for all). */
  prefix: string;
}

/** How to reach a source; credentials never come through here, only from each cloud's own chain. */
export interface SourceOptions {
  /**
   * Service endpoint (an emulator such as Azurite, or a sovereign cloud), e.g. `http://127.0.0.1:10000/devstoreaccount1`,
   * `http://127.0.0.1:9000`. Default: each cloud's standard variable (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL,
   * STORAGE_EMULATOR_HOST, …) or its public endpoint.
   */
  endpoint?: string;
  /** Objects read at the same time (default 4). */
  concurrency?: number;
  /** Objects per listing page asked of the service (default: the service's). */
  pageSize?: number;
  retry?: RetryPolicy;
  /** S3 region (default: AWS_REGION / the SDK chain, else us-east-1). */
  region?: string;
  /** S3 path-style addressing (default: true when an endpoint is given, as emulators need it). */
  forcePathStyle?: boolean;
  /** Environment to read credentials and endpoints from (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
// 3-63 chars, lowercase letters, digits and single hyphens; plus the special $logs, $root, $web containers
const AZURE_CONTAINER = /^(?:[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}|\$logs|\$root|\$web)$/;
// S3 and GCS: lowercase letters, digits, dots, hyphens (and underscores: legacy S3 / GCS), alphanumeric at both ends
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function bad(message: string, hint: string): NetworkflowError {
  return new NetworkflowError('bad-option', message, hint);
}

/** Strips leading and trailing slashes; the prefix names a folder. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** `a/b` → `a/b/`, `` → ``: the prefix as it is put in front of keys. */
export function prefixPath(prefix: string): string {
  return prefix === '' ? '' : `${prefix}/`;
}

/** True when the text is a URI with a scheme (`x://…`), not a path. */
export function isUri(text: string): boolean {
  return SCHEME.test(text);
}

export function parseLocation(text: string, cwd: string = process.cwd()): SourceLocation {
  if (text === '-') return { kind: 'stdin', uri: '-', prefix: '' };
  if (text.trim() === '') throw bad('an empty input name', 'give a path, a folder, - for standard input, or a URI such as s3://bucket/prefix');
  const m = SCHEME.exec(text);
  if (!m) {
    const abs = path.resolve(cwd, text);
    return { kind: 'local', uri: pathToFileURL(abs).href, path: abs, prefix: '' };
  }
  const scheme = m[1].toLowerCase();
  const rest = text.slice(m[0].length);
  switch (scheme) {
    case 'file': {
      let abs: string;
      try {
        abs = fileURLToPath(text);
      } catch (err) {
        throw bad(`${text}: not a valid file:// URI (${(err as Error).message})`, 'write file:///absolute/path, or give the path itself');
      }
      return { kind: 'local', uri: pathToFileURL(abs).href, path: abs, prefix: '' };
    }
    case 'azure': {
      const [account = '', container = '', ...keyParts] = rest.split('/');
      return azureLocation(account, container, keyParts.join('/'), text);
    }
    case 's3':
    case 'gs':
    case 'gcs': {
      const [bucket = '', ...keyParts] = rest.split('/');
      const kind = scheme === 's3' ? 's3' : 'gcs';
      const canonical = scheme === 's3' ? 's3' : 'gs';
      if (!BUCKET.test(bucket)) {
        throw bad(
          `${text}: '${bucket}' is not a valid ${kind === 's3' ? 'S3' : 'GCS'} bucket name`,
          `write ${canonical}://<bucket>[/prefix]; bucket names are 3-63 lowercase letters, digits, dots and hyphens`,
        );
      }
      const prefix = normalizePrefix(keyParts.join('/'));
      return { kind, uri: `${canonical}://${bucket}${prefix ? `/${prefix}` : ''}`, bucket, prefix };
    }
    default:
      throw bad(
        `${text}: unsupported scheme '${scheme}://'`,
        'use a path, file://, azure://<account>/<container>[/prefix], s3://<bucket>[/prefix] or gs://<bucket>[/prefix]',
      );
  }
}

/** The `--storage-account A --container C` flags of the original brief, as a location. */
export function azureLocationFromFlags(account: string, container: string, prefix = ''): SourceLocation {
  return azureLocation(account, container, prefix, `--storage-account ${account} --container ${container}`);
}

function azureLocation(account: string, container: string, rawPrefix: string, given: string): SourceLocation {
  if (!AZURE_ACCOUNT.test(account)) {
    throw bad(
      `${given}: '${account}' is not a valid Azure storage account name`,
      'write azure://<account>/<container>[/prefix]; account names are 3-24 lowercase letters and digits',
    );
  }
  if (!AZURE_CONTAINER.test(container)) {
    throw bad(
      `${given}: ${container ? `'${container}' is not a valid container name` : 'the container is missing'}`,
      'write azure://<account>/<container>[/prefix]; container names are 3-63 lowercase letters, digits and single hyphens',
    );
  }
  const prefix = normalizePrefix(rawPrefix);
  return { kind: 'azure', uri: `azure://${account}/${container}${prefix ? `/${prefix}` : ''}`, account, container, prefix };
}

/** A cloud location with another prefix in the same container/bucket (e.g. the parent folder of an object URI). */
export function withPrefix(location: SourceLocation, prefix: string): SourceLocation {
  if (location.kind === 'local' || location.kind === 'stdin') throw new Error(`withPrefix: ${location.kind} locations have no prefix`);
  const p = normalizePrefix(prefix);
  const base = location.uri.slice(0, location.uri.length - (location.prefix ? location.prefix.length + 1 : 0));
  return { ...location, prefix: p, uri: p ? `${base}/${p}` : base };
}
