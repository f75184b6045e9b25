/**
 * One run of one container, from the worker's side (process A): A's half of the run sequence
 * told in docs/architecture.md (steps 1 to 5), from handing a prepared container its run to
 * collecting what the program did.
 *
 * The result is returned once every process of the program is dead and the cgroup's counters
 * are read: when B has reported the program's end ('X', sent after B killed and reaped every
 * other process of its PID namespace), or when B itself has been reaped (a run A killed). B's
 * own exit (the namespaces' teardown) and the cgroup's removal then finish off the critical
 * path (`ContainerRunDeps.background`): the next run never waits on them, and a failure there
 * is counted and reported by the sandbox. The host id lease is released with the result (no
 * process of that uid is left; what it wrote in the run's tmpfs dies with B's mount namespace).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import type { BoxCgroup, CgroupStats } from '../cgroup/manager';
import { AbortedError, HostError } from '../errors';
import { ChildError } from './child-error';
import type { HostIdLease } from './host-ids';
import type { NativeApi, WaitOutcome } from './native';
import { OutputCollector } from './output-collector';
import type { PreparedContainer } from './prepared-containers';
import { MSG, SIZES, STAGE_OP, decodeMessage, type ChildMessage } from './protocol';
import type { Reaper } from './reaper';
import type { RunControl } from './run-control';
import type { LimitHit, RunLimits, RunResult } from './types';

/** How long the set-up (clone to exec) may take before the host is considered at fault. */
const SETUP_TIMEOUT_MS = 15_000;
/** Shortest interval between two CPU-usage checks, in ms. */
const CPU_POLL_MIN_MS = 2;

/** Signal names by number; the first name wins, so aliases (SIGIOT, SIGUNUSED, SIGPOLL) lose. */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(os.constants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);

export function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `SIG${n}`;
}

export interface ContainerRunDeps {
  native: NativeApi;
  reaper: Reaper;
  ids: HostIdLease;
  /** Called once when the set-up is over: the program started, or the run ended without it. */
  setUpDone: () => void;
  /** CPUs the container can use at once (to pace the CPU watchdog). */
  cpus: number;
  /** The CPUs the run is pinned to (CAGED_CPUS), set with its limits; absent: not pinned. */
  pinnedCpus?: readonly number[];
  syscallName: (nr: number, arch: number) => string;
  describeOp: (index: number) => string;
  /** Takes the rest of the teardown (B's reaping, the cgroup's removal) off the run's critical path. */
  background: (teardown: Promise<void>) => void;
  /**
   * No cgroup (src/cgroup/rlimits.ts): the CPU limit is the program's RLIMIT_CPU, so a program
   * the kernel ended for it (SIGXCPU, SIGKILL at the hard limit) is TLE even when its rusage
   * falls short of the limit (RLIMIT_CPU_MIN_SHARE).
   */
  cpuByRlimit?: boolean;
  /** Ends the run when it aborts (RunPlan.signal): the container is killed, the run rejects with AbortedError. */
  signal?: AbortSignal;
}

/**
 * The share of the CPU limit above which an rlimit's SIGXCPU/SIGKILL counts as TLE. RLIMIT_CPU
 * is checked against the process's CPU clock in whole scheduler ticks (a tick the program was
 * running at counts whole), while wait4's rusage is its precise run time: on a loaded machine
 * the first runs ahead. Measured on a 2-core VM under load: the kernel's SIGXCPU at a 1 s limit
 * came at 0.80–0.92 s of rusage (1.001–1.004 s idle). A program's own raise(SIGXCPU) after half
 * its limit also counts as TLE: a failing verdict either way.
 */
const RLIMIT_CPU_MIN_SHARE = 0.5;

export interface ContainerFds {
  /** The read end of the program's stdout pipe; null when its stdout goes elsewhere (a pair's pipe). */
  stdout: number | null;
  stderr: number;
  /**
   * The read ends are O_NONBLOCK (native.pipe(true)): a run that ends within OUTPUT_STREAM_AFTER_MS
   * of its start has its output drained at its end, without streams. Else streams from the start.
   */
  nonBlocking?: boolean;
}

/**
 * How long after the program's start ('S') its output pipes get streams (output-collector.ts),
 * in ms: a run ended by then is drained at its end without any; a program that fills a pipe
 * (64 KiB) sooner waits at most this long (plus the event loop's delay) for the reader.
 */
