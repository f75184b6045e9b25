/**
 * Runs the built-in checkers where they cannot stall the worker. The checkers are linear
 * (checkers.ts), but comparing megabytes still takes tens of milliseconds, and the worker's
 * event loop is also what enforces every running box's wall and CPU limits (their timers), so
 * a check larger than `inlineBytes` runs in a checking thread (node:worker_threads):
 *
 *   up to `threads` long-lived threads, started on first need, each fed one check at a time
 *   through postMessage; a check goes to an idle thread, else a new one while fewer than
 *   `threads` run, else the one with the shortest queue. The two buffers are handed over
 *   (transferred, not copied: a copy of 8 MiB costs 3 to 18 ms here) when the caller says it
 *   is done with them and they own their memory; otherwise they are copied.
 *
 * Small checks stay inline: at `inlineBytes` (64 KiB of output and answer together) the worst
 * case (one-byte tokens, whitespace differing everywhere) holds the event loop for about
 * 0.3 ms, under the CPU watchdog's 2 ms poll, while the round trip to a thread costs 0.2 to
 * 0.9 ms (measured on the 2-core build host under load: 16 KiB 0.14 ms inline / 0.29 ms thread,
 * 32 KiB 0.28 / 0.91, 64 KiB 0.60 / 1.29, 256 KiB 2.5 / 3.5). A thread that dies fails its pending checks with a
 * HostError (retryable: the fault is the host's) and is replaced at the next check. A checker
 * costlier per byte (DMOJ's `sorted` sorts: checkCost) stays inline on proportionally fewer bytes.
 * `close()` ends the threads; it is idempotent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HostError } from '../errors';
import { checkCost, runBuiltinChecker, type BuiltinChecker, type CheckOutcome } from './checkers';
import type { CheckReply, CheckRequest } from './check-thread';

export interface CheckRunnerOptions {
  /** Largest output + answer, in bytes, checked on the event loop; default 64 KiB. */
  inlineBytes?: number;
  /** Checking threads at most; default 1. */
  threads?: number;
}

export interface CheckResult {
  outcome: CheckOutcome;
  /** Time from asking to having the outcome, in ms (thread hand-off included). */
  ms: number;
  /** Where it ran. */
  where: 'inline' | 'thread';
}

export const DEFAULT_INLINE_CHECK_BYTES = 64 * 1024;

interface Pending {
  resolve: (r: { outcome: CheckOutcome }) => void;
  reject: (e: Error) => void;
}

class CheckThread {
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: CheckReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in reply) p.reject(new HostError(`the checking thread failed: ${reply.error}`));
      else p.resolve({ outcome: reply.outcome });
    });
    worker.on('error', (err) => this.die(new HostError(`the checking thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.die(new HostError(`the checking thread exited (code ${code})`)));
    worker.unref(); // an idle checking thread does not keep the process alive; a busy one does
  }

  get alive(): boolean {
    return this.dead === null;
  }

  get load(): number {
    return this.pending.size;
  }

  check(req: CheckRequest, transfer: ArrayBuffer[]): Promise<{ outcome: CheckOutcome }> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, transfer);
    });
  }

  private die(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    this.worker.unref();
  }

  async close(): Promise<void> {
    this.die(new HostError('the checking thread was closed'));
    await this.worker.terminate();
  }
}

export class CheckRunner {
  private threads: CheckThread[] = [];
  private seq = 0;
  private closed = false;
  private readonly inlineBytes: number;
  private readonly maxThreads: number;

  constructor(opts: CheckRunnerOptions = {}) {
    this.inlineBytes = opts.inlineBytes ?? DEFAULT_INLINE_CHECK_BYTES;
    this.maxThreads = Math.max(1, opts.threads ?? 1);
  }

  /** Threads running now (for tests and stats). */
  get threadCount(): number {
    return this.threads.filter((t) => t.alive).length;
  }

  /**
   * Checks `output` against `answer`. With `handOver`, the caller is done with both buffers:
   * those that own their whole memory are transferred to the thread and are empty afterwards.
   */
  async check(checker: BuiltinChecker, output: Buffer, answer: Buffer, opts: { handOver?: boolean } = {}): Promise<CheckResult> {
    if (this.closed) throw new HostError('the check runner is closed');
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    if ((output.length + answer.length) * checkCost(checker) <= this.inlineBytes) {
      const outcome = runBuiltinChecker(checker, output, answer);
      return { outcome, ms: elapsed(), where: 'inline' };
    }
    const transfer = opts.handOver ? [output, answer].filter(ownsMemory).map((b) => b.buffer as ArrayBuffer) : [];
    const { outcome } = await this.pick().check({ id: ++this.seq, checker, output, answer }, transfer);
    return { outcome, ms: elapsed(), where: 'thread' };
  }

  /** Ends every thread; pending checks fail. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const threads = this.threads;
    this.threads = [];
    await Promise.allSettled(threads.map((t) => t.close()));
  }

  private pick(): CheckThread {
    this.threads = this.threads.filter((t) => t.alive);
    const idle = this.threads.find((t) => t.load === 0);
    if (idle) return idle;
    if (this.threads.length < this.maxThreads) {
      const t = new CheckThread(startThread());
      this.threads.push(t);
      return t;
    }
    return this.threads.reduce((a, b) => (b.load < a.load ? b : a));
  }
}

/** A buffer that is the whole of an ordinary ArrayBuffer (not a slice of Node's pool). */
function ownsMemory(b: Buffer): boolean {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
}

/**
 * Starts check-thread in a thread. From the build that is check-thread.js; from the TypeScript
 * sources (the tests, under ts-jest) the thread compiles check-thread.ts and checkers.ts itself
 * with the project's TypeScript, as ts-jest does for the main thread.
 */
function startThread(): Worker {
  const js = path.join(__dirname, 'check-thread.js');
  if (fs.existsSync(js) && __filename.endsWith('.js')) return new Worker(js);
  const ts = path.join(__dirname, 'check-thread.ts');
  const bootstrap = `
    const fs = require('node:fs');
    const ts = require('typescript');
    require.extensions['.ts'] = (module, filename) => {
      const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: filename,
      });
      module._compile(out.outputText, filename);
    };
    require(${JSON.stringify(ts)});
  `;
  return new Worker(bootstrap, { eval: true });
}
