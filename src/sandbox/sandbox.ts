/**
 * The sandbox: everything chosen once at start-up (native launcher, cgroup manager, seccomp
 * program, host id leases, runtime directories, prepared containers) and `run(plan)`, which
 * launches one container and returns what the program did. One Sandbox serves `caged exec`,
 * `caged run`, the worker and the tests. Job directories are src/rootfs/job-dirs.ts's; the
 * run sequence is told in docs/architecture.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workerCgroupManager } from '../cgroup/detect';
import type { CgroupManager } from '../cgroup/manager';
import { RLIMIT_ENFORCEMENT, type Enforcement } from '../cgroup/rlimits';
import { diskCapsAsked, loadConfig } from '../config';
import { AbortedError, HostError, InvalidRequestError } from '../errors';
import { ContainerRun } from './container-run';
import { HostIdLeases, type HostIdLease } from './host-ids';
import { freshEmptyFile, removeTree } from '../fs/tree-walk';
import { overlaySupported } from '../linux/kernel-features';
import { CLONE } from '../linux/constants';
import { CpuPins, checkPinnable } from './cpu-pins';
import { ensureStdioOpen, shareJobsDir } from './host-setup';
import { buildMountOps, buildPreparationOps, mountPaths } from './mount-plan';
import { loadNative, type NativeApi } from './native';
import { pidAlive } from '../linux/pid-alive';
import { jobsDir as defaultJobsDir, onTmpfs, ownPrivateDir, runtimeDir as defaultRuntimeDir } from '../linux/state-dirs';
import { resolvePrivilege, setUpRootless, writableDirs, type PrivilegeMode, type Rootless } from './rootless';
import { validatePlan } from './plan-checks';
import { CAGE_RUN_EXTRA_MAX, CFG_FLAG, encodeConfig, encodePreparation, type SetupOp } from './protocol';
import { Reaper } from './reaper';
import type { RunControl } from './run-control';
import { runPair, type ExtraFds, type PairFds, type PairOptions, type PairResult } from './run-pair';
import { runGroup, type GroupOptions, type GroupResult } from './run-group';
import { procMasksFor, type ProcMasks } from './proc-view';
import { PreparedContainers } from './prepared-containers';
import { envFor, rlimitsFor } from './run-limits';
import { buildSeccompProgram } from './seccomp';
import { archOfAudit, syscallName as nameOfSyscall, type Arch } from './syscalls';
import type { RunPlan, RunResult } from './types';

import type { HostMounts, SandboxOptions } from './sandbox-options';
export type { HostMounts, SandboxOptions };

/**
 * Cgroups (and, in src/rootfs/job-dirs.ts, job directories) are named `caged-<pid>-<seq>`: the
 * sequence is the process's, not one sandbox's, so that two sandboxes in one process never pick
 * the same name.
 */
const NAME_PREFIX = 'caged-';
let lastSeq = 0;
const nextSeq = (): number => ++lastSeq;

/** The configuration keys a sandbox reads for the options it is not given. */
const CONFIG = ['rootless', 'rootlessSingleUid', 'rlimitsOnly', 'devicePool', 'cpus', 'diskBytesPerSecond', 'diskIops'] as const;

const CLONE_FLAGS = CLONE.NEWNS | CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWCGROUP;

export class Sandbox {
  private active = 0;
  /** Teardowns of ended runs still under way (container-run.ts: off the critical path). */
  private readonly teardowns = new Set<Promise<void>>();
  private failedInBackground = 0;
  private readonly reaper: Reaper;
  private readonly preparedContainers: PreparedContainers;
  private readonly filter: Buffer;
  private readonly arch: Arch;
  private readonly cpus = os.availableParallelism();
  /** Whether overlayfs is used; without it an overlay /box becomes a per-run copy. */
  readonly hasOverlay: boolean;

