/**
 * Redis connection options from a URL, for BullMQ. `maxRetriesPerRequest: null` makes ioredis
 * queue commands while Redis is away and send them once it is back (BullMQ requires it for
 * workers); the retry strategy reconnects after 0.5, 1, 2, 4 s, then every 5 s, forever.
 *
 * Redis Cluster: `cluster: true` treats the URL as one seed node and connects an ioredis
 * Cluster; the queue's prefix must then be a hash tag (`{caged}`) so that every key of the
 * queue hashes to one slot, which BullMQ's Lua scripts need (src/config.ts refuses a prefix
 * without one). While the master of that slot is away (killed, restarting, failing over to its
 * replica), a command is retried every CLUSTER_RETRY_DELAY_MS for CLUSTER_OUTAGE_MS before it
 * fails, as a single Redis's commands wait for the reconnection (docs/queue.md, "Redis Cluster").
 */
import { Cluster, Redis } from 'ioredis';
import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { HostError, InvalidRequestError } from '../errors';

export interface RedisConnection {
  /** What to pass as `connection` to a BullMQ Queue, Worker or QueueEvents. */
  readonly options: ConnectionOptions;
  /** Closes what this module opened (the Cluster instance); idempotent. */
  close(): Promise<void>;
}

/** Reconnect delays: 0.5, 1, 2, 4 s, then every 5 s, never giving up. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.max(1, attempt));
}

export function redisOptionsFromUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidRequestError(`not a URL: ${JSON.stringify(url)}`, 'redis url');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new InvalidRequestError(`must be redis:// or rediss:// (got ${u.protocol})`, 'redis url');
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new InvalidRequestError(`bad database number ${JSON.stringify(u.pathname.slice(1))}`, 'redis url');
  const opts: RedisOptions = {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
  };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

/** Delay between tries of a command while its slot has no reachable master (CLUSTERDOWN, a closed connection, TRYAGAIN). */
export const CLUSTER_RETRY_DELAY_MS = 200;
/** How long a command keeps trying through such an outage: longer than a failover at Redis's default cluster-node-timeout (15 s). */
export const CLUSTER_OUTAGE_MS = 120_000;

/**
 * An ioredis Cluster seeded with the node of `url` (its credentials and TLS apply to every node).
 * ioredis counts every retry of a command as a redirection; a lost master costs two per try (the
 * refused connection, then a MOVED back to it from another node), hence the bound below.
 */
export function clusterFromUrl(url: string): Cluster {
  const { host, port, db, retryStrategy: _r, ...redisOptions } = redisOptionsFromUrl(url);
  if (db !== 0) throw new InvalidRequestError(`a Redis Cluster has only database 0 (got ${db})`, 'redis url');
  return new Cluster([{ host, port }], {
    redisOptions, // includes maxRetriesPerRequest: null, per node
    clusterRetryStrategy: reconnectDelayMs,
    retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
    maxRedirections: Math.ceil((2 * CLUSTER_OUTAGE_MS) / CLUSTER_RETRY_DELAY_MS),
  });
}

export function redisConnection(url: string, opts: { cluster?: boolean } = {}): RedisConnection {
  const base = redisOptionsFromUrl(url);
  if (!opts.cluster) return { options: base, close: () => Promise.resolve() };
  const cluster = clusterFromUrl(url);
  cluster.on('error', () => undefined); // BullMQ's own listeners report it; ioredis keeps trying
  let closing: Promise<void> | undefined;
  return {
    options: cluster,
    close: () => {
      closing ??= cluster.quit().then(
        () => undefined,
        () => cluster.disconnect(),
      );
      return closing;
    },
  };
}

/**
 * Fails fast (HostError) when Redis does not answer PING within `timeoutMs`: for commands a
 * person runs (`caged demo`, `caged submit`), which would otherwise wait for Redis forever.
 */
export async function checkRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new HostError(
      `Redis at ${url} does not answer (${err instanceof Error ? err.message : String(err)}): start it (scripts/setup-host.sh does) or set CAGED_REDIS_URL`,
    );
  } finally {
    probe.disconnect();
  }
}
