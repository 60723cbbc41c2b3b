/**
 * A minimal S3 REST server for tests: enough of the wire protocol for @aws-sdk/client-s3 in
 * path-style mode (`http://127.0.0.1:<port>/<bucket>/<key>`): ListObjectsV2, HeadObject, GetObject
 * (Range, If-Match), PutObject, CreateBucket, HeadBucket (with `x-amz-bucket-region`) and multipart
 * upload (create, part, complete, abort). A bucket may live in a region (`bucketRegions`): a request
 * signed for another region gets S3's 301 PermanentRedirect; a bucket in `denyBuckets` answers 403.
 *
 * It is a test double for the protocol, not for security: it does NOT verify SigV4 signatures. It
 * only reads the access key id from the Authorization header, so a test can have a given key
 * refused with 403 InvalidAccessKeyId. Objects live in memory. Binds 127.0.0.1 on a free port.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface S3TestObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

export interface S3TestServerOptions {
  /** Buckets that exist from the start. */
  buckets?: string[];
  /** Access key ids answered with 403 InvalidAccessKeyId. */
  rejectAccessKeys?: string[];
  /** Answer ranged GETs with the whole object (200), like a server without range support. */
  ignoreRange?: boolean;
  /**
   * Bucket → region: requests signed for another region get 301 PermanentRedirect. A bucket not listed
   * accepts any region and reports us-east-1 from HeadBucket.
   */
  bucketRegions?: Record<string, string>;
  /** Buckets whose every request is answered 403 AccessDenied (credentials without s3:ListBucket, say). */
  denyBuckets?: string[];
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly buckets: Map<string, Map<string, S3TestObject>>;
  /** Requests received, as `METHOD /path?query`. */
  readonly requests: string[];
  /** The SigV4 credential scope of each signed request (`<date>/<region>/s3/aws4_request`), for region checks. */
  readonly scopes: string[];
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

