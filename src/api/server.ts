/**
 * The HTTP server of `networkflow dashboard`: the JSON API over one lake, the dashboard's static files,
 * health probes and the OpenAPI document, built without opening a socket (tests use app.inject; the
 * command calls app.listen).
 */
import compress from '@fastify/compress';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FlowStore, type FlowStoreOptions } from '../index.js';
import { registerAuth, type AuthSettings } from './auth.js';
import { registerErrorHandlers } from './errors.js';
import { Lake } from './lake.js';
import { registerOpenApiRoute } from './openapi.js';
import { registerApiRoutes } from './routes-api.js';
import { registerHealthRoutes } from './routes-health.js';
import { registerSecurityHeaders } from './security.js';
import { DEFAULT_WEB_ROOT, registerStatic } from './static.js';

export interface ServerOptions {
  /** The lake to serve; the server opens its own FlowStore on it (an empty or missing manifest serves an empty lake). */
  dataDir: string;
  /** Folder holding index.html, app.js, app.css (default: <package root>/dist/web). */
  webRoot?: string;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>` or Basic user:password. */
  auth?: AuthSettings;
  /** Fastify/pino logger options; false silences (tests). Default: pino at info, one line per request. */
  logger?: boolean | Record<string, unknown>;
  /** What /readyz reports (default: ready once the store is open). */
  ready?: () => boolean;
  /** Options of the server's FlowStore (e.g. onQuery to observe which queries run, rollups: false). */
  storeOptions?: FlowStoreOptions;
}

export interface NetworkflowServer {
  app: FastifyInstance;
  store: FlowStore;
  /** re-reads the manifest (after an ingest); true if the lake changed */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

/** Never logged: credentials in request headers. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

function loggerOptions(logger: ServerOptions['logger']): boolean | Record<string, unknown> {
  if (logger === false) return false;
  const base = logger === true || logger === undefined ? { level: 'info' } : logger;
  return { ...base, redact: { paths: REDACT, censor: '[redacted]' } };
}

/** One log line per request, when it completes (Fastify's default writes two: incoming and completed). */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export async function buildServer(options: ServerOptions): Promise<NetworkflowServer> {
  const store = await FlowStore.open(options.dataDir, options.storeOptions);
  try {
    return await serve(store, options);
  } catch (err) {
    store.close();
    throw err;
  }
}

async function serve(store: FlowStore, options: ServerOptions): Promise<NetworkflowServer> {
  const lake = new Lake(store);
  const app = Fastify({
    logger: loggerOptions(options.logger),
    logController: new OneLinePerRequest(),
    // Fastify's default 1 MB body limit is far more than a GET API needs
    bodyLimit: 64 * 1024,
  });
  app.addHook('onClose', async () => {
    await lake.queue.close();
    store.close();
  });
  registerErrorHandlers(app);
  registerSecurityHeaders(app);
  if (options.auth !== undefined) registerAuth(app, options.auth);
  await app.register(compress, { encodings: ['br', 'gzip'] });
  registerHealthRoutes(app, lake, options.ready ?? (() => true));
  registerApiRoutes(app, lake);
  registerOpenApiRoute(app);
  const assets = registerStatic(app, options.webRoot ?? DEFAULT_WEB_ROOT);
  // only a listening server prepares ahead (tests that inject do not pay for compressing Plotly or detection)
  app.addHook('onListen', async () => {
    assets.warmUp();
    lake.warm = true;
    lake.warmUp();
  });
  await app.ready();
  return {
    app,
    store,
    refresh: () => lake.refresh(),
    close: () => app.close(),
  };
}

/** Auth settings from env: NETWORKFLOW_AUTH_TOKEN, or NETWORKFLOW_AUTH_USER + NETWORKFLOW_AUTH_PASSWORD; undefined when none set. */
export { authFromEnv } from './auth.js';
