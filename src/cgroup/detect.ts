/**
 * Chooses the cgroup manager once at start-up from the mount table.
 *
 * - `<root>` (default /sys/fs/cgroup) is itself a cgroup2 mount: a pure v2 host → CgroupV2Manager.
 * - memory, pids and cpuacct each have a v1 (`cgroup`) mount: v1 or hybrid host → CgroupV1Manager.
 *   A hybrid host's controller-less cgroup2 at `<root>/unified` does not count as v2.
 * - Neither: HostError saying what is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../errors';
import type { CgroupManager } from './manager';
import { CgroupV1Manager, V1_REQUIRED_CONTROLLERS, type V1Controller } from './v1';
import { CgroupV2Manager, errnoOf } from './v2';
import { RLIMITS_ONLY_OPT_IN, RlimitsOnlyManager } from './rlimits';
import { blockDevices, capsSomething, type DiskCaps } from './disk-caps';

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  /** Mount options, split on commas (for v1 cgroups they include the controller names). */
  options: string[];
}

export interface DetectOptions {
  /** Where the cgroup hierarchy is expected. Default `/sys/fs/cgroup`. */
  root?: string;
  /** Kind to use when both are usable. Default `v2`. When only one is usable it is used. */
  prefer?: 'v1' | 'v2';
  /** Mount table to read, in /proc/mounts format. Default `/proc/self/mounts` (tests pass a fixture). */
  mountsPath?: string;
  /** Directory under the hierarchy (or each v1 controller mount) that holds the leaves. Default `caged`. */
  parent?: string;
  /** Boxes are pinned to CPUs (CAGED_CPUS): the cpuset controller must be there (HostError otherwise). Default false. */
  pinning?: boolean;
  /** Each box's disk throttle (disk-caps.ts): v1's blkio or v2's io controller must be there (HostError otherwise). */
  disk?: DiskCaps;
  /**
   * The caps are the defaults, not asked for: without the controller the manager has none, and
   * says why (CgroupManager.noDiskCaps), instead of the HostError. Default false.
   */
  diskOptional?: boolean;
}

/** How a worker runs without disk caps, for the refusals that need the controller. */
export const NO_DISK_CAPS = 'CAGED_DISK_MB_PER_S=0 CAGED_DISK_IOPS=0';

function noDiskController(what: string): HostError {
  return new HostError(
    `cgroup: disk caps (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS) cannot be set: ${what}; to run without them: ${NO_DISK_CAPS}`,
  );
}

/**
 * The disk option of a manager: the caps, when they cap something and `missing` (why the
 * controller is not there, or null) is null; else none, `noDiskCaps` saying why, or the
 * refusal when they were asked for (not `optional`).
 */
function diskOption(
  caps: DiskCaps | undefined,
  missing: () => string | null,
  optional: boolean,
  refuse: (why: string) => Error,
): { disk?: DiskCaps; noDiskCaps?: string } {
  if (!capsSomething(caps)) return {};
  const why = missing();
  if (why === null) return { disk: caps };
  if (!optional) throw refuse(why);
  return { noDiskCaps: why };
}

/** Parses /proc/mounts text; `\040`-style octal escapes in paths are decoded. */
export function parseMounts(text: string): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountPoint, fsType, options] = line.trim().split(/\s+/);
    if (source === undefined || mountPoint === undefined || fsType === undefined) continue;
    entries.push({ source: unescape(source), mountPoint: unescape(mountPoint), fsType, options: (options ?? '').split(',') });
  }
  return entries;
}

/** Mount point of each v1 controller found in `mounts` (first mount wins). */
export function v1ControllerMounts(mounts: readonly MountEntry[]): Partial<Record<V1Controller, string>> {
  const found: Partial<Record<V1Controller, string>> = {};
  const controllers: readonly V1Controller[] = ['memory', 'pids', 'cpuacct', 'cpu', 'blkio'];
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const c of controllers) if (m.options.includes(c) && found[c] === undefined) found[c] = m.mountPoint;
  }
  return found;
}