function sendXml(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}) {
  const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

function sendError(res: http.ServerResponse, method: string, status: number, code: string, message: string, extra = '', headers: http.OutgoingHttpHeaders = {}) {
  if (method === 'HEAD') {
    // HEAD responses carry no body; the SDK classifies by status alone
    res.writeHead(status, { 'x-amz-error-code': code, ...headers });
    res.end();
    return;
  }
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${extra}<RequestId>${randomUUID()}</RequestId></Error>`, headers);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
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

function accessKeyOf(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization ?? '';
  return /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? null;
}

export async function startS3TestServer(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const buckets = new Map<string, Map<string, S3TestObject>>();
  for (const b of options.buckets ?? []) buckets.set(b, new Map());
  const rejected = new Set(options.rejectAccessKeys ?? []);
  const denied = new Set(options.denyBuckets ?? []);
  const uploads = new Map<string, { bucket: string; key: string; contentType: string; parts: Map<number, Buffer> }>();
  const requests: string[] = [];
  const scopes: string[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${method} ${url.pathname}${url.search}`);
    const scope = /Credential=[^/,\s]+\/([^,\s]+)/.exec(req.headers.authorization ?? '')?.[1];
    if (scope) scopes.push(scope);
    const q = url.searchParams;
    const key0 = accessKeyOf(req);
    if (key0 !== null && rejected.has(key0)) {
      req.resume();
      return sendError(res, method, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', `<AWSAccessKeyId>${xmlEscape(key0)}</AWSAccessKeyId>`);
    }
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = rest.map((s) => decodeURIComponent(s)).join('/');
    const bucket = buckets.get(decodeURIComponent(bucketName));

    if (key === '' && method === 'PUT') {
      req.resume();
      if (!bucket) buckets.set(decodeURIComponent(bucketName), new Map());
      res.writeHead(200, { location: `/${bucketName}` });
      return res.end();
    }
    if (!bucket) {
      req.resume();
      return sendError(res, method, 404, 'NoSuchBucket', 'The specified bucket does not exist', `<BucketName>${xmlEscape(bucketName)}</BucketName>`);
    }
    const pinnedRegion = options.bucketRegions?.[decodeURIComponent(bucketName)];
    const bucketRegion = pinnedRegion ?? 'us-east-1';
    const signedRegion = scope?.split('/')[1];
    if (pinnedRegion !== undefined && signedRegion !== undefined && signedRegion !== pinnedRegion) {
      req.resume();
      const endpoint = `<Bucket>${xmlEscape(bucketName)}</Bucket><Endpoint>s3.${bucketRegion}.amazonaws.com</Endpoint>`;
      return sendError(res, method, 301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', endpoint, {
        'x-amz-bucket-region': bucketRegion,
      });
    }
    if (denied.has(decodeURIComponent(bucketName))) {
      req.resume();
      return sendError(res, method, 403, 'AccessDenied', 'Access Denied');
    }
    if (key === '' && method === 'HEAD') {
      req.resume();
      res.writeHead(200, { 'x-amz-bucket-region': bucketRegion, 'x-amz-access-point-alias': 'false' });
      return res.end();
    }

    if (key === '' && method === 'GET' && q.get('list-type') === '2') {
      const prefix = q.get('prefix') ?? '';
      const maxKeys = Math.min(1000, Number(q.get('max-keys') ?? 1000));
      const after = q.get('continuation-token') ? Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
      const urlEncode = q.get('encoding-type') === 'url';
      const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
      const page = keys.slice(0, maxKeys);
      const truncated = keys.length > page.length;
      const name = (k: string) => xmlEscape(urlEncode ? encodeURIComponent(k).replace(/%2F/g, '/') : k);
      const contents = page
        .map((k) => {
          const o = bucket.get(k)!;
          return `<Contents><Key>${name(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        })
        .join('');
      const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1], 'utf8').toString('base64url')}</NextContinuationToken>` : '';
      return sendXml(
        res,
        200,
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucketName)}</Name><Prefix>${name(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${urlEncode ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
      );
    }

    if (key === '') {
      req.resume();
      return sendError(res, method, 501, 'NotImplemented', `${method} on a bucket is not implemented by the test server`);
    }

    if (method === 'POST' && q.has('uploads')) {
      req.resume();
      const uploadId = randomUUID();
      uploads.set(uploadId, { bucket: bucketName, key, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), parts: new Map() });
      return sendXml(res, 200, `<InitiateMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (q.has('uploadId')) {
      const upload = uploads.get(q.get('uploadId')!);
      if (!upload) {
        req.resume();
        return sendError(res, method, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      }
      if (method === 'PUT') {
        const body = await readBody(req);
        upload.parts.set(Number(q.get('partNumber')), body);
        res.writeHead(200, { etag: `"${md5(body)}"` });
        return res.end();
      }
      if (method === 'DELETE') {
        uploads.delete(q.get('uploadId')!);
        res.writeHead(204);
        return res.end();
      }
      // POST: complete, with the parts listed in the request body
      const xml = (await readBody(req)).toString('utf8');
      const numbers = [...xml.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      const body = Buffer.concat(numbers.map((n) => upload.parts.get(n) ?? Buffer.alloc(0)));
      const etag = `"${md5(Buffer.concat(numbers.map((n) => Buffer.from(md5(upload.parts.get(n) ?? Buffer.alloc(0)), 'hex'))))}-${numbers.length}"`;
      bucket.set(key, { body, etag, lastModified: new Date(), contentType: upload.contentType });
      uploads.delete(q.get('uploadId')!);
      return sendXml(res, 200, `<CompleteMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`);
    }

    if (method === 'PUT') {
      if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) {
        req.resume();
        return sendError(res, method, 501, 'NotImplemented', 'aws-chunked uploads are not implemented by the test server');
      }
      const body = await readBody(req);
      const etag = `"${md5(body)}"`;
      bucket.set(key, { body, etag, lastModified: new Date(), contentType: String(req.headers['content-type'] ?? 'application/octet-stream') });
      res.writeHead(200, { etag });
      return res.end();
    }

    if (method === 'GET' || method === 'HEAD') {
      req.resume();
      const obj = bucket.get(key);
      if (!obj) return sendError(res, method, 404, 'NoSuchKey', 'The specified key does not exist.', `<Key>${xmlEscape(key)}</Key>`);
      const ifMatch = req.headers['if-match'];
      if (ifMatch !== undefined && ifMatch !== obj.etag && ifMatch !== obj.etag.replace(/"/g, '') && ifMatch !== '*') {
        return sendError(res, method, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-Match</Condition>');
      }
      const headers: http.OutgoingHttpHeaders = {
        etag: obj.etag,
        'last-modified': obj.lastModified.toUTCString(),
        'content-type': obj.contentType,
        'accept-ranges': 'bytes',
      };
      const rangeHeader = req.headers.range;
      if (rangeHeader !== undefined && method === 'GET' && !options.ignoreRange) {
        const range = parseRange(rangeHeader, obj.body.length);
        if (!range) return sendError(res, method, 416, 'InvalidRange', 'The requested range is not satisfiable');
        const [a, b] = range;
        res.writeHead(206, { ...headers, 'content-length': b - a + 1, 'content-range': `bytes ${a}-${b}/${obj.body.length}` });
        return res.end(obj.body.subarray(a, b + 1));
      }
      res.writeHead(200, { ...headers, 'content-length': obj.body.length });
      return res.end(method === 'HEAD' ? undefined : obj.body);
    }

    if (method === 'DELETE') {
      bucket.delete(key);
      res.writeHead(204);
      return res.end();
    }
    req.resume();
    return sendError(res, method, 501, 'NotImplemented', `${method} is not implemented by the test server`);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, req.method ?? 'GET', 500, 'InternalError', String(err));
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
  return {
    url: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    scopes,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
