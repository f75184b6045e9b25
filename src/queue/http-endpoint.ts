/**
 * The worker's small HTTP endpoint (node:http, off unless a port is configured):
 * - `GET /healthz`: 200 `{"status":"ok"}` while connected to Redis and taking jobs, 503 with the
 *   reason (`draining`, `disconnected`, `closed`) otherwise — a load balancer or orchestrator
 *   stops counting on a draining worker;
 * - `GET /metrics`: Prometheus text from the worker's registry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerMetrics } from './metrics';

export interface Health {
  ok: boolean;
  status: string;
}

export interface HttpEndpointOptions {
  port: number;
  host: string;
  metrics: WorkerMetrics;
  health: () => Promise<Health> | Health;
}

export class HttpEndpoint {
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: http.Server) {}

  static async listen(opts: HttpEndpointOptions): Promise<HttpEndpoint> {
    const server = http.createServer((req, res) => {
      void respond(opts, req, res);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new HttpEndpoint(server);
  }

  /** The port actually bound (useful with port 0 in tests). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops idle keep-alive connections; idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closing;
  }
}

async function respond(opts: HttpEndpointOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = (req.url ?? '/').split('?')[0];
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'method not allowed\n');
    } else if (url === '/healthz') {
      const h = await opts.health();
      send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: h.status })}\n`);
    } else if (url === '/metrics') {
      const m = await opts.metrics.text();
      send(res, 200, m.contentType, m.body);
    } else {
      send(res, 404, 'text/plain', 'not found: try /healthz or /metrics\n');
    }
  } catch (err) {
    send(res, 500, 'text/plain', `${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
