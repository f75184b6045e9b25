/**
 * The doctor's cgroup probe: which version the host mounts, and what the worker may write there.
 *
 * - Root: cgroup v2 at /sys/fs/cgroup with memory, pids and cpu, or v1 controllers memory, pids
 *   and cpuacct under /sys/fs/cgroup/* (a hybrid host's controller-less /sys/fs/cgroup/unified
 *   does not count), mounted read-write.
 * - Rootless: the subtree delegated to the user, found as the worker finds it
 *   (src/cgroup/detect.ts findDelegatedCgroup: v1 `<controller mount>/caged-<user>`, which
 *   `scripts/setup-host.sh --user NAME` hands over; v2 the worker's own cgroup when it may write
 *   it, as systemd's `Delegate=yes` gives it), with, on v2, the controllers the boxes use.
 */
import path from 'node:path';
import {
  delegateV2Fix,
  findDelegatedCgroup,
  parseMounts,
  v1ControllerMounts,
  v1CpusetMount,
  rootDiskV1,
  rootDiskV2,
  type DelegatedDisk,
  type DelegatedPinning,
  type MountEntry,
} from '../cgroup/detect';
import { MEMCG_ID_MAX, RECLAIM_AT, parseMemoryCgroupCount } from '../cgroup/memcg-ids';
import { V1_REQUIRED_CONTROLLERS } from '../cgroup/v1';
import { V2_CONTROLLERS } from '../cgroup/v2';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupProbe {
  finding: Finding;
  /**
   * The hierarchy the boxes would use, or null when none is usable; with whether it can pin them
   * to CPUs (CAGED_CPUS: src/doctor/cpus.ts), as the worker would decide.
   */
  usable: { version: 1 | 2; where: string; pinning: DelegatedPinning; disk: DelegatedDisk } | null;
}

/** Root's answer where the cpuset controller is missing: pinning can only be turned off. */
const NO_PINNING = 'CAGED_CPUS=';

const DELEGATE_V2 = 'systemd-run --user --scope -p Delegate=yes -- caged worker';

/** No hierarchy the boxes could use: why, and the command that fixes it. */
function unusable(detail: string, fix?: string): CgroupProbe {
  return { usable: null, finding: finding('cgroup', 'cgroups', 'missing', detail, fix) };
}

/** The hierarchy the boxes would use. */
function usable(where: NonNullable<CgroupProbe['usable']>, detail: string): CgroupProbe {
  return { usable: where, finding: finding('cgroup', 'cgroups', 'ok', detail) };
}

/**
 * Memory cgroups on the host, dying ones included, at which the doctor warns: half the kernel's
 * limit, far past the mark where a worker reclaims its own (src/cgroup/memcg-ids.ts), so the rest
 * are other users' or a worker's that cannot reclaim.
 */
export const MEMCG_WARN_AT = Math.ceil(MEMCG_ID_MAX / 2);

export function cgroupProbe(host: HostView, rootless: boolean): CgroupProbe {
  const probe = hierarchyProbe(host, rootless);
  const count = parseMemoryCgroupCount(host.readText('/proc/cgroups') ?? '');
  if (!probe.usable || count === null || count < MEMCG_WARN_AT) return probe;
  const detail =
    `${probe.finding.detail}; but the host has ${count} memory cgroups, removed ones still holding cached pages included, ` +
    `of the kernel's ${MEMCG_ID_MAX}: at the limit no box can be made (a worker reclaims its own at ${RECLAIM_AT})`;
  // Dropping the clean page cache frees every dying cgroup that only cached pages keep.
  return { ...probe, finding: finding('cgroup', 'cgroups', 'warn', detail, 'sync && echo 1 | sudo tee /proc/sys/vm/drop_caches') };
}

function hierarchyProbe(host: HostView, rootless: boolean): CgroupProbe {
  const mounts = parseMounts(host.readText('/proc/self/mounts') ?? '');
  const atRoot = mounts.filter((m) => path.posix.resolve(m.mountPoint) === CGROUP_ROOT).pop();
  const v1 = v1ControllerMounts(mounts);
  const v1Complete = V1_REQUIRED_CONTROLLERS.every((c) => v1[c] !== undefined);
  if (rootless && (atRoot?.fsType === 'cgroup2' || v1Complete)) return delegated(host, atRoot);
  if (atRoot?.fsType === 'cgroup2') return v2AsRoot(host, atRoot);
  if (v1Complete) {
    const unified = mounts.some((m) => m.fsType === 'cgroup2' && path.posix.resolve(m.mountPoint) === `${CGROUP_ROOT}/unified`);
    const kind = unified ? 'cgroup v1 (hybrid: the cgroup2 at /sys/fs/cgroup/unified holds no controllers)' : 'cgroup v1';
    const cpuset = v1CpusetMount(mounts);
    const disk = rootDiskV1(v1.blkio, '/proc/self/mounts');
    return v1AsRoot(mounts, v1, kind, cpuset ? { cpuset } : { refused: 'no cgroup v1 mount of it', fix: NO_PINNING }, disk);
  }
  const missing = V1_REQUIRED_CONTROLLERS.filter((c) => v1[c] === undefined);
  return unusable(
    `none usable: no cgroup2 at ${CGROUP_ROOT} (${atRoot ? `${atRoot.fsType} there` : 'nothing mounted there'}) and no cgroup v1 mount for ${missing.join(', ')}`,
    `sudo mount -t cgroup2 none ${CGROUP_ROOT}`,
  );
}

