/**
 * Watches the worker's event loop, which also runs every box's wall and CPU limit timers: if
 * something holds it (a long synchronous step), limits are enforced late for every box. Two
 * instruments:
 *
 * - `perf_hooks.monitorEventLoopDelay`: a histogram of timer delays sampled every
 *   `resolutionMs` (default 10 ms), read and reset by `snapshot()` (each /metrics scrape), so a
 *   scrape sees the delays since the previous one;
 * - a stall detector: a timer due every `checkMs` (default 50 ms) that finds it came late by
 *   more than `stallMs` (default 100 ms) counts a stall and calls `onStall` with how long the
 *   loop was held (the worker logs it).
 *
 * Both timers are unref'd: the watchdog never keeps the process alive. `stop()` is idempotent.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopWatchdogOptions {
  resolutionMs?: number;
  checkMs?: number;
  stallMs?: number;
  /** Called (on the event loop, once it is free again) after each stall, with its length in ms. */
  onStall?: (blockedMs: number) => void;
}

export interface EventLoopDelaySnapshot {
  /** Event-loop delays since the last snapshot, in seconds. */
  maxSeconds: number;
  p99Seconds: number;
  p50Seconds: number;
  meanSeconds: number;
  samples: number;
}

export class EventLoopWatchdog {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stalls = 0;
  private longestStallMs = 0;

  constructor(private readonly opts: EventLoopWatchdogOptions = {}) {}

  start(): this {
    if (this.histogram) return this;
    this.histogram = monitorEventLoopDelay({ resolution: this.opts.resolutionMs ?? 10 });
    this.histogram.enable();
    const checkMs = this.opts.checkMs ?? 50;
    const stallMs = this.opts.stallMs ?? 100;
    let last = process.hrtime.bigint();
    this.timer = setInterval(() => {
      const now = process.hrtime.bigint();
      const late = Number(now - last) / 1e6 - checkMs;
      last = now;
      if (late > stallMs) {
        this.stalls++;
        this.longestStallMs = Math.max(this.longestStallMs, late);
        this.opts.onStall?.(late);
      }
    }, checkMs);
    this.timer.unref();
    return this;
  }

  /** Stalls seen since start, and the longest, in ms. */
  get stallCount(): number {
    return this.stalls;
  }

  get longestStall(): number {
    return this.longestStallMs;
  }

  /** Delays since the previous snapshot (or start); resets the histogram. */
  snapshot(): EventLoopDelaySnapshot {
    const h = this.histogram;
    if (!h || h.count === 0) return { maxSeconds: 0, p99Seconds: 0, p50Seconds: 0, meanSeconds: 0, samples: 0 };
    const s = {
      maxSeconds: h.max / 1e9,
      p99Seconds: h.percentile(99) / 1e9,
      p50Seconds: h.percentile(50) / 1e9,
      meanSeconds: h.mean / 1e9,
      samples: h.count,
    };
    h.reset();
    return s;
  }

  stop(): void {
    this.histogram?.disable();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
