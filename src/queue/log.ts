/**
 * Structured logs: one JSON object per line on stdout (pino). Every line of the worker carries
 * `worker` (its name, also `job.processedBy`); lines about a job add `job`, lines about a test
 * case add `test` (graphile/worker's scoped logger: "worker-1 job 42 test 3").
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level; 'silent' turns logging off. */
  level: string;
  /** The worker's name, put on every line. */
  worker?: string;
  /** Where the lines go; default stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const base = opts.worker === undefined ? { pid: process.pid } : { pid: process.pid, worker: opts.worker };
  return pino(
    { level: opts.level, base, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: pino.stdSerializers.err } },
    opts.destination ?? process.stdout,
  );
}

/** The logger for one job. */
export function jobLogger(worker: Logger, jobId: string | undefined): Logger {
  return worker.child({ job: jobId ?? null });
}

/** The logger for one test case of a job. */
export function testLogger(job: Logger, testIndex: number): Logger {
  return job.child({ test: testIndex });
}

/**
 * An error as log fields: `{ err }`, which pino's error serializer (pino.stdSerializers.err,
 * pino's default for `err`) writes with its class (`type`), message, stack, cause and own
 * properties (`code`, `field`…). A thrown non-Error is wrapped so that it is logged alike.
 */
export function errorFields(err: unknown): { err: Error } {
  if (err instanceof Error) return { err };
  return { err: new Error(`non-Error thrown: ${typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err))}`) };
}