/** Mount point of the v1 cpuset hierarchy in `mounts` (the first), or undefined: what pinning boxes to CPUs needs on v1. */
export function v1CpusetMount(mounts: readonly MountEntry[]): string | undefined {
  return mounts.find((m) => m.fsType === 'cgroup' && m.options.includes('cpuset'))?.mountPoint;
}

export function detectCgroupManager(opts: DetectOptions = {}): CgroupManager {
  const root = path.resolve(opts.root ?? '/sys/fs/cgroup');
  const mountsPath = opts.mountsPath ?? '/proc/self/mounts';
  let text: string;
  try {
    text = fs.readFileSync(mountsPath, 'utf8');
  } catch (err) {
    throw new HostError(`cgroup: read ${mountsPath}: ${errnoOf(err)}`, { cause: err });
  }
  const mounts = parseMounts(text);
  // The last mount on a path hides the earlier ones.
  const atRoot = mounts.filter((m) => path.resolve(m.mountPoint) === root).pop();
  const v2 = atRoot?.fsType === 'cgroup2';
  const v1Mounts = v1ControllerMounts(mounts);
  const v1Missing = V1_REQUIRED_CONTROLLERS.filter((c) => v1Mounts[c] === undefined);
  const v1 = v1Missing.length === 0;
  if (!v2 && !v1) {
    const rootIs = atRoot === undefined ? 'nothing mounted there' : `${atRoot.fsType} mounted there`;
    throw new HostError(
      `cgroup: no usable cgroups in ${mountsPath}: no cgroup2 at ${root} (${rootIs}) ` +
        `and no cgroup v1 mount for ${v1Missing.join(', ')}`,
    );
  }
  const kind = v2 && v1 ? (opts.prefer ?? 'v2') : v2 ? 'v2' : 'v1';
  const diskOf = (missing: () => string | null) => diskOption(opts.disk, missing, opts.diskOptional === true, noDiskController);
  if (kind === 'v2') {
    const file = path.join(root, 'cgroup.controllers');
    const available = (): string[] => {
      try {
        return fs.readFileSync(file, 'utf8').split(/\s+/);
      } catch (err) {
        throw new HostError(`cgroup: read ${file}: ${errnoOf(err)}`, { cause: err });
      }
    };
    if (opts.pinning && !available().includes('cpuset'))
      throw new HostError(`cgroup: pinning boxes to CPUs (CAGED_CPUS) needs the cpuset controller, and ${file} lacks it`);
    const disk = diskOf(() => refusal(rootDiskV2(available(), file)));
    return new CgroupV2Manager({ root, parent: opts.parent, cpuset: opts.pinning === true, ...disk });
  }
  const disk = diskOf(() => refusal(rootDiskV1(v1Mounts.blkio, mountsPath)));
  if (!opts.pinning) return new CgroupV1Manager({ mounts: v1Mounts, parent: opts.parent, ...disk });
  const cpuset = v1CpusetMount(mounts);
  if (cpuset === undefined)
    throw new HostError(
      `cgroup: pinning boxes to CPUs (CAGED_CPUS) needs the cpuset controller, and ${mountsPath} has no cgroup v1 mount of it`,
    );
  return new CgroupV1Manager({ mounts: v1Mounts, parent: opts.parent, cpuset, ...disk });
}

/**
 * A cgroup subtree an unprivileged worker may use, or why there is none. Root uses the
 * hierarchy's own `caged` directories; an ordinary user needs one handed to it:
 *
 * - v1: `<controller mount>/caged-<user>` for each of memory, pids, cpuacct and cpu, made by
 *   root and given to the user once (`scripts/setup-host.sh --user NAME`). The name carries the
 *   user so that root's `caged` and several users' subtrees live side by side.
 * - v2: the worker's own cgroup (from /proc/self/cgroup) when the user may write it
 *   (systemd `Delegate=yes`, e.g. `systemd-run --user --scope -p Delegate=yes`, or a
 *   container's own cgroup namespace): the boxes' leaves go under `<it>/caged`, and the worker
 *   moves itself to a leaf beside them (v2's no-internal-processes rule).
 */
