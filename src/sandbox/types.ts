/**
 * What a run is asked to do (RunPlan) and what it reports (RunResult). Units are in the names;
 * one internal unit per quantity: milliseconds, bytes.
 */
import type { Enforcement } from '../cgroup/rlimits';

export interface RunLimits {
  /** CPU time of every process and thread of the container together, in ms. */
  cpuTimeMs: number;
  /** Wall-clock time from the program's start, in ms. */
  wallTimeMs: number;
  /** Memory of the whole container (cgroup), in bytes; tmpfs files written count too. */
  memoryBytes: number;
  /** Address-space rlimit per process in bytes; 0 = none (the cgroup limit is what counts). */
  addressSpaceBytes: number;
  /** Processes and threads alive at once. */
  pids: number;
  /** Cap on stdout, and separately on stderr, in bytes; past it the run is killed (OLE). */
  outputBytes: number;
  /** Largest file the program may write, in bytes (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Stack size per process in bytes (RLIMIT_STACK); 0 = no limit of its own (the memory limit bounds it). */
  stackBytes: number;
  /** Size of the writable layer (rootfs changes and /box changes) and of /tmp, in bytes each. */
  diskBytes: number;
}

export type RootfsSpec =
  /**
   * Copy-on-write: the read-only image layers below (top first: the first hides the others'
   * files of the same path, overlayfs's lowerdir order), a per-run tmpfs above.
   */
  | { mode: 'overlay'; lowerDirs: readonly string[] }
  /** A directory used as it is (the per-job unpacked copy of `rootfs: "extract"`). */
  | { mode: 'dir'; dir: string };

export interface BoxSpec {
  /** Host directory with the job's files (source, compiled artefact). */
  hostDir: string;
  /**
   * `rw`: the program writes straight into hostDir (the compile step's output stays);
   * `overlay`: the program sees hostDir's files but its writes go to the run's tmpfs and vanish.
   */
  mode: 'rw' | 'overlay';
  /**
   * Only for `overlay`: read-only directories beneath hostDir's files (top first, overlayfs's
   * lowerdir order), e.g. the compile cache's entry on a hit, so that nothing is copied into
   * hostDir. The program sees the union (hostDir's files hide same-named ones below); its writes
   * go to the run's tmpfs as always, never into a layer. Needs overlayfs (Sandbox.hasOverlay).
   */
  lowerDirs?: readonly string[];
  /**
   * The program may not create, change or remove anything in /box (a problem package's
   * `allow_file_writing: false`): /box is remounted read-only once it is the program's. Its
   * writes fail with EROFS; /tmp stays writable.
   */
  readOnly?: boolean;
  /**
   * Only for `overlay`: where the run's writes to /box land instead of its tmpfs, kept after it
   * for the worker to read (a test's output file): `dir` empty, `work` an empty directory of the
   * same filesystem (overlayfs's work directory). The caller caps that filesystem (a job
   * directory of its own) and removes both. Not with `readOnly`.
   */
  upper?: { dir: string; work: string };
  /**
   * The one file of /box the program may write (a CMS task's output file: allowFileWriting
   * false with fileIo.output): a plain name, the file already made empty by the caller where the
   * run's writes land (`upper.dir`, or the `rw` box); it is given to the program, bound on
   * itself, and /box is then remounted read-only, so that every other write fails with EROFS
   * and the file cannot be removed or renamed. Not with `readOnly`.
   */
  onlyWritable?: string;
  /**
   * Only for `rw`: directories below /box ("unsigned", "a/b": relative, each part a plain name,
   * parents before children) that the program owns as it owns /box, so that a compiler can
   * write beside the sources in them (javac -d . into a package's directory). The worker made
   * them in the fresh box; nothing the program wrote lies on their paths yet.
   */
  ownedDirs?: readonly string[];
}

export interface ReadOnlyBind {
  hostPath: string;
  /** Absolute path inside the container. */
  target: string;
  kind: 'file' | 'dir';
  /**
   * Only for a `dir`: mounted writable (no setuid, devices or exec) and owned by the program,
   * for an empty directory the run writes its report into (an interactor's feedback directory).
   */
  writable?: boolean;
}

export interface RunPlan {
  rootfs: RootfsSpec;
  /** /box; absent = an empty writable /box that vanishes with the run. */
  box?: BoxSpec;
  binds?: readonly ReadOnlyBind[];
  /** argv[0] is resolved against PATH of `env` when it has no slash. */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Working directory inside; default /box. */
  cwd?: string;
  stdin?: Buffer | string;
  /** The program's stderr is its stdout (fd 2 the same pipe as fd 1): the result's stderr stays empty. */
  stderrToStdout?: boolean;
  limits: RunLimits;
  /** Tag for logs and names. */
  label?: string;
  /**
   * Ends the run when it aborts: its container is killed at once (the program's tree with it)
   * and the run rejects with RunAbortedError whatever it had done, so that nothing of a run cut
   * short this way passes for its program's doing (a compile cached, a verdict). Aborted before
   * the launch, no container is taken.
   */
  signal?: AbortSignal;
}

export type LimitHit = 'cpu' | 'wall' | 'memory' | 'output' | 'pids' | 'fileSize' | null;

export interface RunResult {
  /** Exit code when the program exited, else null. */
  exitCode: number | null;
  /** Name of the signal that ended the program ("SIGSEGV"), else null. */
  signal: string | null;
  cpuTimeMs: number;
  wallTimeMs: number;
  /** Peak memory of the container, in bytes. */
  memoryBytes: number;
  /** The limit that ended or hampered the run, if one did. */
  limitHit: LimitHit;
  /** Name of the forbidden system call that ended the run, if one did ("ptrace"). */
  forbiddenSyscall: string | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Raw counters for the judge: OOM kills and allocations that hit the memory limit. */
  oomKills: number;
  memoryLimitHits: number;
  /**
   * Rlimits only (no cgroup, src/cgroup/rlimits.ts): how each limit was enforced; absent: by the
   * cgroup. cpuTimeMs and memoryBytes are then the rusage of the box's processes (peak memory:
   * the largest one's resident set).
   */
  enforcement?: Enforcement;
}