  private constructor(
    private readonly native: NativeApi,
    readonly cgroups: CgroupManager,
    readonly ids: HostIdLeases,
    readonly runtimeDir: string,
    readonly jobsDir: string,
    private readonly hostname: string,
    hasOverlay: boolean,
    preparedContainers: number,
    onBackgroundError: ((err: Error) => void) | undefined,
    private readonly rootless: Rootless | null,
    seccomp: boolean,
    /** The CPUs runs are pinned to (CAGED_CPUS); null: no pinning. */
    private readonly pins: CpuPins | null,
  ) {
    this.hasOverlay = hasOverlay;
    this.onBackgroundError = onBackgroundError;
    this.reaper = new Reaper(native);
    const masks = (this.masks = procMasksFor());
    const devices = (slot?: number) => (rootless && slot !== undefined ? path.join(rootless.devicePool, String(slot)) : undefined);
    this.preparedContainers = new PreparedContainers(
      {
        native,
        reaper: this.reaper,
        cgroups,
        cloneFlags: CLONE_FLAGS,
        usernsFd: rootless?.userns.fd,
        deviceSlot: rootless ? () => rootless.deviceSlots.acquire() : undefined,
        nextName: () => `${NAME_PREFIX}${process.pid}-${nextSeq()}`,
        onBackgroundError: (err) => this.backgroundError(err),
        // Rootless, each container binds its own device slot: its blob is its own, not the cached one.
        preparation: (slot) =>
          rootless
            ? encodePreparation(buildPreparationOps({ paths: mountPaths(runtimeDir), masks, cpus: this.cpus, devices: devices(slot) }))
            : this.preparationBlob(),
      },
      preparedContainers,
    );
    const built = buildSeccompProgram();
    this.filter = seccomp ? built.program : Buffer.alloc(0);
    this.arch = built.arch;
  }

  /**
   * The preparation blob of a new container. It depends on nothing but the second it is made in
   * (the box's boot time in its /proc/stat) and the box's own random boot id, so it is built once
   * per second, and each container gets a copy with a boot id of its own written in place.
   */
  private preparationBlob(): Buffer {
    const second = Math.floor(Date.now() / 1000);
    if (this.preparationCache?.second !== second) {
      const ops = buildPreparationOps({ paths: mountPaths(this.runtimeDir), masks: this.masks, cpus: this.cpus });
      const blob = encodePreparation(ops);
      const bootId = ops.find((op) => op.kind === 'write' && op.target.endsWith('/boot_id'));
      const at = bootId?.kind === 'write' ? blob.indexOf(bootId.content) : -1;
      if (at < 0 || !/^[0-9a-f-]{36}\n$/.test(bootId?.kind === 'write' ? bootId.content : ''))
        throw new Error('the preparation has no boot id to renew');
      this.preparationCache = { second, blob, bootIdAt: at };
    }
    const { blob, bootIdAt } = this.preparationCache;
    const copy = Buffer.from(blob);
    copy.write(crypto.randomUUID(), bootIdAt, 'latin1');
    return copy;
  }

  private preparationCache: { second: number; blob: Buffer; bootIdAt: number } | null = null;
  /** The /proc masks this kernel needs (proc-view.ts), decided at start-up. */
  private readonly masks: ProcMasks;