export type DelegatedCgroup =
  | {
      kind: 'v1';
      mounts: Partial<Record<V1Controller, string>>;
      parent: string;
      where: string;
      pinning: DelegatedPinning;
      disk: DelegatedDisk;
    }
  | { kind: 'v2'; root: string; parent: string; where: string; pinning: DelegatedPinning; disk: DelegatedDisk }
  | { kind: 'none'; reason: string; fix: string };

/**
 * Whether a delegated subtree can also pin boxes to CPUs (CAGED_CPUS), and how: the cpuset
 * controller handed over with the rest. v1: `<cpuset mount>/caged-<user>`, writable, with CPUs
 * and memory nodes of its own (a v1 cpuset takes no process without both; setup-host.sh copies
 * the root's, which the user could not write); v2: `cpuset` among the delegated cgroup's
 * controllers (systemd's Delegate=yes hands it over, or Delegate=… naming it).
 */
export type DelegatedPinning = { cpuset: string } | { refused: string; fix: string };

/**
 * Whether a delegated subtree can also cap the boxes' disk I/O (disk-caps.ts): v1
 * `<blkio mount>/caged-<user>` writable, v2 `io` among the delegated cgroup's controllers.
 */
export type DelegatedDisk = { ok: true } | { refused: string; fix: string };

/**
 * Root's disk caps on v1: the blkio controller mounted (`mountsPath`: the table it was looked for
 * in); on v2: io among the root's controllers (read from `file`). The worker's decision and the
 * doctor's.
 */
export function rootDiskV1(blkioMount: string | undefined, mountsPath: string): DelegatedDisk {
  return blkioMount !== undefined
    ? { ok: true }
    : { refused: `no cgroup v1 mount of the blkio controller in ${mountsPath}`, fix: NO_DISK_CAPS };
}

export function rootDiskV2(controllers: readonly string[], file: string): DelegatedDisk {
  return controllers.includes('io') ? { ok: true } : { refused: `no io controller in ${file}`, fix: NO_DISK_CAPS };
}

const refusal = (d: DelegatedDisk): string | null => ('refused' in d ? d.refused : null);

export interface DelegationOptions extends Pick<DetectOptions, 'root' | 'mountsPath'> {
  /** The user whose subtree is looked for (v1 `caged-<user>`); default this process's. */
  user?: string;
  /** /proc/self/cgroup (fixtures in tests). */
  procSelfCgroup?: string;
  /** Whether this process may write `p` (default access(2) W_OK). */
  writable?: (p: string) => boolean;
  /** The text of a cgroup file, or null when it cannot be read (default fs; the doctor's host view). */
  readText?: (p: string) => string | null;
}

/** The command that has systemd delegate `controllers` to every user's services (a v2 host's fix). */
export function delegateV2Fix(controllers: readonly string[]): string {
  return `sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=${controllers.join(' ')}\\n' | sudo tee /etc/systemd/system/user@.service.d/caged.conf && sudo systemctl daemon-reload`;
}

const readOrNull = (p: string): string | null => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

