/**
 * The sandbox: everything chosen once at start-up (native launcher, cgroup manager, seccomp
 * program, host id slots, runtime directories) and `run(plan)`, which launches one container
 * and returns what the program did. One Sandbox serves `caged exec`, `caged run`, the worker
 * and the tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCgroupManager } from '../cgroup/detect';
import type { CgroupManager } from '../cgroup/manager';
import { HostError, InvalidRequestError } from '../errors';
import { ContainerRun } from './container-run';
import { IdSlots, pidAlive } from './id-slots';
import { removeTree } from '../fs/tree-walk';
import { overlaySupported } from '../rootfs/job-rootfs';
import { buildMountOps, buildPreparationOps, mountPaths } from './mount-plan';
import { loadNative, type NativeApi } from './native';
import { CFG_FLAG, encodeConfig, encodePreparation, type RlimitSetting } from './protocol';
import { Reaper } from './reaper';
import { procMasksFor } from './proc-view';
import { ZygotePool } from './zygotes';
import { buildSeccompProgram } from './seccomp';
import { syscallName as nameOfSyscall, type Arch } from './syscalls';
import type { RunPlan, RunResult } from './types';

export interface SandboxOptions {
  /** Mount points and id-slot locks; default /run/caged. */
  runtimeDir?: string;
  /** Job directories; default /var/lib/caged/jobs. */
  jobsDir?: string;
  /** First host uid/gid given to boxes; default 10,000,000. */
  hostIdBase?: number;
  /** Host ids available, i.e. boxes that may run at once on this host; default 256. */
  idSlots?: number;
  hostname?: string;
  /** Default: detected (cgroup v2 where /sys/fs/cgroup is cgroup2, else v1). */
  cgroups?: CgroupManager;
  /** Use overlayfs; default: whether the kernel has it. false behaves as on a kernel without it. */
  overlay?: boolean;
  /** Remove what dead workers left (job dirs, cgroups) at start-up; default true. Host id slots need no cleanup: they are flocks. */
  cleanupAtStart?: boolean;
  /**
   * Containers prepared ahead of their runs (namespaces and cgroup made, init waiting; see
   * zygotes.ts), default 2; 0 makes each at its run. `close()` ends them.
   */
  preparedContainers?: number;
  /** Told when preparing (or ending) a spare container fails in the background; default: ignored. */
  onBackgroundError?: (err: Error) => void;
}

export interface JobDirOptions {
  /** Size of the job directory's tmpfs in bytes: the box and, in extract mode, the rootfs. Default 256 MiB. */
  diskBytes?: number;
}

export interface JobDir {
  /** `<jobsDir>/caged-<pid>-<seq>`, a size-capped tmpfs of its own */
  path: string;
  /** The job's /box on the host. */
  box: string;
  remove(): void;
}

const CLONE = { NEWNS: 0x20000, NEWCGROUP: 0x2000000, NEWUTS: 0x4000000, NEWIPC: 0x8000000, NEWPID: 0x20000000, NEWNET: 0x40000000 };
const RLIMIT = { CPU: 0, FSIZE: 1, STACK: 3, CORE: 4, NPROC: 6, NOFILE: 7, MEMLOCK: 8, AS: 9, MSGQUEUE: 12, NICE: 13, RTPRIO: 14 };
const INFINITY = 0xffffffffffffffffn;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_BIND = 4096;
const MS_SHARED = 1 << 20;
const JOB_PREFIX = 'caged-';

export interface CleanupReport {
  jobDirs: string[];
  cgroups: string[];
}

/**
 * Job directories and cgroups are named `caged-<pid>-<seq>`: the sequence is the process's, not
 * one sandbox's, so that two sandboxes in one process never pick the same name.
 */
let lastSeq = 0;
const nextSeq = (): number => ++lastSeq;

const CLONE_FLAGS = CLONE.NEWNS | CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWCGROUP;

export class Sandbox {
  private active = 0;
  private readonly reaper: Reaper;
  private readonly zygotes: ZygotePool;
  private readonly filter: Buffer;
  private readonly arch: Arch;
  private readonly cpus = os.availableParallelism();
  /** Whether overlayfs is used; without it an overlay /box becomes a per-run copy. */
  readonly hasOverlay: boolean;

