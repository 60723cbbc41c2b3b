/**
 * A small GCS JSON API server for tests, enough for @google-cloud/storage pointed at it with
 * `apiEndpoint` (paths under /storage/v1) or STORAGE_EMULATOR_HOST (the library then drops the
 * /storage/v1 part, so both forms are accepted):
 *
 * - GET  /storage/v1/b/:bucket                   bucket metadata
 * - GET  /storage/v1/b/:bucket/o                 list (prefix, maxResults, pageToken → nextPageToken)
 * - GET  /storage/v1/b/:bucket/o/:object         metadata; with alt=media the bytes (Range → 206,
 *                                                ifGenerationMatch → 412, generation → that one only)
 * - GET  /download/storage/v1/b/:bucket/o/:object?alt=media   the same bytes
 * - POST /upload/storage/v1/b/:bucket/o?uploadType=multipart|media&name=…   simple uploads
 * - DELETE /storage/v1/b/:bucket/o/:object
 *
 * Errors use the API's JSON shape. It checks no credentials (the library sends none to an http
 * endpoint); `forbiddenBuckets` answers 403 for buckets the caller "may not" read, `metadataForbiddenBuckets`
 * 403 for their metadata only (storage.buckets.get, which roles/storage.objectViewer lacks). Objects live in
 * memory. Binds 127.0.0.1 on a free port.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface GcsTestObject {
  body: Buffer;
  generation: number;
  updated: Date;
  contentType: string;
}

export interface GcsTestServerOptions {
  buckets?: string[];
  /** Buckets answered with 403 Forbidden, as when the identity lacks storage.objects.* permissions. */
  forbiddenBuckets?: string[];
  /** Buckets whose metadata GET answers 403 while their objects stay listable (no storage.buckets.get). */
  metadataForbiddenBuckets?: string[];
}

export interface GcsTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly buckets: Map<string, Map<string, GcsTestObject>>;
  /** Requests received, as `METHOD /path?query`. */
  readonly requests: string[];
  /** Adds or replaces an object directly (a new generation), for test setup. */
  put(bucket: string, name: string, body: Uint8Array | string, contentType?: string): GcsTestObject;
  close(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown) {
  const bytes = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': bytes.length });
  res.end(bytes);
}

