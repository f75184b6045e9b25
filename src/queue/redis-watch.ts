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

/**
 * A Redis Cluster failover seen by a blocking command (BullMQ's wait for jobs): the master it
 * waited on became a replica and unblocked it. Nothing is lost; BullMQ blocks again on the new master.
 */
export function isFailoverNotice(err: unknown): boolean {
  return err instanceof Error && /^UNBLOCKED\b/.test(err.message);
}

/**
 * The job whose report (completed, failed, delayed, back to wait) Redis refused because this
 * worker no longer holds its lock: BullMQ's "Missing lock for job ID. CMD" (code -2), "Lock
 * mismatch for job ID. …" (-6), "Job ID is not in the active state. …" (-3), and "Missing key
 * for job ID. …" (-1: the job finished and was removed, CAGED_KEEP_COMPLETED_S=0). It happens
 * when a try of the report landed but its reply was lost with the connection (Redis applied
 * it, then went away before answering; ioredis or BullMQ sent it again), or when the lock ran
 * out and the stalled-job check handed the job to the queue again. Null for any other error.
 */
export function refusedReportJob(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  const m =
    code === -1
      ? /^Missing key for job (.+)\. \S+$/s.exec(err.message)
      : code === -2
        ? /^Missing lock for job (.+)\. \S+$/s.exec(err.message)
        : code === -6
          ? /^Lock mismatch for job (.+)\. Cmd \S+ from \S*$/s.exec(err.message)
          : code === -3
            ? /^Job (.+) is not in the active state\. \S+$/s.exec(err.message)
            : null;
  return m ? m[1]! : null;
}

/** How long a probe of the queue's slot may take before the cluster counts as away, and how often it is probed meanwhile. */
export const PROBE_TIMEOUT_MS = 1000;
export const PROBE_INTERVAL_MS = 1000;

/** The events of an ioredis Cluster that watchCluster listens to. */
export interface ClusterEvents {
  on(event: '-node' | 'node error', listener: (...args: never[]) => void): unknown;
  off(event: '-node' | 'node error', listener: (...args: never[]) => void): unknown;
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
    else if (isFailoverNotice(err)) this.log.info(errorFields(err), 'Redis Cluster failover: a blocking read was interrupted (retried)');
    else this.log.warn(errorFields(err), 'queue error');
  }

  /**
   * Redis Cluster: a lost master closes no connection of the Cluster (the other nodes answer) and
   * its return brings no 'ready'. So a node lost or failing (`-node`, `node error`) starts probing
   * the queue's own slot: a probe unanswered within PROBE_TIMEOUT_MS starts the outage, the first
   * answered one ends it (and the probing). Returns the function that stops watching.
   */
  watchCluster(cluster: ClusterEvents, probe: () => Promise<unknown>): () => void {
    let probing = false;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      let timeout: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        probe().then(
          () => true,
          () => false,
        ),
        new Promise<false>((r) => (timeout = setTimeout(r, PROBE_TIMEOUT_MS, false).unref())),
      ]);
      clearTimeout(timeout);
      if (stopped) return;
      if (answered) {
        this.up();
        probing = false;
        return;
      }
      this.down(new Error(`the master of the queue's slot does not answer (${PROBE_TIMEOUT_MS} ms)`));
      timer = setTimeout(() => void tick(), PROBE_INTERVAL_MS).unref();
    };
    const start = (): void => {
      if (probing || stopped) return;
      probing = true;
      void tick();
    };
    const onNodeError = (err: unknown): void => {
      if (isConnectionError(err)) start();
    };
    cluster.on('-node', start);
    cluster.on('node error', onNodeError);
    return () => {
      stopped = true;
      clearTimeout(timer);
      cluster.off('-node', start);
      cluster.off('node error', onNodeError);
    };
  }

  get connected(): boolean {
    return this.downSince === null;
  }
}