  private constructor(
    private readonly native: NativeApi,
    readonly cgroups: CgroupManager,
    readonly ids: IdSlots,
    readonly runtimeDir: string,
    readonly jobsDir: string,
    private readonly hostname: string,
    hasOverlay: boolean,
    preparedContainers: number,
    onBackgroundError: ((err: Error) => void) | undefined,
  ) {
    this.hasOverlay = hasOverlay;
    this.reaper = new Reaper(native);
    const masks = procMasksFor();
    this.zygotes = new ZygotePool(
      {
        native, reaper: this.reaper, cgroups, cloneFlags: CLONE_FLAGS, nextName: () => `${JOB_PREFIX}${process.pid}-${nextSeq()}`, onBackgroundError,
        preparation: () => encodePreparation(buildPreparationOps({ paths: mountPaths(runtimeDir), masks, cpus: this.cpus })),
      },
      preparedContainers,
    );
    const built = buildSeccompProgram();
    this.filter = built.program;
    this.arch = built.arch;
  }

  static async create(opts: SandboxOptions = {}): Promise<Sandbox> {
    if (process.getuid?.() !== 0) throw new HostError('caged must run as root to create containers');
    ensureStdioOpen();
    const runtimeDir = opts.runtimeDir ?? '/run/caged';
    const jobsDir = opts.jobsDir ?? '/var/lib/caged/jobs';
    const { root, scratch, dev, proc, procFiles } = mountPaths(runtimeDir);
    for (const d of [root, scratch, dev, proc, procFiles, jobsDir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    }
    const native = loadNative();
    const cgroups = opts.cgroups ?? detectCgroupManager();
    const ids = new IdSlots(native, path.join(runtimeDir, 'slots'), opts.hostIdBase ?? 10_000_000, opts.idSlots ?? 256);
    const prepared = opts.preparedContainers ?? 2;
    if (!Number.isSafeInteger(prepared) || prepared < 0) throw new InvalidRequestError(`must be a whole number >= 0 (got ${prepared})`, 'preparedContainers');
    if (prepared > 0) shareJobsDir(native, jobsDir);
    const sandbox = new Sandbox(native, cgroups, ids, runtimeDir, jobsDir, opts.hostname ?? 'caged', opts.overlay ?? overlaySupported(), prepared, opts.onBackgroundError);
    if (opts.cleanupAtStart ?? true) sandbox.cleanupStale();
    return sandbox;
  }

  /** Removes what workers that died mid-run left behind on this host. */
  cleanupStale(): CleanupReport {
    const jobDirs: string[] = [];
    for (const name of fs.readdirSync(this.jobsDir)) {
      const owner = ownerPid(name);
      if (owner !== null && owner !== process.pid && !pidAlive(owner)) {
        this.removeJobDir(path.join(this.jobsDir, name));
        jobDirs.push(name);
      }
    }
    const cgroups = this.cgroups.cleanupStale((pid) => pid === process.pid || pidAlive(pid));
    return { jobDirs, cgroups };
  }

  /**
   * A fresh job directory: a size-capped tmpfs (so that nothing a box writes, even in a
   * writable /box, can fill the host's disk) holding an empty box, owned by root until a run
   * hands it over. `remove()` unmounts and deletes it; a dead worker's are removed at start-up.
   */
  createJobDir(opts: JobDirOptions = {}): JobDir {
    const dir = path.join(this.jobsDir, `${JOB_PREFIX}${process.pid}-${nextSeq()}`);
    const size = opts.diskBytes ?? 256 * 2 ** 20;
    if (!Number.isSafeInteger(size) || size <= 0) throw new InvalidRequestError(`must be a positive integer (got ${size})`, 'diskBytes');
    fs.mkdirSync(dir, { mode: 0o711 });
    try {
      this.native.mount('caged-job', dir, 'tmpfs', MS_NOSUID | MS_NODEV, `size=${size},mode=0711`);
      fs.mkdirSync(path.join(dir, 'box'), { mode: 0o755 });
    } catch (err) {
      this.removeJobDir(dir);
      throw err;
    }
    let removed = false;
    return {
      path: dir,
      box: path.join(dir, 'box'),
      remove: () => {
        if (removed) return;
        removed = true;
        this.removeJobDir(dir);
      },
    };
  }

  private removeJobDir(dir: string): void {
    this.native.detach(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  async run(plan: RunPlan): Promise<RunResult> {
    validatePlan(plan);
    if (plan.rootfs.mode === 'overlay' && !this.hasOverlay) {
      throw new HostError('this kernel has no overlayfs: use rootfs mode "extract"');
    }
    if (plan.box?.mode === 'overlay' && !this.hasOverlay) {
      // Same semantics without overlayfs: the run writes into its own copy, dropped afterwards.
      // The copy keeps symlinks as symlinks: nothing planted in the box is followed.
      const copy = `${plan.box.hostDir}-run-${nextSeq()}`;
      fs.cpSync(plan.box.hostDir, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      try {
        return await this.run({ ...plan, box: { hostDir: copy, mode: 'rw' } });
      } finally {
        // The run may have left a tree deeper than rmSync's stack or PATH_MAX in its copy.
        removeTree(copy);
      }
    }
    const stdin = typeof plan.stdin === 'string' ? Buffer.from(plan.stdin) : plan.stdin ?? Buffer.alloc(0);
    const slot = this.ids.acquire();
    const childFds: number[] = [];
    const ours: number[] = [];
    // Who releases the slot: this function until the ContainerRun has started (it releases it
    // at its end, however the run ends); never inferred from what else was acquired.
    let runOwnsSlot = false;
    try {
      const [outR, outW] = this.native.pipe();
      ours.push(outR);
      childFds.push(outW);
      const [errR, errW] = this.native.pipe();
      ours.push(errR);
      childFds.push(errW);
      childFds.unshift(this.native.memfdWith(stdin));

      const ops = buildMountOps(plan, { paths: mountPaths(this.runtimeDir), hostUid: slot.hostUid, hostGid: slot.hostGid });
      const blob = encodeConfig({
        uid: 256, gid: 256,
        hostname: this.hostname,
        newRoot: path.join(this.runtimeDir, 'mnt', 'root'),
        ops,
        cwd: plan.cwd ?? '/box',
        path: plan.argv[0]!,
        argv: plan.argv,
        env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
        rlimits: rlimitsFor(plan),
        filter: this.filter,
        flags: CFG_FLAG.CGROUPNS | CFG_FLAG.SECCOMP_LISTENER,
      });
      childFds.push(this.native.memfdWith(blob));
      const run = new ContainerRun(
        {
          native: this.native,
          reaper: this.reaper,
          ids: slot,
          setUpDone: () => this.zygotes.setUpDone(),
          cpus: this.cpus,
          syscallName: (nr, arch) => nameOfSyscall(nr, arch === 0xc000003e ? 'x86_64' : arch === 0xc00000b7 ? 'aarch64' : this.arch),
          describeOp: (i) => (ops[i] ? `${ops[i].kind} ${'target' in ops[i] ? ops[i].target : ''}: ${ops[i].why}` : 'unknown'),
        },
        plan.limits,
      );
      const zygote = await this.zygotes.take();
      const [stdinFd, outWFd, errWFd, configFd] = childFds as [number, number, number, number];
      this.active++;
      const result = run.run(zygote, [stdinFd, outWFd, errWFd, configFd], { stdout: outR, stderr: errR }).finally(() => {
        this.active--;
      });
      runOwnsSlot = true;
      // B holds its own copies now: the worker's copies of the child's ends go at once.
      for (const fd of childFds.splice(0)) fs.closeSync(fd);
      ours.length = 0; // owned by the run from here on
      return await result;
    } catch (err) {
      // Failed before the run took ownership of everything.
      if (!runOwnsSlot) slot.release();
      throw err;
    } finally {
      for (const fd of [...childFds, ...ours]) fs.closeSync(fd);
    }
  }

  /**
   * Ends the containers prepared for future runs and waits for it. Runs in progress are not
   * affected; no run may start afterwards.
   */
  async close(): Promise<void> {
    await this.zygotes.close();
  }

  /** Runs in progress. */
  get running(): number {
    return this.active;
  }

  /** Containers prepared for future runs (idle inits), and any being made. */
  get prepared(): number {
    return this.zygotes.size;
  }

  /** Resolves once the containers being prepared are ready (or failed). */
  async whenPrepared(): Promise<void> {
    await this.zygotes.settled();
  }

  /** Processes this sandbox started that have not been reaped: running and prepared containers. */
  get unreaped(): number {
    return this.reaper.watching;
  }
}

/**
 * A prepared container's mount namespace is a copy of the host's taken before its run's job
 * directory (a tmpfs mounted in the host) existed. So the jobs directory is made a mount of its
 * own with shared propagation: every job directory mounted under it later appears in the
 * prepared containers too, until their init makes every mount private as the first step of its
 * run (nothing ever propagates back, or after that). Idempotent.
 */
function shareJobsDir(native: NativeApi, jobsDir: string): void {
  const dir = fs.realpathSync(jobsDir);
  // mountinfo escapes space, tab, newline and backslash in paths as \ooo.
  const unescape = (p: string | undefined) => p?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const entry = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')).filter((f) => unescape(f[4]) === dir).pop();
  if (!entry) native.mount(dir, dir, '', MS_BIND, '');
  else if (entry.slice(6).some((f) => f.startsWith('shared:'))) return;
  native.mount('', dir, '', MS_SHARED, '');
}

function ownerPid(name: string): number | null {
  const m = /^caged-(\d+)-\d+$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Signals queued to a box and not yet delivered (sigqueue, POSIX timers). The count is per user
 * and climbs the user-namespace tree: each box's namespace is owned by host root, so whatever a
 * box queues is charged to root's count as well. The box's own rlimit stops it at this many, so
 * its charge to root (and to every other box, all owned by root) is at most this.
 */
const SIGPENDING_PER_BOX = 256n;
const RLIMIT_SIGPENDING = 11;

function rlimitsFor(plan: RunPlan): RlimitSetting[] {
  const l = plan.limits;
  const b = (n: number) => BigInt(Math.floor(n));
  const cpuS = Math.ceil(l.cpuTimeMs / 1000) + 1;
  const list: RlimitSetting[] = [
    { resource: RLIMIT.CPU, cur: b(cpuS), max: b(cpuS + 1), why: 'backstop per process; the cgroup watchdog enforces the limit' },
    { resource: RLIMIT.FSIZE, cur: b(l.fileSizeBytes), max: b(l.fileSizeBytes), why: 'largest file the program may write' },
    { resource: RLIMIT.STACK, cur: l.stackBytes ? b(l.stackBytes) : b(l.memoryBytes), max: l.stackBytes ? b(l.stackBytes) : b(l.memoryBytes), why: 'stack size' },
    { resource: RLIMIT.CORE, cur: 0n, max: 0n, why: 'no core dumps' },
    { resource: RLIMIT.NPROC, cur: b(l.pids), max: b(l.pids), why: 'processes of the box\'s own host uid' },
    { resource: RLIMIT.NOFILE, cur: b(l.openFiles), max: b(l.openFiles), why: 'open files' },
    { resource: RLIMIT.MEMLOCK, cur: 0n, max: 0n, why: 'no locked memory' },
    { resource: RLIMIT.MSGQUEUE, cur: 0n, max: 0n, why: 'no POSIX message queues' },
    { resource: RLIMIT_SIGPENDING, cur: SIGPENDING_PER_BOX, max: SIGPENDING_PER_BOX, why: 'queued signals, charged to host root too: bounded per box' },
    { resource: RLIMIT.NICE, cur: 0n, max: 0n, why: 'no raising priority' },
    { resource: RLIMIT.RTPRIO, cur: 0n, max: 0n, why: 'no real-time scheduling' },
  ];
  list.push({
    resource: RLIMIT.AS,
    cur: l.addressSpaceBytes ? b(l.addressSpaceBytes) : INFINITY,
    max: l.addressSpaceBytes ? b(l.addressSpaceBytes) : INFINITY,
    why: 'address space (optional; the cgroup limit is what counts)',
  });
  return list;
}

function validatePlan(plan: RunPlan): void {
  if (plan.argv.length === 0 || !plan.argv[0]) throw new InvalidRequestError('empty command', 'argv');
  const l = plan.limits;
  const positive: Array<keyof typeof l> = ['cpuTimeMs', 'wallTimeMs', 'memoryBytes', 'pids', 'outputBytes', 'fileSizeBytes', 'openFiles', 'diskBytes'];
  for (const k of positive) {
    if (!Number.isFinite(l[k]) || l[k] <= 0) throw new InvalidRequestError(`must be a positive number (got ${l[k]})`, `limits.${k}`);
  }
  for (const k of ['addressSpaceBytes', 'stackBytes'] as const) {
    if (!Number.isFinite(l[k]) || l[k] < 0) throw new InvalidRequestError(`must be zero or positive (got ${l[k]})`, `limits.${k}`);
  }
  for (const [k, v] of Object.entries(plan.env)) {
    if (!k || k.includes('=') || k.includes('\0') || v.includes('\0')) throw new InvalidRequestError(`bad environment entry ${JSON.stringify(k)}`, 'env');
  }
}

/** Fds 0-2 must be open, or a pipe could get number 0-2 and be clobbered by B's dup2s. */
function ensureStdioOpen(): void {
  for (let fd = 0; fd <= 2; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      fs.openSync('/dev/null', fd === 0 ? 'r' : 'w');
    }
  }
}
