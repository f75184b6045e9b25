/**
 * Reaps container inits without blocking: on SIGCHLD (and on a safety poll, which also keeps
 * the event loop alive while a run's child lives, since Node's signal listeners are unref'd)
 * every watched pid gets a synchronous wait4(WNOHANG). Idle prepared containers do not keep
 * the process alive: they die with it (PDEATHSIG). Never wait4 on the libuv pool: a run
 * would hold one of its few threads for the run's whole length, and enough long runs would
 * starve every other user of the pool (fs, dns, zlib). The run sequence: docs/architecture.md.
 */
import type { NativeApi, WaitOutcome } from './native';

const SAFETY_POLL_MS = 50;
/** Pace of the quick polls once a child is known to be exiting, in ms. */
const EXITING_POLL_MS = 1;

export class Reaper {
  private readonly waiting = new Map<number, (w: WaitOutcome) => void>();
  /** Watched pids that keep the event loop alive. */
  private readonly holding = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly onSigchld = () => this.poll();

  constructor(private readonly native: NativeApi) {}

  /**
   * Resolves when `pid` (a child of this process) has ended and been reaped. While it has not,
   * the event loop stays alive unless `keepAlive` is false (see `hold`).
   */
  watch(pid: number, keepAlive = true): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      this.waiting.set(pid, resolve);
      if (keepAlive) this.holding.add(pid);
      if (this.waiting.size === 1) {
        process.on('SIGCHLD', this.onSigchld);
        this.timer = setInterval(() => this.poll(), SAFETY_POLL_MS);
      }
      this.refTimer();
      // It may already have ended before we listened.
      this.poll();
    });
  }

  /** From now on `pid` keeps the event loop alive (a prepared container given its run). */
  hold(pid: number): void {
    if (!this.waiting.has(pid)) return;
    this.holding.add(pid);
    this.refTimer();
  }

  private refTimer(): void {
    if (!this.timer) return;
    if (this.holding.size > 0) this.timer.ref();
    else this.timer.unref();
  }

  /**
   * The caller knows `pid` is exiting (its control socket hit EOF, which happens in the
   * kernel's exit path just before the process becomes a zombie): poll quickly until it is
   * reaped, without depending on SIGCHLD (which some embedders, such as jest's sandbox,
   * never deliver to listeners).
   */
  exiting(pid: number): void {
    const tick = () => {
      if (!this.waiting.has(pid)) return;
      this.pollOne(pid);
      if (this.waiting.has(pid)) setTimeout(tick, EXITING_POLL_MS);
    };
    tick();
  }

  get watching(): number {
    return this.waiting.size;
  }

  poll(): void {
    for (const pid of [...this.waiting.keys()]) this.pollOne(pid);
  }

  private pollOne(pid: number): void {
    const resolve = this.waiting.get(pid);
    if (!resolve) return;
    let outcome: WaitOutcome | null;
    try {
      outcome = this.native.tryWait(pid);
    } catch {
      // ECHILD: somebody else reaped it; report it as killed so the run can finish.
      outcome = { pid, status: 9, rusage: { userNs: 0n, systemNs: 0n, maxRssKb: 0 } };
    }
    if (!outcome) return;
    this.waiting.delete(pid);
    this.holding.delete(pid);
    this.refTimer();
    resolve(outcome);
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      process.off('SIGCHLD', this.onSigchld);
    }
  }
}