  /** Sets the host up and returns the sandbox; a refusal (no privilege, no subordinate ids, bad option) rejects. */
  static async create(opts: SandboxOptions = {}): Promise<Sandbox> {
    // Unset options come from the environment's configuration (CAGED_ROOTLESS and the rest).
    const env = loadConfig(process.env, CONFIG);
    const mode = resolvePrivilege(opts.privilege ?? ({ auto: 'auto', yes: 'rootless', no: 'root' } as const)[env.rootless]);
    ensureStdioOpen();
    const runtimeDir = opts.runtimeDir ?? defaultRuntimeDir();
    const jobsDir = opts.jobsDir ?? defaultJobsDir(mode === 'rootless');
    if (mode === 'rootless') ownPrivateDir(runtimeDir);
    const { root, scratch, dev, proc, procFiles } = mountPaths(runtimeDir);
    for (const d of [root, scratch, dev, proc, procFiles, jobsDir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    }
    const pinTo = opts.cpus ?? env.cpus;
    if (pinTo.length > 0) checkPinnable(pinTo);
    const prepared = opts.preparedContainers ?? 2;
    if (!Number.isSafeInteger(prepared) || prepared < 0)
      throw new InvalidRequestError(`must be a whole number >= 0 (got ${prepared})`, 'preparedContainers');
    const native = loadNative();
    const hostIds = opts.hostIds ?? 256;
    const rootless =
      mode === 'rootless'
        ? await setUpRootless(native, runtimeDir, hostIds, {
            singleUid: opts.singleUid ?? env.rootlessSingleUid === 'yes',
            devicePool: opts.devicePool ?? (env.devicePool || undefined),
          })
        : null;
    try {
      const rlimitsOnly = opts.rlimitsOnly ?? env.rlimitsOnly === 'yes';
      const pinning = pinTo.length > 0;
      const disk = opts.disk ?? { bytesPerSecond: env.diskBytesPerSecond, iops: env.diskIops, asked: diskCapsAsked(process.env) };
      const cgroups = opts.cgroups ?? workerCgroupManager({ rootless: rootless !== null, rlimitsOnly, pinning, disk });
      if (pinning && !cgroups.pinning)
        throw new InvalidRequestError(`the cgroup manager cannot pin boxes to CPUs (${cgroups.describe()})`, 'CAGED_CPUS');
      const ids = rootless?.ids ?? new HostIdLeases(native, path.join(runtimeDir, 'slots'), opts.hostIdBase ?? 10_000_000, hostIds);
      if (prepared > 0 && !rootless) shareJobsDir(native, jobsDir);
      const sandbox = new Sandbox(
        native,
        cgroups,
        ids,
        runtimeDir,
        jobsDir,
        opts.hostname ?? 'caged',
        opts.overlay ?? overlaySupported(),
        prepared,
        opts.onBackgroundError,
        rootless,
        opts.seccomp ?? true,
        pinning ? new CpuPins(pinTo) : null,
      );
      if (opts.cleanupAtStart ?? true) sandbox.cleanupStale();
      return sandbox;
    } catch (err) {
      rootless?.close();
      throw err;
    }
  }

  /** The CPUs runs are pinned to (CAGED_CPUS); empty: none. */
  get pinnedCpus(): readonly number[] {
    return this.pins?.cpus ?? [];
  }

  /** root, rootless (subordinate ids) or rootless-single-uid. */
  get mode(): PrivilegeMode {
    return this.rootless?.mode ?? 'root';
  }

  /**
   * Whether what boxes write into job directories is capped on the host: as root each job is a
   * tmpfs of its own; rootless, only when the jobs directory is on a tmpfs (setup-host.sh --user's).
   */
  get jobsCapped(): boolean {
    return this.rootless === null || onTmpfs(this.jobsDir);
  }

  /** How the limits are enforced when there is no cgroup (rlimits only); null: by the cgroup. */
  get enforcement(): Enforcement | null {
    return this.cgroups.kind === 'rlimits' ? { ...RLIMIT_ENFORCEMENT } : null;
  }

  /** Removes the cgroups of workers that died mid-run on this host; returns their names. */
  cleanupStale(): string[] {
    return this.cgroups.cleanupStale((pid) => pid === process.pid || pidAlive(pid));
  }

  /** mount(2) and detaching in the host's namespace, for job directories (src/rootfs/job-dirs.ts). */
  get hostMounts(): HostMounts {
    const rootless = this.rootless;
    if (rootless) {
      return {
        mount: (_s, target) => {
          throw new HostError(`rootless: nothing can be mounted on the host (${target})`);
        },
        detach: () => false,
        plainDirs: true,
        removeTree: (dir) => rootless.removeTree(dir),
      };
    }
    return { mount: (...args) => this.native.mount(...args), detach: (target) => this.native.detach(target) };
  }

  async run(plan: RunPlan): Promise<RunResult> {
    return this.withRunnableBox(plan, (p) => {
      const stdin = typeof p.stdin === 'string' ? Buffer.from(p.stdin) : (p.stdin ?? Buffer.alloc(0));
      return this.launch(p, { stdin });
    });
  }

  /**
   * Runs an interactive pair: the interactor and the submission at once, each in its own
   * container (own limits, cgroup, host uid, seccomp), the submission's stdout piped into the
   * interactor's stdin and the interactor's stdout into the submission's stdin. The plans'
   * `stdin` is ignored. How the pair ends is run-pair.ts's.
   */
  async runPair(interactor: RunPlan, submission: RunPlan, opts: PairOptions = {}): Promise<PairResult> {
    // The pool is refilled once no run is setting up; a pair counts as setting up until it has
    // ended: preparing containers (clones into new namespaces, their mounts, cgroups) is
    // milliseconds of kernel work that would share the CPUs with the exchange, which is bound
    // by wake-up latency (bench/interactive.ts: +40 % per exchange on 2 cores).
    let setUpsDone = 0;
    try {
      return await this.withRunnableBox(interactor, (i) =>
        this.withRunnableBox(submission, (s) =>
          runPair(this.native, (plan, fds, control) => this.launch(plan, { fds }, control, () => setUpsDone++), i, s, opts),
        ),
      );
    } finally {
      for (; setUpsDone > 0; setUpsDone--) this.preparedContainers.setUpDone();
    }
  }

  /**
   * Runs a manager and several user processes at once, each in its own container, user i linked
   * to the manager by two pipes (run-group.ts). The users' `stdin` is ignored.
   */
  async runGroup(manager: RunPlan, users: readonly RunPlan[], opts: GroupOptions): Promise<GroupResult> {
    // As a pair: the pool is refilled once the group has ended (runPair).
    let setUpsDone = 0;
    const withBoxes = async (i: number, ready: RunPlan[]): Promise<GroupResult> =>
      i < users.length
        ? this.withRunnableBox(users[i]!, (u) => withBoxes(i + 1, [...ready, u]))
        : runGroup(this.native, (plan, io, control) => this.launch(plan, io, control, () => setUpsDone++), ready[0]!, ready.slice(1), opts);
    try {
      return await this.withRunnableBox(manager, (m) => withBoxes(0, [m]));
    } finally {
      for (; setUpsDone > 0; setUpsDone--) this.preparedContainers.setUpDone();
    }
  }

  /** Checks the plan; without overlayfs, gives an overlay box a copy of its own for the run. */
  private async withRunnableBox<T>(plan: RunPlan, run: (plan: RunPlan) => Promise<T>): Promise<T> {
    validatePlan(plan);
    if (plan.rootfs.mode === 'overlay' && !this.hasOverlay) {
      throw new HostError('this kernel has no overlayfs: use rootfs mode "extract"');
    }
    if (plan.box?.lowerDirs?.length && !this.hasOverlay) {
      // No copy of the layers here: the judge restores the compile cache's entry by a copy
      // when the sandbox has no overlayfs (compile-step.ts), so a layered box cannot come here from it.
      throw new HostError('a /box with lower layers needs overlayfs (this sandbox has none)');
    }
    if (plan.box?.upper && !this.hasOverlay) {
      // The run's writes are to be kept: its copy of the box is made where they are kept.
      const only = plan.box.onlyWritable;
      fs.cpSync(plan.box.hostDir, plan.box.upper.dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      // The one writable file starts empty, whatever the box held by its name.
      if (only !== undefined) freshEmptyFile(path.join(plan.box.upper.dir, only));
      return run({ ...plan, box: { hostDir: plan.box.upper.dir, mode: 'rw', ...(only !== undefined ? { onlyWritable: only } : {}) } });
    }
    if (plan.box?.mode === 'overlay' && !this.hasOverlay) {
      // Same semantics without overlayfs: the run writes into its own copy, dropped afterwards.
      // The copy keeps symlinks as symlinks: nothing planted in the box is followed.
      const copy = `${plan.box.hostDir}-run-${nextSeq()}`;
      fs.cpSync(plan.box.hostDir, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      try {
        return await run({ ...plan, box: { hostDir: copy, mode: 'rw', ...(plan.box.readOnly ? { readOnly: true } : {}) } });
      } finally {
        // The run may have left a tree deeper than rmSync's stack or PATH_MAX in its copy.
        removeTree(copy);
      }
    }
    return run(plan);
  }

  /**
   * The set-up operations and the configuration blob of one run of `plan` by the box of `lease`
   * (what B receives as its run's fourth fd). `reportWrites`: a pair's run, whose program's
   * writes order the pair's ends (run-pair.ts). bench/launch hands the same blobs to caged-init
   * from a C driver (bench/floor.c --init).
   */
  runConfig(plan: RunPlan, lease: Pick<HostIdLease, 'outerUid' | 'outerGid'>, reportWrites = false): { ops: SetupOp[]; blob: Buffer } {
    // The box's ids as B sees them: host ids (root), ids of the worker's namespace (rootless).
    const ops = buildMountOps(plan, {
      paths: mountPaths(this.runtimeDir),
      hostUid: lease.outerUid,
      hostGid: lease.outerGid,
      rootless: this.rootless !== null,
    });
    const blob = encodeConfig({
      uid: 256,
      gid: 256,
      hostname: this.hostname,
      newRoot: path.join(this.runtimeDir, 'mnt', 'root'),
      ops,
      cwd: plan.cwd ?? '/box',
      path: plan.argv[0]!,
      argv: plan.argv,
      env: envFor(plan, this.cgroups.kind === 'rlimits'),
      rlimits: rlimitsFor(plan, this.cgroups.kind === 'rlimits'),
      filter: this.filter,
      flags:
        CFG_FLAG.CGROUPNS |
        (this.filter.length ? CFG_FLAG.SECCOMP_LISTENER : 0) |
        (this.rootless ? CFG_FLAG.USERNS_FIRST : 0) |
        (reportWrites ? CFG_FLAG.REPORT_WRITES : 0),
      // What uid/gid 256 map to: the leased host ids, mapped by B (root mode), or the worker's
      // namespace's ids in front of them, mapped by the program itself (rootless).
      outerUid: lease.outerUid,
      outerGid: lease.outerGid,
    });
    return { ops, blob };
  }

  /** The preparation blob of a new container in root mode (rootless, each binds a device slot of its own). */
  containerPreparation(): Buffer {
    if (this.rootless) throw new HostError('a rootless container binds a device slot of its own: it has no shared preparation');
    return this.preparationBlob();
  }

  /**
   * Launches one container. Its stdin is a sealed memfd of `stdin`, its stdout collected; or
   * both are the pipe ends `fds`. `extra`: fds the program inherits on 5, 6, … All these are
   * owned by this call from its start: closed here whatever happens.
   */
  private async launch(
    plan: RunPlan,
    io: ({ stdin: Buffer } | { fds: PairFds }) & { extra?: ExtraFds },
    control?: RunControl,
    setUpDone = () => this.preparedContainers.setUpDone(),
  ): Promise<RunResult> {
    if (plan.stderrToStdout && 'fds' in io)
      throw new InvalidRequestError("a pair's stdout is the pipe to the other side", 'stderrToStdout');
    const childFds: number[] = [];
    const ours: number[] = [];
    if ('fds' in io) childFds.push(io.fds.stdin, io.fds.stdout);
    const extra = [...(io.extra ?? [])];
    let lease: HostIdLease | null = null;
    // Who releases the lease: this function until the ContainerRun has started (it releases it
    // at its end, however the run ends); never inferred from what else was acquired.
    let runOwnsLease = false;
    let pinned: number | null = null;
    try {
      // Aborted already: no container is taken.
      if (plan.signal?.aborted) throw new AbortedError('the run', plan.signal);
      if (extra.length > CAGE_RUN_EXTRA_MAX)
        throw new InvalidRequestError(
          `a program inherits at most ${CAGE_RUN_EXTRA_MAX} fds beside its stdio, not ${extra.length}`,
          'extra',
        );
      lease = this.ids.acquire();
      pinned = this.pins?.take() ?? null;
      let outR: number | null = null;
      if ('stdin' in io) {
        // Read ends non-blocking: a short run's output is drained at its end (output-collector.ts).
        const [r, w] = this.native.pipe(true);
        outR = r;
        ours.push(r);
        childFds.push(this.native.memfdWith(io.stdin), w);
      }
      const [errR, errW] = this.native.pipe(true);
      ours.push(errR);
      if (plan.stderrToStdout) {
        // fd 2 is fd 1's pipe; the stderr pipe, writer-less, reads empty at once.
        fs.closeSync(errW);
        childFds.push(childFds[1]!);
      } else childFds.push(errW);

      const { ops, blob } = this.runConfig(plan, lease, control !== undefined);
      childFds.push(this.native.memfdWith(blob));
      const run = new ContainerRun(
        {
          native: this.native,
          reaper: this.reaper,
          ids: lease,
          setUpDone,
          cpus: pinned === null ? this.cpus : 1,
          ...(pinned === null ? {} : { pinnedCpus: [pinned] }),
          syscallName: (nr, arch) => nameOfSyscall(nr, archOfAudit(arch) ?? this.arch),
          describeOp: (i) => (ops[i] ? `${ops[i].kind} ${'target' in ops[i] ? ops[i].target : ''}: ${ops[i].why}` : 'unknown'),
          background: (teardown) => this.inBackground(teardown),
          cpuByRlimit: this.cgroups.kind === 'rlimits',
          ...(plan.signal ? { signal: plan.signal } : {}),
        },
        plan.limits,
      );
      const container = await this.preparedContainers.take();
      this.active++;
      const result = run.run(container, [...childFds, ...extra], { stdout: outR, stderr: errR, nonBlocking: true }, control).finally(() => {
        this.active--;
      });
      runOwnsLease = true;
      // B holds its own copies now: the worker's copies of the child's ends go at once.
      for (const fd of new Set([...childFds.splice(0), ...extra.splice(0)])) fs.closeSync(fd);
      ours.length = 0; // owned by the run from here on
      try {
        const done = await result;
        const enforcement = this.enforcement;
        return enforcement ? { ...done, enforcement } : done;
      } finally {
        // Rootless: what the box wrote is its subordinate uid's; the worker reads and removes it.
        await this.rootless?.giveBack(writableDirs(plan));
      }
    } catch (err) {
      // Failed before the run took ownership of everything.
      if (!runOwnsLease) lease?.release();
      throw err;
    } finally {
      if (pinned !== null) this.pins!.give(pinned);
      for (const fd of new Set([...childFds, ...extra, ...ours])) fs.closeSync(fd);
    }
  }

  /**
   * Ends the containers prepared for future runs and waits for it. Runs in progress are not
   * affected; no run may start afterwards.
   */
  async close(): Promise<void> {
    await this.preparedContainers.close();
    await this.tornDown();
    this.cgroups.drain?.();
    this.ids.close();
    this.rootless?.deviceSlots.close();
    this.rootless?.close();
  }

  /** Failures of background work so far (preparing containers, tearing down ended runs): a metric. */
  get backgroundFailures(): number {
    return this.failedInBackground;
  }

  private readonly onBackgroundError: ((err: Error) => void) | undefined;

  private backgroundError(err: Error): void {
    this.failedInBackground++;
    this.onBackgroundError?.(err);
  }

  private inBackground(teardown: Promise<void>): void {
    const p: Promise<void> = teardown
      .catch((err: unknown) => this.backgroundError(err instanceof Error ? err : new HostError(String(err))))
      .finally(() => this.teardowns.delete(p));
    this.teardowns.add(p);
  }

  /** Resolves once the teardowns of ended runs under way have finished. */
  private async tornDown(): Promise<void> {
    while (this.teardowns.size) await Promise.all([...this.teardowns]);
  }

  /** Runs in progress. */
  get running(): number {
    return this.active;
  }

  /** Containers prepared for future runs (idle inits), and any being made. */
  get prepared(): number {
    return this.preparedContainers.size;
  }

  /**
   * Resolves once the background work under way is over: the containers being prepared are
   * ready (or failed) and the ended runs' containers are torn down.
   */
  async whenPrepared(): Promise<void> {
    await this.tornDown();
    await this.preparedContainers.settled();
  }

  /** Processes this sandbox started that have not been reaped: running and prepared containers. */
  get unreaped(): number {
    return this.reaper.watching;
  }
}