const canWrite = (p: string): boolean => {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** Finds this user's delegated cgroup subtree (see DelegatedCgroup). Never throws for a missing one. */
export function findDelegatedCgroup(opts: DelegationOptions = {}): DelegatedCgroup {
  const root = path.resolve(opts.root ?? '/sys/fs/cgroup');
  const writable = opts.writable ?? canWrite;
  const read = opts.readText ?? readOrNull;
  const user = opts.user ?? userNameOf();
  let mounts: MountEntry[];
  try {
    mounts = parseMounts(fs.readFileSync(opts.mountsPath ?? '/proc/self/mounts', 'utf8'));
  } catch (err) {
    return { kind: 'none', reason: `cannot read the mount table: ${errnoOf(err)}`, fix: 'mount /proc' };
  }
  const atRoot = mounts.filter((m) => path.resolve(m.mountPoint) === root).pop();
  if (atRoot?.fsType === 'cgroup2') {
    let self = '';
    try {
      const text = fs.readFileSync(opts.procSelfCgroup ?? '/proc/self/cgroup', 'utf8');
      self = /^0::(\/.*)$/m.exec(text)?.[1] ?? '';
    } catch (err) {
      return { kind: 'none', reason: `cannot read /proc/self/cgroup: ${errnoOf(err)}`, fix: 'mount /proc' };
    }
    const dir = path.join(root, self);
    const files = [dir, path.join(dir, 'cgroup.procs'), path.join(dir, 'cgroup.subtree_control')];
    const denied = files.filter((f) => !writable(f));
    if (self === '' || denied.length > 0) {
      return {
        kind: 'none',
        reason: `cgroup v2: this process's cgroup ${dir} is not delegated to ${user} (${denied.map((f) => path.basename(f)).join(', ') || 'no 0:: line'} not writable)`,
        fix: 'start the worker in a delegated cgroup: systemd-run --user --scope -p Delegate=yes caged worker (or a unit with Delegate=yes)',
      };
    }
    const controllers = (read(path.join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
    const without = (c: string) =>
      `cgroup v2: ${dir} is delegated to ${user} without the ${c} controller (has: ${controllers.join(' ') || 'none'})`;
    const pinning: DelegatedPinning = controllers.includes('cpuset')
      ? { cpuset: dir }
      : { refused: without('cpuset'), fix: delegateV2Fix(['memory', 'pids', 'cpu', 'cpuset']) };
    const disk: DelegatedDisk = controllers.includes('io')
      ? { ok: true }
      : { refused: without('io'), fix: `${delegateV2Fix(['memory', 'pids', 'cpu', 'io'])} (or ${NO_DISK_CAPS})` };
    return { kind: 'v2', root: dir, parent: 'caged', where: `cgroup v2: ${dir} (delegated), boxes under ${dir}/caged`, pinning, disk };
  }
  const v1Mounts = v1ControllerMounts(mounts);
  const parent = `caged-${user}`;
  const missing = V1_REQUIRED_CONTROLLERS.filter((c) => v1Mounts[c] === undefined);
  const fix = `sudo scripts/setup-host.sh --user ${user}`;
  if (missing.length > 0) return { kind: 'none', reason: `cgroup v1: no mount for ${missing.join(', ')}`, fix };
  const controllers = (['memory', 'pids', 'cpuacct', 'cpu'] as const).filter((c) => v1Mounts[c] !== undefined);
  const notOurs = controllers.filter((c) => {
    const dir = path.join(v1Mounts[c]!, parent);
    return !writable(dir) || !writable(path.join(dir, 'cgroup.procs'));
  });
  if (notOurs.length > 0) {
    return {
      kind: 'none',
      reason: `cgroup v1: ${notOurs.map((c) => path.join(v1Mounts[c]!, parent)).join(', ')} missing or not writable by ${user}`,
      fix,
    };
  }
  return {
    kind: 'v1',
    mounts: v1Mounts,
    parent,
    where: `cgroup v1: <controller>/${parent} (delegated to ${user})`,
    pinning: v1DelegatedPinning(v1CpusetMount(mounts), parent, user, writable, read, fix),
    disk: v1DelegatedDisk(v1Mounts.blkio, parent, user, writable, fix),
  };
}

/** DelegatedDisk on v1: the user's `caged-<user>` in the blkio hierarchy, writable. */
function v1DelegatedDisk(
  mount: string | undefined,
  parent: string,
  user: string,
  writable: (p: string) => boolean,
  fix: string,
): DelegatedDisk {
  const orOff = `${fix} (or ${NO_DISK_CAPS})`;
  if (mount === undefined) return { refused: 'cgroup v1: no mount of the blkio controller', fix: NO_DISK_CAPS };
  const dir = path.join(mount, parent);
  if (!writable(dir) || !writable(path.join(dir, 'cgroup.procs')))
    return { refused: `cgroup v1: ${dir} missing or not writable by ${user}`, fix: orOff };
  return { ok: true };
}

/** DelegatedPinning on v1: the user's `caged-<user>` in the cpuset hierarchy, writable and with CPUs and memory nodes. */
function v1DelegatedPinning(
  mount: string | undefined,
  parent: string,
  user: string,
  writable: (p: string) => boolean,
  read: (p: string) => string | null,
  fix: string,
): DelegatedPinning {
  if (mount === undefined)
    return {
      refused: 'cgroup v1: no mount of the cpuset controller',
      fix: 'sudo mkdir -p /sys/fs/cgroup/cpuset && sudo mount -t cgroup -o cpuset cpuset /sys/fs/cgroup/cpuset',
    };
  const dir = path.join(mount, parent);
  if (!writable(dir) || !writable(path.join(dir, 'cgroup.procs')))
    return { refused: `cgroup v1: ${dir} missing or not writable by ${user}`, fix };
  const empty = ['cpuset.cpus', 'cpuset.mems'].filter((f) => (read(path.join(dir, f)) ?? '').trim() === '');
  if (empty.length > 0) return { refused: `cgroup v1: ${dir} has an empty ${empty.join(' and ')}`, fix };
  return { cpuset: mount };
}

/**
 * The cgroup manager of a rootless worker: its delegated subtree; without one, with `rlimitsOnly`
 * (CAGED_RLIMITS_ONLY=yes) no cgroup at all (rlimits.ts), else a HostError naming the fix and the
 * opt-in. A writable cgroup is always used: `rlimitsOnly` never replaces one.
 */
export function delegatedCgroupManager(
  opts: DelegationOptions & { rlimitsOnly?: boolean; pinning?: boolean } & Pick<DetectOptions, 'disk' | 'diskOptional'> = {},
): CgroupManager {
  const d = findDelegatedCgroup(opts);
  if (d.kind === 'none') {
    if (opts.pinning) throw new HostError(`rootless: pinning boxes to CPUs (CAGED_CPUS) needs a cgroup: ${d.reason}. Fix: ${d.fix}`);
    if (opts.rlimitsOnly) return new RlimitsOnlyManager(d.reason);
    throw new HostError(
      `rootless: no writable cgroup: ${d.reason}. Fix: ${d.fix} (or accept per-process limits only: ${RLIMITS_ONLY_OPT_IN}, docs/rootless.md#rlimits-only)`,
    );
  }
  const pinning = opts.pinning ? d.pinning : null;
  if (pinning && 'refused' in pinning)
    throw new HostError(
      `rootless: pinning boxes to CPUs (CAGED_CPUS) needs the cpuset controller delegated too: ${pinning.refused}. Fix: ${pinning.fix}`,
    );
  const delegatedDisk = d.disk;
  const withDisk = diskOption(
    opts.disk,
    () => refusal(delegatedDisk),
    opts.diskOptional === true,
    (why) =>
      new HostError(
        `rootless: disk caps (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS) need the blkio (v1) or io (v2) controller delegated too: ${why}. Fix: ${'fix' in delegatedDisk ? delegatedDisk.fix : NO_DISK_CAPS}`,
      ),
  );
  return d.kind === 'v2'
    ? new CgroupV2Manager({ root: d.root, parent: d.parent, cpuset: pinning !== null, ...withDisk })
    : new CgroupV1Manager({ mounts: d.mounts, parent: d.parent, ...(pinning ? { cpuset: pinning.cpuset } : {}), ...withDisk });
}

function userNameOf(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.geteuid?.() ?? 'user');
  }
}

/**
 * The cgroup manager of a worker: root's hierarchy, or (rootless) its delegated subtree; with CPU
 * pinning and each box's disk caps on every block device (disk-caps.ts). Caps asked for (an
 * option, a variable set) need their controller; the defaults apply where it is there.
 */
export function workerCgroupManager(o: {
  rootless: boolean;
  rlimitsOnly: boolean;
  pinning: boolean;
  /** `asked`: given (an option, a variable set), not the defaults; absent: given. */
  disk: { bytesPerSecond: number; iops: number; asked?: boolean };
}): CgroupManager {
  const { bytesPerSecond, iops, asked = true } = o.disk;
  const disk = { disk: { bytesPerSecond, iops, devices: blockDevices() }, diskOptional: !asked };
  return o.rootless
    ? delegatedCgroupManager({ rlimitsOnly: o.rlimitsOnly, pinning: o.pinning, ...disk })
    : detectCgroupManager({ pinning: o.pinning, ...disk });
}
