/**
 * Disk bandwidth caps of a box (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS; docs/security.md).
 *
 * Without them one program can take a disk from the host and from every other box: `O_DIRECT`
 * reads of the image's files bypass the page cache, and a program under a small memory limit
 * re-reads what it cannot keep cached; eight such readers took 4.5 GiB in 2 s on this machine on
 * 232 ms of CPU, and a host reader fell from 1.1 GB/s to 27 MB/s. So each box gets a throttle of
 * its own, in bytes and in operations per second, each of reading and writing, on every block
 * device of the host: v1 `blkio.throttle.*_device` of its own blkio leaf (v1 throttles are not
 * hierarchical: a cap on the parent leaves its children free, measured), v2 `io.max` of its leaf.
 *
 * The devices are the whole disks under /sys/block with a size (partitions count towards their
 * disk, where the kernel throttles), found at start-up. A throttle delays I/O, it never fails it:
 * a program over its cap waits (wall time), its CPU time is not charged for the waiting. v1
 * throttles buffered writes only when they reach the disk through the writer's own task (direct
 * I/O, synchronous reclaim); a box's writes land in its tmpfs or, for a compile, in its job's box.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DiskCaps {
  /** Bytes per second a box may read, and may write, on each device; 0: no cap. */
  bytesPerSecond: number;
  /** I/O operations per second, each of reading and writing, on each device; 0: no cap. */
  iops: number;
  /** The devices capped, `major:minor` (blockDevices). */
  devices: readonly string[];
}

/** Whether `caps` caps anything: a rate, on at least one device. */
export function capsSomething(caps: DiskCaps | undefined): caps is DiskCaps {
  return caps !== undefined && caps.devices.length > 0 && (caps.bytesPerSecond > 0 || caps.iops > 0);
}

export function checkDiskCaps(caps: DiskCaps): void {
  for (const [name, v] of [
    ['bytesPerSecond', caps.bytesPerSecond],
    ['iops', caps.iops],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`disk caps: ${name} must be a whole number >= 0, got ${v}`);
  for (const d of caps.devices) if (!DEVICE.test(d)) throw new RangeError(`disk caps: ${JSON.stringify(d)} is not major:minor`);
}

const DEVICE = /^\d+:\d+$/;

const readOrNull = (p: string): string | null => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The block devices a box's I/O can reach the hardware through: every entry of `sysBlock` (whole
 * disks, device-mapper and md devices, loop devices) that has a size and is not hidden (NVMe
 * multipath paths, which the kernel does not let one throttle), as `major:minor`, sorted.
 */
export function blockDevices(sysBlock = '/sys/block', read: (p: string) => string | null = readOrNull): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(sysBlock);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const at = (file: string) => read(path.join(sysBlock, name, file))?.trim() ?? '';
    const dev = at('dev');
    if (!DEVICE.test(dev) || !(Number(at('size')) > 0) || at('hidden') === '1') continue;
    found.push(dev);
  }
  return found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The v1 writes that cap a fresh blkio leaf (it has no rule): [file name, text], one rule per device and rate. */
export function v1ThrottleWrites(caps: DiskCaps): Array<[string, string]> {
  const writes: Array<[string, string]> = [];
  const rates: Array<[string, number]> = [
    ['blkio.throttle.read_bps_device', caps.bytesPerSecond],
    ['blkio.throttle.write_bps_device', caps.bytesPerSecond],
    ['blkio.throttle.read_iops_device', caps.iops],
    ['blkio.throttle.write_iops_device', caps.iops],
  ];
  for (const [file, rate] of rates) if (rate > 0) for (const dev of caps.devices) writes.push([file, `${dev} ${rate}`]);
  return writes;
}

/** The v2 `io.max` lines that cap a leaf, one per device (`max`: that rate uncapped). */
export function v2IoMaxLines(caps: DiskCaps): string[] {
  const v = (n: number) => (n > 0 ? String(n) : 'max');
  return caps.devices.map(
    (d) => `${d} rbps=${v(caps.bytesPerSecond)} wbps=${v(caps.bytesPerSecond)} riops=${v(caps.iops)} wiops=${v(caps.iops)}`,
  );
}

/** "256 MiB/s and 4000 operations/s" (for describe() and the doctor). */
export function describeDiskCaps(caps: DiskCaps): string {
  const parts: string[] = [];
  if (caps.bytesPerSecond > 0) parts.push(`${+(caps.bytesPerSecond / 2 ** 20).toFixed(2)} MiB/s`);
  if (caps.iops > 0) parts.push(`${caps.iops} operations/s`);
  const rates = `${parts.join(' and ')} each way`;
  return caps.devices.length > 0 ? `${rates} on ${caps.devices.join(', ')}` : rates;
}
