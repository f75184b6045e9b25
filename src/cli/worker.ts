/**
 * `caged worker`: consumes the queue until a signal stops it. Configured only by CAGED_*
 * environment variables (`caged worker --help` prints them); every bad one is reported at once
 * and nothing connects.
 *
 * Signals (two-stage, like graphile/worker):
 * 1. first SIGTERM/SIGINT: stop taking jobs, let the running ones finish for up to
 *    CAGED_SHUTDOWN_TIMEOUT_MS, then hand the rest back to the queue; exit 0;
 * 2. second signal: hand running jobs back now; exit 0 once they are back;
 * 3. a third signal is not caught any more: the process dies at once (the jobs then return
 *    through the stalled-job check, the host is cleaned by the next worker's start).
 */
import { configTable, loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { WorkerRuntime, type CloseReport } from '../queue/runtime';
import { WORKER_USAGE } from './usage';

export async function workerCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(`${WORKER_USAGE}\n\nConfiguration (environment variables):\n\n${configTable()}\n`);
    return 0;
  }
  if (argv.length > 0) throw new InvalidRequestError('caged worker takes no arguments: configure it with CAGED_* variables', argv[0]);
  const config = loadConfig(process.env);
  // Listening before the start: the worker takes jobs before its start has finished (the batch
  // worker, the HTTP endpoint), and a SIGTERM then must drain them, not kill the process.
  const report = await untilSignalled(WorkerRuntime.start(config));
  return report.errors.length > 0 ? 1 : 0;
}

/**
 * Runs until SIGTERM/SIGINT and the shutdown they start have finished. The handlers are installed
 * at once; a signal received while the runtime is still starting takes effect when it has started.
 */
export function untilSignalled(starting: Promise<WorkerRuntime>): Promise<CloseReport> {
  return new Promise<CloseReport>((resolve, reject) => {
    const received: NodeJS.Signals[] = [];
    let acted = 0;
    let runtime: WorkerRuntime | undefined;
    const stopListening = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
    const finish = (p: Promise<CloseReport>): void => {
      p.then(
        (r) => {
          stopListening();
          resolve(r);
        },
        (err: unknown) => {
          stopListening();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    const act = (): void => {
      if (runtime === undefined) return;
      const log = runtime.logger;
      while (acted < received.length && acted < 2) {
        const signal = received[acted++];
        if (acted === 1) {
          log.info(
            { signal, active: runtime.worker.active, timeoutMs: runtime.config.shutdownTimeoutMs },
            'shutting down: finishing running jobs (signal again to hand them back now)',
          );
          finish(runtime.shutdown());
        } else {
          log.warn(
            { signal, active: runtime.worker.active },
            'second signal: handing running jobs back now (a third one kills the process)',
          );
          finish(runtime.handBackNow());
        }
      }
    };
    function onSignal(signal: NodeJS.Signals): void {
      received.push(signal);
      if (received.length >= 2) stopListening();
      act();
    }
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    starting.then(
      (r) => {
        runtime = r;
        act();
      },
      (err: unknown) => {
        stopListening();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