function v2AsRoot(host: HostView, mount: MountEntry): CgroupProbe {
  const have = (host.readText(`${CGROUP_ROOT}/cgroup.controllers`) ?? '').trim().split(/\s+/);
  const lacking = V2_CONTROLLERS.filter((c) => !have.includes(c));
  if (!mount.options.includes('rw')) {
    return unusable(`cgroup v2 at ${CGROUP_ROOT} is mounted read-only`, `sudo mount -o remount,rw ${CGROUP_ROOT}`);
  }
  if (lacking.length > 0) {
    return unusable(`cgroup v2 at ${CGROUP_ROOT} offers no ${lacking.join(', ')} (has: ${have.join(' ') || 'none'})`);
  }
  const pinning: DelegatedPinning = have.includes('cpuset')
    ? { cpuset: CGROUP_ROOT }
    : { refused: `${CGROUP_ROOT}/cgroup.controllers lacks it`, fix: NO_PINNING };
  const disk = rootDiskV2(have, `${CGROUP_ROOT}/cgroup.controllers`);
  return usable(
    { version: 2, where: `${CGROUP_ROOT}/caged`, pinning, disk },
    `cgroup v2 at ${CGROUP_ROOT}, read-write, with ${V2_CONTROLLERS.join(', ')}: boxes go under ${CGROUP_ROOT}/caged`,
  );
}

function v1AsRoot(
  mounts: readonly MountEntry[],
  v1: ReturnType<typeof v1ControllerMounts>,
  kind: string,
  pinning: DelegatedPinning,
  disk: DelegatedDisk,
): CgroupProbe {
  const readOnly = V1_REQUIRED_CONTROLLERS.filter(
    (c) => !mounts.find((m) => m.mountPoint === v1[c] && m.fsType === 'cgroup')?.options.includes('rw'),
  );
  const list = V1_REQUIRED_CONTROLLERS.map((c) => `${c} at ${v1[c]}`).join(', ');
  const [firstReadOnly] = readOnly;
  if (firstReadOnly !== undefined) {
    const first = v1[firstReadOnly] ?? CGROUP_ROOT;
    return unusable(`${kind}: ${readOnly.join(', ')} mounted read-only (${list})`, `sudo mount -o remount,rw ${first}`);
  }
  return usable(
    { version: 1, where: V1_REQUIRED_CONTROLLERS.map((c) => `${v1[c]}/caged`).join(', '), pinning, disk },
    `${kind}, read-write: ${list}; boxes go under caged/ in each`,
  );
}

/**
 * An ordinary user's delegated subtree, found as the rootless worker finds it
 * (src/cgroup/detect.ts findDelegatedCgroup), read through the host view; the doctor adds that a
 * v2 subtree must offer the controllers the boxes use.
 */
function delegated(host: HostView, mount: MountEntry | undefined): CgroupProbe {
  if (mount?.fsType === 'cgroup2' && !mount.options.includes('rw')) {
    // A container runtime mounts the container's cgroup namespace read-only unless it delegates it.
    return unusable(`cgroup v2 at ${CGROUP_ROOT} is mounted read-only (a container's own cgroup?): nothing is writable`, DELEGATE_V2);
  }
  // Paths in the mount table and under the hierarchy stay host paths; only the files read move.
  const found = findDelegatedCgroup({
    root: CGROUP_ROOT,
    mountsPath: host.hostPath('/proc/self/mounts'),
    procSelfCgroup: host.hostPath('/proc/self/cgroup'),
    user: host.identity.userName,
    writable: (p) => host.writable(p),
    readText: (p) => host.readText(p),
  });
  const name = host.identity.userName;
  switch (found.kind) {
    case 'none':
      return unusable(found.reason, found.fix);
    case 'v1': {
      const dirs = Object.values(found.mounts).map((m) => `${m}/${found.parent}`);
      return usable(
        { version: 1, where: dirs.join(', '), pinning: found.pinning, disk: found.disk },
        `cgroup v1, delegated to ${name}: ${dirs.join(', ')}`,
      );
    }
    case 'v2': {
      const dir = found.root;
      const have = (host.readText(`${dir}/cgroup.controllers`) ?? '').trim().split(/\s+/);
      const lacking = V2_CONTROLLERS.filter((c) => !have.includes(c));
      if (lacking.length > 0) {
        return unusable(
          `cgroup v2, ${dir} delegated to ${name} but without ${lacking.join(', ')} (has: ${have.join(' ') || 'none'})`,
          delegateV2Fix(V2_CONTROLLERS),
        );
      }
      return usable(
        { version: 2, where: `${dir}/${found.parent}`, pinning: found.pinning, disk: found.disk },
        `cgroup v2, delegated to ${name}: ${dir} with ${V2_CONTROLLERS.join(', ')}; boxes under ${dir}/${found.parent}`,
      );
    }
  }
}
