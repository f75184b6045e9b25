/**
 * The doctor's probe of CPU pinning (CAGED_CPUS), as Sandbox.create checks it: root mode, every
 * CPU one the worker may run on (its Cpus_allowed_list), and the cpuset controller of the
 * hierarchy the boxes use (cgroup v1: a `cpuset` mount; v2: `cpuset` in the root's
 * cgroup.controllers).
 */
import { parseMounts, v1CpusetMount } from '../cgroup/detect';
import { formatCpuList } from '../cpu-list';
import { allowedCpus } from '../linux/cpu-list';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';

const TITLE = 'CPU pinning';

export function cpusFinding(host: HostView, cpus: readonly number[], rootless: boolean, cgroupVersion: 1 | 2 | null): Finding {
  if (cpus.length === 0) return finding('cpus', TITLE, 'skipped', 'off (CAGED_CPUS is empty): a run may use every CPU the worker may');
  const list = formatCpuList(cpus);
  const where = cpus.length === 1 ? `CPU ${list}` : `one of CPUs ${list}`;
  if (rootless)
    return finding('cpus', TITLE, 'missing', `CAGED_CPUS=${list} needs root mode: a rootless worker has no cpuset`, 'CAGED_CPUS=');
  // A status without the line (a fixture, an old kernel) says nothing about the worker's CPUs.
  const status = host.readText('/proc/self/status') ?? '';
  const allowed = /^Cpus_allowed_list:/m.test(status) ? allowedCpus(status) : null;
  const outside = allowed === null ? [] : cpus.filter((c) => !allowed.includes(c));
  if (allowed !== null && outside.length > 0)
    return finding(
      'cpus',
      TITLE,
      'missing',
      `CAGED_CPUS=${list}: CPU ${formatCpuList(outside)} is not one the worker may run on (${formatCpuList(allowed)})`,
      `CAGED_CPUS=${formatCpuList(allowed)}`,
    );
  if (cgroupVersion === 1) {
    const mount = v1CpusetMount(parseMounts(host.readText('/proc/self/mounts') ?? ''));
    if (mount === undefined)
      return finding('cpus', TITLE, 'missing', `CAGED_CPUS=${list} needs the cpuset controller: no cgroup v1 mount of it`, 'CAGED_CPUS=');
    return finding('cpus', TITLE, 'ok', `each run pinned to ${where} through the cpuset at ${mount}`);
  }
  if (cgroupVersion === 2) {
    const controllers = (host.readText('/sys/fs/cgroup/cgroup.controllers') ?? '').split(/\s+/);
    if (!controllers.includes('cpuset'))
      return finding(
        'cpus',
        TITLE,
        'missing',
        `CAGED_CPUS=${list} needs the cpuset controller: /sys/fs/cgroup/cgroup.controllers lacks it`,
        'CAGED_CPUS=',
      );
    return finding('cpus', TITLE, 'ok', `each run pinned to ${where} through the cgroup v2 cpuset controller`);
  }
  return finding('cpus', TITLE, 'missing', `CAGED_CPUS=${list} needs a cgroup, and none is usable`, 'CAGED_CPUS=');
}
