/**
 * Prepared containers. Creating a container's namespaces (the network namespace above all) and
 * its cgroup is most of a launch's cost (docs/benchmarks.md), and none of it depends on the
 * run. Step 0 of the run sequence in docs/architecture.md. So the sandbox keeps a few containers prepared ahead of their runs: B (caged-init)
 * cloned into fresh namespaces on a libuv pool thread, put into a fresh cgroup, and blocked on
 * its control socket until `sendRun` hands it stdio and its configuration. Each is used for one
 * run only and then torn down like any other: nothing is ever reused between runs.
 *
 * A prepared container holds no job's data: only its own /dev and /proc, built at staging mount
 * points from the preparation blob (mount-plan.ts), no user namespace, no program, idle;
 * it dies with the worker (PDEATHSIG) and its cgroup carries the worker's pid like a run's, so
 * a dead worker's are removed at the next start. `close()` ends the idle ones.
 */
import fs from 'node:fs';
import type { BoxCgroup, CgroupManager } from '../cgroup/manager';
import type { NativeApi, WaitOutcome } from './native';
import type { Reaper } from './reaper';

/** Limits of a prepared container's cgroup until its run sets its own (B alone, idle). */
const IDLE_LIMITS = { memoryBytes: 64 * 2 ** 20, pids: 1 };

export interface PreparedContainer {
  /** B's host pid. */
  readonly pid: number;
  /** The worker's end of the control socket. */
  readonly ctl: number;
  readonly cgroup: BoxCgroup;
  /** Resolves when B has ended and been reaped. */
  readonly exited: Promise<WaitOutcome>;
}

interface Held extends PreparedContainer {
  dead: boolean;
}

/** Something a container holds from its making to its end (B reaped): a rootless device slot. */
export interface ContainerHold {
  index: number;
  release(): void;
}

export interface PreparedContainersDeps {
  native: NativeApi;
  reaper: Reaper;
  cgroups: CgroupManager;
  cloneFlags: number;
  /** Rootless: the worker's user namespace (an open fd), in which B is made (native/spawn.c). */
  usernsFd?: number;
  /** Rootless: a device slot (its own /dev nodes) for each container, held until B is reaped. */
  deviceSlot?: () => ContainerHold;
  /** The preparation blob of a new container (the box's /dev and /proc, built while it waits); `slot`: its device slot. */
  preparation: (slot?: number) => Buffer;
  /** A fresh cgroup leaf name (`caged-<pid>-<seq>`). */
  nextName: () => string;
  /** Told of every failure to make or end a prepared container in the background (runs are not affected). */
  onBackgroundError?: (err: Error) => void;
}

export class PreparedContainers {
  private readonly ready: Held[] = [];
  private readonly making = new Set<Promise<void>>();
  private readonly discarding = new Set<Promise<void>>();
  private closed = false;
  /** Runs between `take` and `setUpDone`. */
  private settingUp = 0;
  /** The last failure to make or end a prepared container in the background (for diagnostics). */
  lastError: Error | null = null;

  private backgroundError(err: unknown): void {
    this.lastError = err instanceof Error ? err : new Error(String(err));
    this.deps.onBackgroundError?.(this.lastError);
  }

  /** `target`: containers kept prepared; 0 makes every container at its run. */
  constructor(
    private readonly deps: PreparedContainersDeps,
    private readonly target: number,
  ) {}

  /**
   * A container for one run: a prepared one if there is one, else one made now. The caller owns
   * the result (it must end B, and destroy the cgroup) and calls `setUpDone` once the run's
   * set-up is over: containers are prepared only while no run is setting up, so that making them
   * (a clone on a pool thread, a cgroup on the main thread) never delays a run's start.
   * B is always cloned on a libuv pool thread: PDEATHSIG is tied to the cloning thread, and
   * libuv's pool threads live as long as the process.
   */
  async take(): Promise<PreparedContainer> {
    if (this.closed) throw new Error('the sandbox is closed');
    let z: Held | undefined;
    while ((z = this.ready.shift()) && z.dead) this.discardInBackground(z);
    this.settingUp++;
    try {
      z ??= await this.make();
    } catch (err) {
      this.settingUp--;
      throw err;
    }
    this.deps.reaper.hold(z.pid);
    return z;
  }

  /** The set-up of a run that `take` served is over (its program started, or it failed). */
  setUpDone(): void {
    this.settingUp--;
    if (this.settingUp === 0) this.refill();
  }

  /** Containers prepared or being prepared. */
  get size(): number {
    return this.ready.length + this.making.size;
  }

  /** Resolves once no container is being prepared. */
  async settled(): Promise<void> {
    while (this.making.size) await Promise.all([...this.making]);
  }

  /** Ends the prepared containers (and those still being made). */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    await Promise.all(this.ready.splice(0).map((z) => this.discard(z)));
    while (this.discarding.size) await Promise.all([...this.discarding]);
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.making.size < this.target) {
      const p: Promise<void> = this.make().then(
        (z) => {
          this.making.delete(p);
          if (this.closed) this.discardInBackground(z);
          else this.ready.push(z);
        },
        (err: unknown) => {
          this.backgroundError(err);
          // A container that cannot be prepared now is made at the next run's start, where the
          // failure is reported to that run (take() -> make()).
          this.making.delete(p);
        },
      );
      this.making.add(p);
    }
  }

  private async make(): Promise<Held> {
    const slot = this.deps.deviceSlot?.();
    const [ours, theirs] = this.deps.native.socketpair();
    let pid: number;
    let prep = -1;
    try {
      prep = this.deps.native.memfdWith(this.deps.preparation(slot?.index));
      pid = await this.deps.native.spawnAsync(theirs, prep, this.deps.cloneFlags, this.deps.usernsFd);
    } catch (err) {
      fs.closeSync(ours);
      slot?.release();
      throw err;
    } finally {
      fs.closeSync(theirs);
      if (prep >= 0) fs.closeSync(prep);
    }
    return this.adopt(pid, ours, slot);
  }

  /** Watches B and gives it its cgroup; on failure B is killed and everything undone. */
  private adopt(pid: number, ctl: number, slot: ContainerHold | undefined): Held {
    // An idle prepared container does not keep the process alive; the run that takes it does.
    const exited = this.deps.reaper.watch(pid, false);
    // The slot is free once B is reaped: B is PID 1, so every process of the box is gone.
    if (slot) void exited.finally(() => slot.release()).catch(() => undefined);
    let cgroup: BoxCgroup | null = null;
    try {
      cgroup = this.deps.cgroups.create(this.deps.nextName(), IDLE_LIMITS);
      cgroup.attach(pid);
    } catch (err) {
      killQuietly(pid);
      fs.closeSync(ctl);
      const made = cgroup;
      void exited.then(() => made?.destroy()).catch((e: unknown) => this.backgroundError(e));
      throw err;
    }
    const held: Held = { pid, ctl, cgroup, exited, dead: false };
    void exited.then(() => {
      held.dead = true;
    });
    return held;
  }

  private discardInBackground(z: Held): void {
    const p: Promise<void> = this.discard(z)
      .catch((err: unknown) => this.backgroundError(err))
      .finally(() => this.discarding.delete(p));
    this.discarding.add(p);
  }

  /** B reads EOF and exits; the kill is for a B that is not reading. */
  private async discard(z: Held): Promise<void> {
    this.deps.reaper.hold(z.pid); // the process stays up until its cgroup is gone
    fs.closeSync(z.ctl);
    killQuietly(z.pid);
    await z.exited;
    z.cgroup.destroy();
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
