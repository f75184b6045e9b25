/**
 * What a box sees of /proc besides its own processes. The kernel's /proc of the box's PID
 * namespace still has host-wide files; each is masked (an empty view: the box's own /dev/null
 * for files, an empty read-only directory for directories) or replaced by box-relative content
 * generated here per run, as lxcfs does, keeping the formats runtimes parse to size themselves.
 *
 * Kept as they are: `cpuinfo` (the CPU model and flags are what the `cpuid` instruction tells
 * any program anyway; libuv's os.cpus() and numeric libraries read them), `version` (= uname),
 * `filesystems`, `crypto`, `devices`, `misc`, `execdomains` (the kernel's build, not the host's
 * state), the static hardware inventory a program could learn from cpuinfo's class of facts
 * (`iomem` and `ioports` show zeroed addresses to a program without capabilities, `dma`,
 * `mtrr`, `consoles`, `acpi/`, `driver/`), `sys` (read-only; glibc reads vm/overcommit_memory,
 * runtimes kernel/pid_max), `net` and `sysvipc` (the box's own namespaces), and every
 * /proc/<pid> (the box's own processes). Masked: what describes the host's state or activity
 * (a side channel on other boxes) or its identity. Each mask is a bind mount, and every mount
 * takes the kernel's global namespace lock (B's mounts' cost is in docs/benchmarks.md): the list is
 * what the set-up may cost, built while a prepared container waits.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Files masked with the box's /dev/null (optional: absent on some kernels), and why. */
export const PROC_MASKED_FILES: ReadonlyArray<[string, string]> = [
  ['kcore', 'physical memory image'],
  ['keys', 'kernel keyrings of every user'],
  ['key-users', 'key quotas of every host user'],
  ['timer_list', 'host timers leak other processes'],
  ['timer_stats', 'host timer statistics'],
  ['sched_debug', 'host scheduler state'],
  ['schedstat', 'host scheduler statistics'],
  ['sysrq-trigger', 'host magic SysRq'],
  ['latency_stats', 'host latency data'],
  ['kallsyms', 'kernel symbol addresses'],
  ['cmdline', "the host's boot command line"],
  ['bootconfig', "the host's boot configuration"],
  ['config.gz', "the host kernel's configuration"],
  ['diskstats', 'host disk activity'],
  ['partitions', 'host disks'],
  ['swaps', 'host swap devices'],
  ['mdstat', 'host RAID arrays'],
  ['interrupts', 'host interrupt counts (a side channel on other boxes)'],
  ['softirqs', 'host soft interrupt counts'],
  ['vmstat', 'host-wide memory counters (a side channel on other boxes)'],
  ['zoneinfo', 'host memory zones'],
  ['buddyinfo', 'host memory fragmentation'],
  ['pagetypeinfo', 'host memory fragmentation'],
  ['locks', 'file locks of every host process, with inode numbers'],
  ['modules', 'host kernel modules'],
  ['cgroups', 'host cgroup hierarchies'],
  // Below /proc/sys (read-only to the box, but host-wide counters): bound after its read-only bind.
  ['sys/fs/inode-nr', 'host-wide inode counts (a side channel on other boxes)'],
  ['sys/fs/inode-state', 'host-wide inode counts (a side channel on other boxes)'],
  ['sys/fs/file-nr', 'host-wide open file counts (a side channel on other boxes)'],
  ['sys/fs/dentry-state', 'host-wide dentry cache counts (a side channel on other boxes)'],
  ['sys/fs/aio-nr', 'host-wide AIO contexts in use'],
];

/** Directories masked with an empty read-only directory (optional), and why. */
export const PROC_MASKED_DIRS: ReadonlyArray<[string, string]> = [
  ['bus', 'host buses and devices'],
  ['fs', 'host filesystems and their tunables'],
  ['irq', 'interrupt affinity'],
  ['pressure', 'host-wide pressure stall information'],
  ['scsi', 'host disks'],
];

export interface ProcMasks {
  files: ReadonlyArray<[string, string]>;
  dirs: ReadonlyArray<[string, string]>;
}

/**
 * The masks this kernel needs, decided once at start-up from the host's own /proc (the box's
 * is the same kernel's): an absent entry needs none, and neither does a file that only root
 * may open (kcore, and on recent kernels timer_list and pagetypeinfo are 0400): the program
 * has no capability in the initial user namespace, so the kernel refuses it (the test checks).
 * Each mask is a bind mount, and each mount takes the kernel's global namespace lock.
 */
