/**
 * The doctor's probe of disk caps (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS; src/cgroup/disk-caps.ts),
 * as Sandbox.create decides: the blkio (v1) or io (v2) controller of the hierarchy the boxes use,
 * as the cgroup probe found it. Caps set in the environment need it (the worker refuses to start
 * without: blocking); the defaults apply where it is there, and the worker runs without them
 * elsewhere, with a warning (warn).
 */
import { describeDiskCaps } from '../cgroup/disk-caps';
import type { CgroupProbe } from './cgroups';
import { finding, type Finding } from './finding';

const TITLE = 'disk caps';

export interface DiskOptions {
  bytesPerSecond: number;
  iops: number;
  /** Set in the environment (not the defaults): required. */
  asked: boolean;
}

export function diskFinding(disk: DiskOptions | undefined, cgroups: CgroupProbe['usable']): Finding {
  if (disk === undefined || (disk.bytesPerSecond === 0 && disk.iops === 0))
    return finding('disk', TITLE, 'skipped', 'off (CAGED_DISK_MB_PER_S=0 and CAGED_DISK_IOPS=0): a program may take the whole disk');
  const rates = describeDiskCaps({ ...disk, devices: [] });
  if (cgroups === null) return finding('disk', TITLE, 'skipped', `${rates} asked for, but no cgroup is usable (see cgroups)`);
  if ('refused' in cgroups.disk) {
    const detail = `boxes would get no disk caps (${rates}): ${cgroups.disk.refused}`;
    return finding('disk', TITLE, disk.asked ? 'missing' : 'warn', detail, cgroups.disk.fix);
  }
  const through = cgroups.version === 1 ? 'blkio (cgroup v1)' : 'io (cgroup v2)';
  return finding('disk', TITLE, 'ok', `each box capped at ${rates} on every block device, through ${through}`);
}