const OUTPUT_STREAM_AFTER_MS = 2;

export class ContainerRun {
  private pid = -1;
  private reaped = false;
  private killedFor: LimitHit = null;
  private hostFault: Error | null = null;
  private childError: ChildError | null = null;
  private exit: ChildMessage | null = null;
  private startedAt = 0n;
  private cgroup: BoxCgroup | null = null;
  /**
   * What the box's CPU count held when B's set-up was over: B's own work (the preparation, the
   * run's mounts, the program's user namespace), not billed to the program. A never hears from B
   * between the run's hand-over and the program's start, so it is put together from two reads:
   * the cgroup's count and B's CPU clock, read together just before the hand-over (`handOver`),
   * and B's CPU clock when its set-up was over, which B reports in 'S'. The cgroup's count then
   * is the first plus what B used in between; it bills from there on whatever runs in the box
   * (the program's tree, B's supervision), as before. Both are the scheduler's runtime, in ns.
   * Exact when B is idle at the hand-over (a container prepared ahead waits in recvmsg); when B
   * is still preparing, the cgroup may not yet count the slice B is running (under one
   * scheduler tick), which is billed. Rlimits only, the count is B's children's rusage, which
   * never held B's own: no baseline.
   */
  private cpuBaselineNs = 0;
  private handOver: { boxCpuNs: number; initCpuNs: bigint } | null = null;
  private endedAt = 0n;
  /** When A read B's report of the program's end, and when A first killed the run: what orders a pair's ends. */
  private exitSeenAt = 0n;
  private killedAt = 0n;
  private wallTimer: NodeJS.Timeout | null = null;
  private cpuTimer: NodeJS.Timeout | null = null;
  private setupTimer: NodeJS.Timeout | null = null;
  /** Attaches the output streams a little after the program's start (OUTPUT_STREAM_AFTER_MS). */
  private outputTimer: NodeJS.Timeout | null = null;
  private collectors: OutputCollector[] = [];
  private setUpReported = false;
  /** Resolves when B reports the program's end ('X'). */
  private reportedEnd: () => void = () => undefined;

  constructor(
    private readonly deps: ContainerRunDeps,
    private readonly limits: RunLimits,
  ) {}