export function procMasksFor(procDir = '/proc'): ProcMasks {
  const mode = (name: string): number | null => {
    try {
      return fs.statSync(path.join(procDir, name)).mode;
    } catch {
      return null;
    }
  };
  return {
    files: PROC_MASKED_FILES.filter(([n]) => {
      const m = mode(n);
      return m !== null && (m & 0o006) !== 0;
    }),
    dirs: PROC_MASKED_DIRS.filter(([n]) => mode(n) !== null),
  };
}

/** What the box is: the inputs of its /proc files. */
export interface BoxFacts {
  /** The run's memory limit (the cgroup's), in bytes. */
  memoryBytes: number;
  /** CPUs the box may use. */
  cpus: number;
  /** Seconds since the epoch at the run's start: the box's "boot". */
  bootTimeS: number;
}

/** /proc file (relative to /proc) → content, generated afresh for each run. */
export function boxProcFiles(f: BoxFacts): Array<[string, string, string]> {
  return [
    ['meminfo', meminfo(f.memoryBytes), "the run's memory limit, not the host's memory"],
    ['stat', stat(f.cpus, f.bootTimeS), "the box's CPUs (glibc counts them here), no host counters"],
    ['loadavg', '0.00 0.00 0.00 1/1 1\n', 'no host load'],
    ['uptime', '0.00 0.00\n', 'the box booted when the run started'],
    ['sys/kernel/random/boot_id', `${crypto.randomUUID()}\n`, "a boot id of the box's own, not the host's"],
  ];
}

/** The kernel's format: name padded to 16 columns, the value right-aligned in 8, " kB". */
function meminfo(memoryBytes: number): string {
  const kb = Math.floor(memoryBytes / 1024);
  const lines: Array<[string, number, boolean]> = [
    ['MemTotal', kb, true],
    ['MemFree', kb, true],
    ['MemAvailable', kb, true],
    ['Buffers', 0, true],
    ['Cached', 0, true],
    ['SwapCached', 0, true],
    ['Active', 0, true],
    ['Inactive', 0, true],
    ['Active(anon)', 0, true],
    ['Inactive(anon)', 0, true],
    ['Active(file)', 0, true],
    ['Inactive(file)', 0, true],
    ['Unevictable', 0, true],
    ['Mlocked', 0, true],
    ['SwapTotal', 0, true],
    ['SwapFree', 0, true],
    ['Dirty', 0, true],
    ['Writeback', 0, true],
    ['AnonPages', 0, true],
    ['Mapped', 0, true],
    ['Shmem', 0, true],
    ['KReclaimable', 0, true],
    ['Slab', 0, true],
    ['SReclaimable', 0, true],
    ['SUnreclaim', 0, true],
    ['KernelStack', 0, true],
    ['PageTables', 0, true],
    ['CommitLimit', kb, true],
    ['Committed_AS', 0, true],
    ['VmallocTotal', 0, true],
    ['VmallocUsed', 0, true],
    ['VmallocChunk', 0, true],
    ['HugePages_Total', 0, false],
    ['HugePages_Free', 0, false],
    ['HugePages_Rsvd', 0, false],
    ['HugePages_Surp', 0, false],
    ['Hugepagesize', 2048, true],
  ];
  return (
    lines
      .map(([name, v, unit]) =>
        unit ? `${`${name}:`.padEnd(16)}${String(v).padStart(8)} kB` : `${`${name}:`.padEnd(16)}${String(v).padStart(5)}`,
      )
      .join('\n') + '\n'
  );
}

function stat(cpus: number, bootTimeS: number): string {
  const zeros = ' 0 0 0 0 0 0 0 0 0 0';
  const lines = [`cpu ${zeros}`];
  for (let i = 0; i < cpus; i++) lines.push(`cpu${i}${zeros}`);
  lines.push(
    'intr 0',
    'ctxt 0',
    `btime ${bootTimeS}`,
    'processes 1',
    'procs_running 1',
    'procs_blocked 0',
    'softirq 0 0 0 0 0 0 0 0 0 0 0',
  );
  return lines.join('\n') + '\n';
}
