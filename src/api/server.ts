/**
 * `caged api`: an HTTP server in front of the queue (Fastify). Judge0's routes
 * (./judge0-routes.ts) and caged's own (./v1-routes.ts), behind, in order: CORS (off unless
 * CAGED_API_CORS_ORIGINS), the body size cap (413 before parsing), the `X-Auth-Token` check
 * (401), the rate limit per token (429). Every error answers JSON. It judges nothing itself:
 * jobs go on the queue through the client, workers judge them. docs/api.md documents it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { CagedClient } from '../client/client';
import { testMaxima, type WorkerConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { testLimitsConfig } from '../judge/limits';
import { Judge0Languages } from '../judge0/languages';
import { redisConnection, type RedisConnection } from '../queue/connection';
import { errorFields, type Logger } from '../queue/log';
import { loadManifest } from '../rootfs/manifest';
import { TargetGuard } from '../webhook/target-guard';
import { AUTH_HEADER, TokenCheck } from './auth';
import { Backlog } from './backlog';
import { EnqueueBatcher } from './enqueue-batcher';
import type { ApiConfig, ApiContext } from './context';
import { judge0Routes } from './judge0-routes';
import { openApiDocument } from './openapi';
import { v1Routes } from './v1-routes';

/** Routes open without a token. */
const PUBLIC = new Set(['/about', '/openapi.json']);

export type ApiServerConfig = ApiConfig &
  Pick<WorkerConfig, 'redisUrl' | 'redisCluster' | 'queue' | 'prefix' | 'image' | 'maxAttempts' | 'backoffMs'>;

function packageVersion(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

export class ApiServer {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly app: FastifyInstance,
    private readonly parts: { client: CagedClient; queue: Queue; connection: RedisConnection },
    /** Every route served (method and Fastify path), for the OpenAPI check. */
    readonly routes: ReadonlyArray<{ method: string; url: string }>,
  ) {}

  /** Builds the server (not listening yet). Refuses a token-less configuration unless CAGED_API_AUTH=off. */
  static async create(config: ApiServerConfig, logger: Logger): Promise<ApiServer> {
    const tokens = new TokenCheck(config.apiTokens);
    if (config.apiAuth === 'token' && tokens.count === 0)
      throw new InvalidRequestError('set CAGED_API_TOKENS (or CAGED_API_AUTH=off on a private network)', 'CAGED_API_TOKENS');
    // A batch larger than the queue's bound would be refused as "full" however empty the queue.
    if (config.apiMaxQueue !== 0 && config.apiMaxQueue < config.apiMaxBatch)
      throw new InvalidRequestError(
        `${config.apiMaxQueue} is below CAGED_API_MAX_BATCH (${config.apiMaxBatch}): a full batch could never be taken; raise it, or 0 for no bound`,
        'CAGED_API_MAX_QUEUE',
      );
    const manifest = await loadManifest(config.image);
    const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
    const client = new CagedClient({
      connection: connection.options,
      queueName: config.queue,
      prefix: config.prefix,
      maxSourceBytes: config.maxSourceBytes,
      attempts: 1, // the worker retries internal errors itself (CAGED_MAX_ATTEMPTS)
    });
    const queue = new Queue(config.queue, { connection: connection.options, prefix: config.prefix });
    queue.on('error', () => undefined);
    const version = packageVersion();
    const ctx: ApiContext = {
      testLimits: testLimitsConfig(testMaxima(config)),
      client,
      intake: new EnqueueBatcher(client),
      backlog: new Backlog(queue, config.apiMaxQueue),
      queue,
      judge0: new Judge0Languages(manifest.languages),
      languages: manifest.languages,
      config,
      guard: new TargetGuard(config.webhookAllowNetworks),
      version,
    };
    // No Fastify logger: it would make a child logger per request; failures are logged below.
    const app = Fastify({ bodyLimit: config.apiBodyLimitBytes, logger: false, exposeHeadRoutes: false });
    const routes: Array<{ method: string; url: string }> = [];
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'OPTIONS') routes.push({ method: m, url: r.url });
    });
    corsHooks(app, config.apiCorsOrigins);
    // The presented token is checked once per request (SHA-256 and a constant-time compare): the
    // rate limit's key reuses the check the authentication made.
    const checked = new WeakMap<FastifyRequest, string | null>();
    const tokenOf = (req: FastifyRequest): string | null => {
      let t = checked.get(req);
      if (t === undefined) checked.set(req, (t = tokens.check(req.headers[AUTH_HEADER])));
      return t;
    };
    app.addHook('onRequest', async (req, reply) => {
      if (config.apiAuth === 'off' || req.method === 'OPTIONS' || PUBLIC.has(req.url.split('?')[0]!)) return;
      if (tokenOf(req) === null) return reply.code(401).send({ error: `missing or unknown ${AUTH_HEADER} header` });
    });
    if (config.apiRateLimit > 0)
      await app.register(rateLimit, {
        max: config.apiRateLimit,
        timeWindow: 60_000,
        keyGenerator: (req) => {
          const t = tokenOf(req);
          return t ? `token:${t}` : `ip:${req.ip}`;
        },
        errorResponseBuilder: (_req, c) => ({ statusCode: 429, error: `rate limit: ${c.max} requests per minute; retry in ${c.after}` }),
      });
    app.setErrorHandler((error: FastifyError, req, reply) => {
      const status = error.statusCode ?? 500;
      if (status === 429) return reply.code(429).send({ error: error.message });
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        return reply.code(413).send({ error: `request body larger than ${config.apiBodyLimitBytes} bytes (CAGED_API_BODY_LIMIT_KB)` });
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
        return reply.code(400).send({ error: `the body is not valid JSON: ${error.message}` });
      if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
      logger.error({ ...errorFields(error), method: req.method, url: req.url.split('?')[0] }, 'request failed');
      return reply.code(500).send({ error: 'internal error' });
    });
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));
    const doc = openApiDocument(version);
    app.get('/openapi.json', () => doc);
    judge0Routes(app, ctx);
    v1Routes(app, ctx);
    await app.ready();
    return new ApiServer(app, { client, queue, connection }, routes);
  }

  /** Listens; resolves to the port (CAGED_API_PORT 0 picks one). */
  async listen(host: string, port: number): Promise<number> {
    await this.app.listen({ host, port });
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  /** Stops listening and disconnects; idempotent, every step runs. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const results = await Promise.allSettled([this.app.close(), this.parts.client.close()]);
      results.push(...(await Promise.allSettled([this.parts.queue.close()])));
      results.push(...(await Promise.allSettled([this.parts.connection.close()])));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return this.closing;
  }
}

/** CORS only for the configured origins (`*` for any); nothing at all when none are. */
function corsHooks(app: FastifyInstance, origins: string): void {
  const allowed = origins
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (allowed.length === 0) return;
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return;
    void reply.header('access-control-allow-origin', allowed.includes('*') ? '*' : origin).header('vary', 'origin');
    if (req.method === 'OPTIONS')
      return reply
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', `content-type, ${AUTH_HEADER}`)
        .code(204)
        .send();
  });
  app.options('*', (_req, reply) => reply.code(204).send());
}
