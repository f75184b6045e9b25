/**
 * The doctor's cgroup probe: which version the host mounts, and what the worker may write there.
 *
 * - Root: cgroup v2 at /sys/fs/cgroup with memory, pids and cpu, or v1 controllers memory, pids
 *   and cpuacct under /sys/fs/cgroup/* (a hybrid host's controller-less /sys/fs/cgroup/unified
 *   does not count), mounted read-write.
 * - An ordinary user: a delegated subtree. v1: `<controller mount>/caged` owned by the user for
 *   each controller (`scripts/setup-host.sh --user NAME` makes them). v2: the topmost ancestor of
 *   the process's own cgroup (from /proc/self/cgroup) that the user may write, with writable
 *   cgroup.procs and cgroup.subtree_control (systemd's `Delegate=yes` hands out such subtrees).
 */
import path from 'node:path';
import { parseMounts, v1ControllerMounts, type MountEntry } from '../cgroup/detect';
import { V1_REQUIRED_CONTROLLERS } from '../cgroup/v1';
import { V2_CONTROLLERS } from '../cgroup/v2';
import { finding, type Finding } from './finding';
import { mayWrite, type HostView } from './host-view';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupProbe {
  finding: Finding;
  /** The hierarchy the boxes would use, or null when none is usable. */
  usable: { version: 1 | 2; where: string } | null;
}

const DELEGATE_V2 = 'systemd-run --user --scope -p Delegate=yes -- caged worker';

export function cgroupProbe(host: HostView): CgroupProbe {
  const mounts = parseMounts(host.readText('/proc/self/mounts') ?? '');
  const atRoot = mounts.filter((m) => path.posix.resolve(m.mountPoint) === CGROUP_ROOT).pop();
  const v1 = v1ControllerMounts(mounts);
  const v1Complete = V1_REQUIRED_CONTROLLERS.every((c) => v1[c] !== undefined);
  const title = 'cgroups';
  if (atRoot?.fsType === 'cgroup2') return host.identity.uid === 0 ? v2AsRoot(host, atRoot) : v2Delegated(host, atRoot);
  if (v1Complete) {
    const unified = mounts.some((m) => m.fsType === 'cgroup2' && path.posix.resolve(m.mountPoint) === `${CGROUP_ROOT}/unified`);
    const kind = unified ? 'cgroup v1 (hybrid: the cgroup2 at /sys/fs/cgroup/unified holds no controllers)' : 'cgroup v1';
    return host.identity.uid === 0 ? v1AsRoot(mounts, v1, kind) : v1Delegated(host, v1, kind);
  }
  const missing = V1_REQUIRED_CONTROLLERS.filter((c) => v1[c] === undefined);
  return {
    usable: null,
    finding: finding(
      'cgroup',
      title,
      'missing',
      `none usable: no cgroup2 at ${CGROUP_ROOT} (${atRoot ? `${atRoot.fsType} there` : 'nothing mounted there'}) and no cgroup v1 mount for ${missing.join(', ')}`,
      `sudo mount -t cgroup2 none ${CGROUP_ROOT}`,
    ),
  };
}

function v2AsRoot(host: HostView, mount: MountEntry): CgroupProbe {
  const have = (host.readText(`${CGROUP_ROOT}/cgroup.controllers`) ?? '').trim().split(/\s+/);
  const lacking = V2_CONTROLLERS.filter((c) => !have.includes(c));
  if (!mount.options.includes('rw')) {
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `cgroup v2 at ${CGROUP_ROOT} is mounted read-only`,
        `sudo mount -o remount,rw ${CGROUP_ROOT}`,
      ),
    };
  }
  if (lacking.length > 0) {
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `cgroup v2 at ${CGROUP_ROOT} offers no ${lacking.join(', ')} (has: ${have.join(' ') || 'none'})`,
      ),
    };
  }
  return {
    usable: { version: 2, where: `${CGROUP_ROOT}/caged` },
    finding: finding(
      'cgroup',
      'cgroups',
      'ok',
      `cgroup v2 at ${CGROUP_ROOT}, read-write, with ${V2_CONTROLLERS.join(', ')}: boxes go under ${CGROUP_ROOT}/caged`,
    ),
  };
}

