/**
 * What a sandbox is made with (Sandbox.create), and what job directories need of the host's
 * mounts (Sandbox.hostMounts).
 */
import type { CgroupManager } from '../cgroup/manager';
import type { NativeApi } from './native';

export interface SandboxOptions {
  /**
   * root: the worker is root (the boxes' namespaces made by clone, ids mapped by each box's init).
   * rootless: an ordinary user; every box is made in the worker's user namespace (rootless.ts).
   * auto (default): root when the process's euid is 0, else rootless.
   */
  privilege?: 'auto' | 'root' | 'rootless';
  /** Rootless without subordinate ids: run every program as the worker's uid (weaker: docs/security.md); default false: refuse. */
  singleUid?: boolean;
  /** Rootless: this user's device slots (default /var/lib/caged/devices/<user>, made by scripts/setup-host.sh --user). */
  devicePool?: string;
  /** Mount points and the host id leases' lock files (`<runtimeDir>/slots`); default /run/caged (root), src/linux/state-dirs.ts. */
  runtimeDir?: string;
  /** Where job directories live (src/rootfs/job-dirs.ts); default <state dir>/jobs, /var/lib/caged/jobs as root. */
  jobsDir?: string;
  /** First host uid/gid given to boxes; default 10,000,000. */
  hostIdBase?: number;
  /** Host ids available, i.e. boxes that may run at once on this host; default 256. */
  hostIds?: number;
  hostname?: string;
  /**
   * Default: detected (cgroup v2 where /sys/fs/cgroup is cgroup2, else v1; rootless, the delegated
   * subtree). A RlimitsOnlyManager (src/cgroup/rlimits.ts) runs every box on its rlimits alone.
   */
  cgroups?: CgroupManager;
  /** Rootless with no writable cgroup: rlimits only instead of refusing (docs/rootless.md#rlimits-only); default CAGED_RLIMITS_ONLY. */
  rlimitsOnly?: boolean;
  /**
   * Pin each run to one CPU of this list (cpu-pins.ts: the least used at its start) through the
   * cpuset controller; default CAGED_CPUS, empty: no pinning. Root mode only; every CPU must be
   * one this process may run on, and the cgroup manager must have the cpuset controller.
   */
  cpus?: readonly number[];
  /**
   * Each box's disk throttle on every block device (src/cgroup/disk-caps.ts); default CAGED_DISK_MB_PER_S
   * and CAGED_DISK_IOPS, which apply where the controller is there; caps given here need it.
   */
  disk?: { bytesPerSecond: number; iops: number };
  /** Use overlayfs; default: whether the kernel has it. false behaves as on a kernel without it. */
  overlay?: boolean;
  /**
   * Remove the cgroups dead workers left at start-up; default true. Their job directories are
   * JobDirs' (src/rootfs/job-dirs.ts); host id leases need no cleanup: they are flocks.
   */
  cleanupAtStart?: boolean;
  /**
   * Containers prepared ahead of their runs (namespaces and cgroup made, init waiting; see
   * prepared-containers.ts), default 2; 0 makes each at its run. `close()` ends them.
   */
  preparedContainers?: number;
  /**
   * Told when work in the background fails: preparing (or ending) a prepared container, or
   * tearing down the container of an ended run (its cgroup's removal); default: ignored. The
   * runs are not affected; `backgroundFailures` counts them.
   */
  onBackgroundError?: (err: Error) => void;
  /**
   * false: no seccomp filter. Only for tests of the layers beneath it (that the mounts stay
   * locked even for a program that may call mount); the worker and the CLI never set it.
   */
  seccomp?: boolean;
}

/**
 * mount(2) and detaching in the host's own namespace: what job directories need (src/rootfs/job-dirs.ts).
 * Rootless, nothing can be mounted there: `plainDirs` says job directories are plain
 * directories, and `removeTree` removes one (its boxes' files belong to other ids).
 */
export type HostMounts = Pick<NativeApi, 'mount' | 'detach'> & { plainDirs?: boolean; removeTree?: (dir: string) => void };
