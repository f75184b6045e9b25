/**
 * Whether the worker's Redis connection is up, told once per change: a Redis outage logs one
 * error when it starts (the first connection error or close) and one line when it ends (the
 * next 'ready' of either BullMQ connection), with how long it lasted and how many connection
 * errors were swallowed meanwhile (ioredis retries every few seconds, on two connections: one
 * line per retry said nothing new). The `caged_redis_connected` gauge follows the same state.
 *
 * Errors that are not about the connection (a Lua script error, say) are not an outage: they
 * are logged each time, as before.
 */
import type { Gauge } from 'prom-client';
import { errorFields, type Logger } from './log';

/** Error codes and messages of a lost or refused connection (Node's socket errors, ioredis, ioredis Cluster). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  // Redis Cluster (ioredis): no node answered a slots refresh, a slot without a reachable master.
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|MaxRetriesPerRequest|Failed to refresh slots cache|None of startup nodes is available|CLUSTERDOWN|Too many Cluster redirections|Cluster isn't ready/i.test(
    err.message,
  );
}

export class RedisWatch {
  private downSince: number | null = null;
  private swallowed = 0;

  constructor(
    private readonly log: Logger,
    private readonly gauge?: Gauge,
  ) {}

  /** The connection is up (at start, and on every 'ready'). */
  up(): void {
    this.gauge?.set(1);
    if (this.downSince === null) return;
    const downMs = Date.now() - this.downSince;
    this.log.info({ downMs, errors: this.swallowed }, 'Redis connection back');
    this.downSince = null;
    this.swallowed = 0;
  }

  /** A connection error or close; `err` undefined for a close without one. */
  down(err?: unknown): void {
    if (this.downSince !== null) {
      this.swallowed++;
      return;
    }
    this.downSince = Date.now();
    this.gauge?.set(0);
    this.log.error(err === undefined ? {} : errorFields(err), 'Redis connection lost: jobs wait until it is back (ioredis reconnects)');
  }

  /** A queue error: an outage when it is about the connection, else logged as it is. */
  error(err: unknown): void {
    if (isConnectionError(err)) this.down(err);
    else this.log.warn(errorFields(err), 'queue error');
  }

  get connected(): boolean {
    return this.downSince === null;
  }
}