function v1AsRoot(mounts: readonly MountEntry[], v1: ReturnType<typeof v1ControllerMounts>, kind: string): CgroupProbe {
  const readOnly = V1_REQUIRED_CONTROLLERS.filter(
    (c) => !mounts.find((m) => m.mountPoint === v1[c] && m.fsType === 'cgroup')?.options.includes('rw'),
  );
  const list = V1_REQUIRED_CONTROLLERS.map((c) => `${c} at ${v1[c]}`).join(', ');
  const [firstReadOnly] = readOnly;
  if (firstReadOnly !== undefined) {
    const first = v1[firstReadOnly] ?? CGROUP_ROOT;
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `${kind}: ${readOnly.join(', ')} mounted read-only (${list})`,
        `sudo mount -o remount,rw ${first}`,
      ),
    };
  }
  return {
    usable: { version: 1, where: V1_REQUIRED_CONTROLLERS.map((c) => `${v1[c]}/caged`).join(', ') },
    finding: finding('cgroup', 'cgroups', 'ok', `${kind}, read-write: ${list}; boxes go under caged/ in each`),
  };
}

function v1Delegated(host: HostView, v1: ReturnType<typeof v1ControllerMounts>, kind: string): CgroupProbe {
  const name = host.identity.userName;
  const fix = `sudo bash scripts/setup-host.sh --user ${name}`;
  const notOurs: string[] = [];
  for (const c of V1_REQUIRED_CONTROLLERS) {
    const dir = `${v1[c]}/caged`;
    const st = host.stat(dir);
    const procs = host.stat(`${dir}/cgroup.procs`);
    if (!st?.isDirectory) notOurs.push(`${dir} does not exist`);
    else if (!mayWrite(st, host.identity) || !procs || !mayWrite(procs, host.identity)) notOurs.push(`${dir} is not writable by ${name}`);
  }
  if (notOurs.length > 0) {
    return {
      usable: null,
      finding: finding('cgroup', 'cgroups', 'missing', `${kind}, nothing delegated to ${name}: ${notOurs.join('; ')}`, fix),
    };
  }
  const where = V1_REQUIRED_CONTROLLERS.map((c) => `${v1[c]}/caged`).join(', ');
  return {
    usable: { version: 1, where },
    finding: finding('cgroup', 'cgroups', 'ok', `${kind}, delegated to ${name}: ${where}`),
  };
}

function v2Delegated(host: HostView, mount: MountEntry): CgroupProbe {
  const name = host.identity.userName;
  if (!mount.options.includes('rw')) {
    // A container runtime mounts its cgroup namespace read-only unless the cgroup is delegated to it.
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `cgroup v2 at ${CGROUP_ROOT} is mounted read-only (a container's view?): nothing is writable`,
        DELEGATE_V2,
      ),
    };
  }
  const own = (host.readText('/proc/self/cgroup') ?? '')
    .split('\n')
    .find((l) => l.startsWith('0::'))
    ?.slice(3)
    .trim();
  if (own === undefined) {
    return {
      usable: null,
      finding: finding('cgroup', 'cgroups', 'missing', 'cgroup v2, but /proc/self/cgroup names no v2 cgroup of this process', DELEGATE_V2),
    };
  }
  // The topmost ancestor of our own cgroup that is ours: systemd's Delegate=yes hands out the unit's cgroup.
  let delegated: string | null = null;
  for (let rel = path.posix.resolve('/', own); ; rel = path.posix.dirname(rel)) {
    const dir = path.posix.join(CGROUP_ROOT, rel);
    if (!writableCgroup(host, dir)) break;
    delegated = dir;
    if (rel === '/') break;
  }
  const ownDir = path.posix.join(CGROUP_ROOT, own);
  if (delegated === null) {
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `cgroup v2; this process's cgroup ${ownDir} is not delegated to ${name} (its cgroup.procs or cgroup.subtree_control is not writable)`,
        DELEGATE_V2,
      ),
    };
  }
  const have = (host.readText(`${delegated}/cgroup.controllers`) ?? '').trim().split(/\s+/);
  const lacking = V2_CONTROLLERS.filter((c) => !have.includes(c));
  if (lacking.length > 0) {
    return {
      usable: null,
      finding: finding(
        'cgroup',
        'cgroups',
        'missing',
        `cgroup v2, ${delegated} delegated to ${name} but without ${lacking.join(', ')} (has: ${have.join(' ') || 'none'})`,
        "sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=memory pids cpu\\n' | sudo tee /etc/systemd/system/user@.service.d/caged.conf && sudo systemctl daemon-reload",
      ),
    };
  }
  return {
    usable: { version: 2, where: delegated },
    finding: finding('cgroup', 'cgroups', 'ok', `cgroup v2, delegated to ${name}: ${delegated} with ${V2_CONTROLLERS.join(', ')}`),
  };
}

function writableCgroup(host: HostView, dir: string): boolean {
  const files = [dir, `${dir}/cgroup.procs`, `${dir}/cgroup.subtree_control`];
  return files.every((f) => {
    const st = host.stat(f);
    return st !== null && mayWrite(st, host.identity);
  });
}
