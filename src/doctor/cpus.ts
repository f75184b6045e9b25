/**
 * The doctor's probe of CPU pinning (CAGED_CPUS), as Sandbox.create checks it: every CPU one the
 * worker may run on (its Cpus_allowed_list), and the cpuset controller of the hierarchy the boxes
 * use, as the cgroup probe found it (src/doctor/cgroups.ts: root's cgroup v1 `cpuset` mount or
 * v2 `cpuset` in the root's cgroup.controllers; rootless, the cpuset delegated with the rest).
 */
import { formatCpuList } from '../cpu-list';
import { allowedCpus } from '../linux/cpu-list';
import type { CgroupProbe } from './cgroups';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';

const TITLE = 'CPU pinning';

export function cpusFinding(host: HostView, cpus: readonly number[], cgroups: CgroupProbe['usable']): Finding {
  if (cpus.length === 0) return finding('cpus', TITLE, 'skipped', 'off (CAGED_CPUS is empty): a run may use every CPU the worker may');
  const list = formatCpuList(cpus);
  const where = cpus.length === 1 ? `CPU ${list}` : `one of CPUs ${list}`;
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
  if (cgroups === null) return finding('cpus', TITLE, 'missing', `CAGED_CPUS=${list} needs a cgroup, and none is usable`, 'CAGED_CPUS=');
  const pinning = cgroups.pinning;
  if ('refused' in pinning)
    return finding('cpus', TITLE, 'missing', `CAGED_CPUS=${list} needs the cpuset controller: ${pinning.refused}`, pinning.fix);
  const through = cgroups.version === 1 ? `the cpuset at ${pinning.cpuset}` : 'the cgroup v2 cpuset controller';
  return finding('cpus', TITLE, 'ok', `each run pinned to ${where} through ${through}`);
}