function sendError(res: http.ServerResponse, status: number, reason: string, message: string) {
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The parts of a multipart/related body: headers (lower-cased) and bytes. */
function multipartParts(body: Buffer, boundary: string): { headers: Record<string, string>; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    if (headerEnd === -1 || next === -1) break;
    const headers: Record<string, string> = {};
    for (const line of body.subarray(start, headerEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, endInclusive], or null when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 ? null : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : [start, end];
}

export async function startGcsTestServer(options: GcsTestServerOptions = {}): Promise<GcsTestServer> {
  const buckets = new Map<string, Map<string, GcsTestObject>>();
  for (const b of options.buckets ?? []) buckets.set(b, new Map());
  const forbidden = new Set(options.forbiddenBuckets ?? []);
  const metadataForbidden = new Set(options.metadataForbiddenBuckets ?? []);
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let generations = 1_700_000_000_000_000;
  let baseUrl = '';

  const put = (bucket: string, name: string, body: Uint8Array | string, contentType = 'application/octet-stream') => {
    const objects = buckets.get(bucket);
    if (!objects) throw new Error(`no bucket ${bucket}`);
    const obj = { body: Buffer.from(body), generation: ++generations, updated: new Date(), contentType };
    objects.set(name, obj);
    return obj;
  };

  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
  const crc32c = (b: Buffer) => {
    const c = new CRC32C();
    c.update(b);
    return c.toString();
  };
  const metadata = (bucket: string, name: string, o: GcsTestObject) => ({
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?generation=${o.generation}&alt=media`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.body.length),
    md5Hash: md5(o.body),
    crc32c: crc32c(o.body),
    etag: Buffer.from(String(o.generation)).toString('base64'),
    timeCreated: o.updated.toISOString(),
    updated: o.updated.toISOString(),
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${method} ${url.pathname}${url.search}`);
    const q = url.searchParams;
    const b = /^(?:\/storage\/v1)?\/b\/([^/]+)$/.exec(url.pathname);
    if (b && method === 'GET') {
      req.resume();
      const bucketName = decodeURIComponent(b[1]);
      if (forbidden.has(bucketName) || metadataForbidden.has(bucketName)) {
        return sendError(res, 403, 'forbidden', `caller does not have storage.buckets.get access to the Google Cloud Storage bucket.`);
      }
      if (!buckets.has(bucketName)) return sendError(res, 404, 'notFound', 'The specified bucket does not exist.');
      return sendJson(res, 200, {
        kind: 'storage#bucket',
        id: bucketName,
        selfLink: `${baseUrl}/storage/v1/b/${bucketName}`,
        name: bucketName,
        projectNumber: '123456789012',
        metageneration: '1',
        location: 'EUROPE-WEST1',
        locationType: 'region',
        storageClass: 'STANDARD',
        iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
        timeCreated: '2026-01-01T00:00:00.000Z',
        updated: '2026-01-01T00:00:00.000Z',
        etag: 'CAE=',
      });
    }
    // /storage/v1/b/…, /b/… (STORAGE_EMULATOR_HOST), /download/storage/v1/b/…, /upload/storage/v1/b/…
    const m = /^(?:\/(upload|download))?(?:\/storage\/v1)?\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    if (!m) {
      req.resume();
      return sendError(res, 404, 'notFound', `Not Found: ${method} ${url.pathname}`);
    }
    const [, kind, rawBucket, rawName] = m;
    const bucketName = decodeURIComponent(rawBucket);
    if (forbidden.has(bucketName)) {
      req.resume();
      return sendError(res, 403, 'forbidden', `caller does not have storage.objects.get access to the Google Cloud Storage bucket.`);
    }
    const objects = buckets.get(bucketName);
    if (!objects) {
      req.resume();
      return sendError(res, 404, 'notFound', 'The specified bucket does not exist.');
    }

    if (kind === 'upload') {
      if (method !== 'POST') {
        req.resume();
        return sendError(res, 501, 'notImplemented', 'only simple uploads are implemented by the test server');
      }
      const body = await readBody(req);
      let name = q.get('name') ?? '';
      let data = body;
      let contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
      if (q.get('uploadType') === 'multipart') {
        const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1] ?? '';
        const [meta, media] = multipartParts(body, boundary);
        if (!meta || !media) return sendError(res, 400, 'invalid', 'a multipart upload needs a metadata part and a media part');
        const json = JSON.parse(meta.body.toString('utf8')) as { name?: string; contentType?: string };
        name = name || (json.name ?? '');
        data = media.body;
        contentType = json.contentType ?? media.headers['content-type'] ?? 'application/octet-stream';
      }
      if (!name) return sendError(res, 400, 'required', 'Required parameter: name');
      const ifGen = q.get('ifGenerationMatch');
      const current = objects.get(name);
      if (ifGen !== null && String(current?.generation ?? 0) !== ifGen) return sendError(res, 412, 'conditionNotMet', 'Precondition Failed');
      const obj = put(bucketName, name, data, contentType);
      return sendJson(res, 200, metadata(bucketName, name, obj));
    }

    if (rawName === undefined) {
      req.resume();
      if (method !== 'GET') return sendError(res, 501, 'notImplemented', `${method} on a bucket's objects is not implemented by the test server`);
      const prefix = q.get('prefix') ?? '';
      const maxResults = Math.min(1000, Number(q.get('maxResults') ?? 1000));
      const after = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString('utf8') : null;
      const names = [...objects.keys()]
        .filter((n) => n.startsWith(prefix) && (after === null || n > after))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const page = names.slice(0, maxResults);
      const result: Record<string, unknown> = { kind: 'storage#objects' };
      if (page.length > 0) result.items = page.map((n) => metadata(bucketName, n, objects.get(n)!));
      if (names.length > page.length) result.nextPageToken = Buffer.from(page[page.length - 1], 'utf8').toString('base64url');
      return sendJson(res, 200, result);
    }

    const name = decodeURIComponent(rawName);
    const obj = objects.get(name);
    if (method === 'DELETE') {
      req.resume();
      if (!obj) return sendError(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
      objects.delete(name);
      res.writeHead(204);
      return res.end();
    }
    if (method !== 'GET') {
      req.resume();
      return sendError(res, 501, 'notImplemented', `${method} on an object is not implemented by the test server`);
    }
    req.resume();
    if (!obj || (q.get('generation') !== null && q.get('generation') !== String(obj.generation))) {
      return sendError(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
    }
    const ifGen = q.get('ifGenerationMatch');
    if (ifGen !== null && ifGen !== String(obj.generation)) return sendError(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    if (kind !== 'download' && q.get('alt') !== 'media') return sendJson(res, 200, metadata(bucketName, name, obj));

    const headers: http.OutgoingHttpHeaders = {
      'content-type': obj.contentType,
      'x-goog-generation': String(obj.generation),
      'x-goog-metageneration': '1',
      'x-goog-stored-content-length': String(obj.body.length),
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-hash': `crc32c=${crc32c(obj.body)},md5=${md5(obj.body)}`,
      'accept-ranges': 'bytes',
    };
    const rangeHeader = req.headers.range;
    if (rangeHeader !== undefined) {
      const range = parseRange(rangeHeader, obj.body.length);
      if (!range) {
        res.writeHead(416, { 'content-range': `bytes */${obj.body.length}`, 'content-type': 'text/plain' });
        return res.end('Request range not satisfiable');
      }
      const [a, b] = range;
      res.writeHead(206, { ...headers, 'content-length': b - a + 1, 'content-range': `bytes ${a}-${b}/${obj.body.length}` });
      return res.end(obj.body.subarray(a, b + 1));
    }
    res.writeHead(200, { ...headers, 'content-length': obj.body.length });
    return res.end(obj.body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'backendError', String(err));
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    buckets,
    requests,
    put,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