  /**
   * Hands the prepared container its run — `childFds` (stdin, stdout, stderr, configuration,
   * then the program's extra fds;
   * the caller closes its copies once this has started) — and runs it to its end. From here on
   * the run owns the container: B is ended, the cgroup destroyed and the control socket closed whatever
   * happens.
   */
  async run(container: PreparedContainer, childFds: readonly number[], fds: ContainerFds, control?: RunControl): Promise<RunResult> {
    this.pid = container.pid;
    this.cgroup = container.cgroup;
    const abort = this.deps.signal;
    const onAbort = (): void => this.kill(null);
    const waited = container.exited;
    const reported = new Promise<null>((resolve) => {
      this.reportedEnd = () => resolve(null);
    });
    let ctl: net.Socket | null = null;
    const stdout = fds.stdout === null ? null : new OutputCollector(fds.stdout, this.limits.outputBytes, () => this.outputOverflow());
    const stderr = new OutputCollector(fds.stderr, this.limits.outputBytes, () => this.outputOverflow());
    this.collectors = stdout ? [stdout, stderr] : [stderr];
    if (!fds.nonBlocking) this.attachOutputs();
    try {
      try {
        // B starts the program without another word from A: its limits are in place first.
        const cpus = this.deps.pinnedCpus;
        container.cgroup.setLimits({ memoryBytes: this.limits.memoryBytes, pids: this.limits.pids, ...(cpus ? { cpus } : {}) });
        if (!this.deps.cpuByRlimit) {
          this.handOver = { boxCpuNs: container.cgroup.cpuTimeNs(), initCpuNs: this.deps.native.cpuNs(this.pid) };
          this.cpuBaselineNs = this.handOver.boxCpuNs; // until 'S' adds B's set-up of the run
        }
        this.deps.native.sendRun(container.ctl, childFds);
      } catch (err) {
        // B's own report (an 'E' on the socket), if any, is read below and wins.
        this.fault(err instanceof Error ? err : new HostError(String(err)));
      }
      ctl = new net.Socket({ fd: container.ctl, readable: true, writable: true });
      control?.attach(
        () => this.kill(null),
        () => this.cpuUsedNs(),
      );
      abort?.addEventListener('abort', onAbort, { once: true });
      if (abort?.aborted) onAbort();
      this.setupTimer = setTimeout(() => this.fault(new HostError(`container set-up took over ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS);
      const ctlDone = this.listen(ctl);
      // Whichever comes first: B's report of the program's end, or B reaped (killed, or failed).
      const outcome = await Promise.race([waited, reported]);
      this.endedAt = process.hrtime.bigint();
      if (outcome) {
        this.reaped = true;
        // B may be reaped before its last message is read: its exit closes the socket, so wait
        // for that EOF.
        await ctlDone;
      }
      // Every process that could hold the output pipes is dead: they reach EOF (read at once
      // when no stream is attached yet).
      await Promise.all(this.collectors.map((c) => c.finish()));
      // Whatever the run did, it was cut short, or may have been: not its program's answer.
      if (abort?.aborted) throw new AbortedError('the run', abort);
      const result = this.finish(outcome, stdout, stderr);
      if (control) {
        control.endedNs = this.programEndNs();
        // B's exit report counts every byte the program wrote (-1 unknown): when the stderr the
        // worker read, whole, holds them all, it said nothing anywhere else (its stdout included).
        const written = this.exit?.detail;
        control.saidNothing = written === undefined || written < 0 || result.stderrTruncated ? null : written <= result.stderr.length;
      }
      return result;
    } finally {
      abort?.removeEventListener('abort', onAbort);
      this.setUpOver();
      this.clearTimers();
      if (!this.reaped && !this.exit) {
        // Not ended by itself (a fault, a set-up failure): B dies, and with it every process of
        // its PID namespace, before the run returns.
        this.kill(null);
        await waited;
        this.reaped = true;
      }
      stdout?.destroy();
      stderr.destroy();
      // No process of the box's host uid is left (the program's tree is reaped): the id is free.
      const released = this.step(() => this.deps.ids.release());
      this.deps.background(this.finishTeardown(waited, ctl, container.ctl, released));
    }
  }

  /**
   * Off the critical path: waits for B's exit (it exits by itself once it has reported), then
   * closes the control socket and removes the cgroup. Rejects with the first failure, the
   * lease's included.
   */
  private async finishTeardown(waited: Promise<WaitOutcome>, ctl: net.Socket | null, ctlFd: number, released: Error | null): Promise<void> {
    if (!this.reaped) await waited;
    this.reaped = true;
    if (ctl) ctl.destroy();
    else fs.closeSync(ctlFd);
    // An emptied cgroup may go back to its manager's pool (counters reset), else it is removed.
    const removed = this.step(() => this.cgroup?.release());
    const failure = released ?? removed;
    if (failure) throw new HostError(`tearing down the container of an ended run (B ${this.pid}): ${failure.message}`, { cause: failure });
  }

  /** Reads B's messages; resolves at the socket's end. */
  private listen(ctl: net.Socket): Promise<void> {
    let pending: Buffer = Buffer.alloc(0);
    ctl.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= SIZES.msg) {
        this.onMessage(decodeMessage(pending));
        pending = pending.subarray(SIZES.msg);
      }
    });
    // B's end closes when B exits: reap it now rather than at the next SIGCHLD or safety poll.
    return new Promise((resolve) => {
      const ended = () => {
        this.deps.reaper.exiting(this.pid);
        resolve();
      };
      ctl.on('error', ended);
      ctl.on('end', ended);
      ctl.on('close', ended);
    });
  }

  private onMessage(m: ChildMessage): void {
    switch (m.type) {
      case MSG.ERROR:
        this.childError ??= new ChildError(m.stage, m.errno, m.detail, m.stage === STAGE_OP ? this.deps.describeOp(m.detail) : undefined);
        return;
      case MSG.STARTED:
        // B's CPU between the hand-over and the end of its set-up (cpuBaselineNs).
        if (this.handOver) this.cpuBaselineNs = this.handOver.boxCpuNs + Math.max(0, Number(m.cpuNs - this.handOver.initCpuNs));
        if (this.startedAt !== 0n) return; // the program's output told us first (outputOverflow)
        this.startedAt = process.hrtime.bigint();
        this.setUpOver();
        if (this.setupTimer) clearTimeout(this.setupTimer);
        this.wallTimer = setTimeout(() => this.kill('wall'), this.limits.wallTimeMs);
        this.scheduleCpuCheck();
        this.outputTimer ??= setTimeout(() => this.attachOutputs(), OUTPUT_STREAM_AFTER_MS);
        return;
      case MSG.EXIT:
        this.exit = m;
        this.cgroup?.recordUsage?.(Number(m.cpuNs), Number(m.maxRssKb) * 1024);
        this.exitSeenAt = process.hrtime.bigint();
        // The program's tree is dead: no limit can be hit any more.
        this.clearTimers();
        this.reportedEnd();
        return;
      default:
        this.fault(new HostError(`unknown message ${m.type} from the container`));
    }
  }

  /**
   * The CPU limit counts every process and thread, so it is enforced on the cgroup's usage.
   * Usage grows at most `cpus` times faster than wall time, so the next look is due when the
   * remaining budget could be spent at the earliest: few wake-ups, overshoot of ~2 ms.
   */
  private scheduleCpuCheck(): void {
    const limitNs = this.limits.cpuTimeMs * 1e6;
    const check = () => {
      if (this.reaped || this.exit || this.killedFor) return;
      let used: number;
      try {
        used = (this.cgroup?.cpuTimeNs() ?? 0) - this.cpuBaselineNs;
      } catch {
        return; // the cgroup went away with the run
      }
      if (used >= limitNs) {
        this.kill('cpu');
        return;
      }
      const wait = Math.max(CPU_POLL_MIN_MS, (limitNs - used) / 1e6 / this.deps.cpus);
      this.cpuTimer = setTimeout(check, wait);
    };
    // Nothing can be spent before the whole budget could be, at `cpus` times wall time.
    this.cpuTimer = setTimeout(check, Math.max(CPU_POLL_MIN_MS, this.limits.cpuTimeMs / this.deps.cpus));
  }

  /** The program's CPU time so far, from the cgroup (as the CPU limit counts it); null without one, or once it ended. */
  private cpuUsedNs(): number | null {
    // Only while it runs: once it has ended, its cgroup may be released (and pooled) at any time.
    if (this.deps.cpuByRlimit || !this.cgroup || this.reaped || this.exit) return null;
    try {
      return Math.max(0, this.cgroup.cpuTimeNs() - this.cpuBaselineNs);
    } catch {
      return null; // the cgroup went away with the run
    }
  }

  /**
   * When the program ended: the moment B reaped it, on B's CLOCK_MONOTONIC (the clock of
   * process.hrtime, shared: no time namespace), which does not depend on when A's event loop
   * got to read the report; else as A saw it: B's report read, or A's kill, whichever came
   * first (a killed run has no report); the reaping otherwise.
   */
  private programEndNs(): bigint {
    const reaped = this.exit?.endNs ?? 0n;
    if (reaped > 0n && (this.killedAt === 0n || reaped < this.killedAt)) return reaped;
    const seen = [this.exitSeenAt, this.killedAt].filter((t) => t > 0n);
    return seen.length ? seen.reduce((a, b) => (a < b ? a : b)) : this.endedAt;
  }

  /**
   * The program wrote more than its output limit. Only the program writes to these pipes, so it
   * has started even when B's 'S' is still unsent: on a loaded machine the program can flood
   * the pipe before B, resumed after its vfork, gets to report the start. The run is then the
   * program's (OLE), not a set-up failure.
   */
  private outputOverflow(): void {
    // Read at the end (no stream yet): the program wrote more than its limit all the same.
    if (this.exit) this.killedFor ??= 'output';
    if (this.startedAt === 0n) {
      this.startedAt = process.hrtime.bigint();
      this.setUpOver();
    }
    this.kill('output');
  }

  private kill(reason: LimitHit): void {
    if (this.exit && !this.hostFault && !this.childError) return; // ended by itself: nothing to kill
    if (reason && !this.killedFor) this.killedFor = reason;
    if (this.pid > 0 && !this.reaped) {
      if (this.killedAt === 0n) this.killedAt = process.hrtime.bigint();
      try {
        process.kill(this.pid, 'SIGKILL'); // B is PID 1: its death ends the whole namespace
      } catch {
        /* already gone */
      }
    }
  }

  private fault(err: Error): void {
    this.hostFault ??= err;
    this.kill(null);
  }

  private setUpOver(): void {
    if (this.setUpReported) return;
    this.setUpReported = true;
    this.deps.setUpDone();
  }

  private clearTimers(): void {
    for (const t of [this.wallTimer, this.cpuTimer, this.setupTimer, this.outputTimer]) if (t) clearTimeout(t);
  }

  /** The output pipes are read through streams from now on (the run goes on, or is a pair's). */
  private attachOutputs(): void {
    for (const c of this.collectors) c.attach();
  }

  private finish(outcome: WaitOutcome | null, stdout: OutputCollector | null, stderr: OutputCollector): RunResult {
    // The child's own report is the most precise account of a failed set-up.
    if (this.childError) throw this.childError;
    if (this.hostFault) throw this.hostFault;
    if (this.startedAt === 0n) {
      throw new HostError(`container init ended before the program started (wait status ${outcome?.status ?? 'unknown'})`);
    }
    let stats: CgroupStats;
    try {
      if (!this.cgroup) throw new HostError('no cgroup');
      stats = this.cgroup.stats();
    } catch (err) {
      throw new HostError(`reading the run's cgroup: ${(err as Error).message}`);
    }
    const wallNs = this.exit ? Number(this.exit.wallNs) : Number(this.endedAt - this.startedAt);
    let exitCode: number | null = null;
    let signal: string | null = null;
    let forbidden: string | null = null;
    if (this.exit) {
      const st = this.exit.status;
      if ((st & 0x7f) === 0) exitCode = (st >> 8) & 0xff;
      else signal = signalName(st & 0x7f);
      if (this.exit.sysNr >= 0) forbidden = this.deps.syscallName(this.exit.sysNr, this.exit.sysArch);
    } else {
      signal = 'SIGKILL'; // killed with its init by a limit
    }
    if (!forbidden && signal === 'SIGSYS') forbidden = 'a system call of a foreign ABI (i386/x32)';
    const cpuTimeMs = Math.max(0, stats.cpuTimeNs - this.cpuBaselineNs) / 1e6;
    // A limit is hit when the judge measured it, never because of how the program ended: a
    // SIGXCPU or SIGXFSZ may be the program's own raise(), "bad_alloc" its own words. So: CPU
    // and wall time from the cgroup's and the clock's counts, memory from the cgroup's OOM and
    // limit events, output from the bytes the collector read (killedFor); a signal alone is RE.
    let limitHit: LimitHit = this.killedFor;
    if (!limitHit && !forbidden) {
      const failed = exitCode !== 0;
      const byRlimit = this.deps.cpuByRlimit && (signal === 'SIGXCPU' || signal === 'SIGKILL');
      if (cpuTimeMs >= this.limits.cpuTimeMs * (byRlimit ? RLIMIT_CPU_MIN_SHARE : 1)) limitHit = 'cpu';
      else if (wallNs / 1e6 >= this.limits.wallTimeMs) limitHit = 'wall';
      else if (stats.oomKills > 0 || (failed && stats.memoryLimitHits > 0)) limitHit = 'memory';
      else if (failed && stats.pidsLimitHits > 0) limitHit = 'pids';
    }
    return {
      exitCode,
      signal,
      cpuTimeMs: Math.round(cpuTimeMs * 1000) / 1000,
      wallTimeMs: Math.round(wallNs / 1e3) / 1e3,
      memoryBytes: stats.memoryPeakBytes ?? 0,
      limitHit,
      forbiddenSyscall: forbidden,
      stdout: stdout?.take() ?? Buffer.alloc(0),
      stderr: stderr.take(),
      stdoutTruncated: stdout?.truncated ?? false,
      stderrTruncated: stderr.truncated,
      oomKills: stats.oomKills,
      memoryLimitHits: stats.memoryLimitHits,
    };
  }

  /** Runs one teardown step; returns its failure. */
  private step(f: () => void): Error | null {
    try {
      f();
      return null;
    } catch (err) {
      return err instanceof Error ? err : new HostError(String(err));
    }
  }
}
