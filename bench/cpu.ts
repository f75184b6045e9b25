/**
 * CPU accounting for the benches that go through Redis: the machine's (every core's busy time,
 * from /proc/stat, the measure bench/floor uses) and the share of the processes taking part (a
 * process with its reaped children, from /proc/<pid>/stat; the Redis server from INFO cpu), so
 * that a figure can be read on a machine that other work shares too.
 */
import fs from 'node:fs';
import type { Redis } from 'ioredis';

/** USER_HZ on Linux: the unit of /proc/stat and /proc/<pid>/stat. */
const CLK_TCK = 100;

/** Every core's non-idle time so far, ms (/proc/stat: user nice system irq softirq steal). */
export function machineBusyMs(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLK_TCK;
}

/** A process's CPU time with that of its children it has reaped (utime stime cutime cstime), ms. */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return ((f[11]! + f[12]! + f[13]! + f[14]!) * 1000) / CLK_TCK;
}

/** The Redis server's CPU time so far (user + system, every client's), ms. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string): number => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}

/** CPU used between two readings, split by who used it, ms. */
export interface CpuSplit {
  machine: number;
  worker: number;
  redis: number;
  client: number;
}

/** Starts a reading of the machine, `workerPid` (with its reaped containers), Redis and this process. */
export async function cpuReading(workerPid: number, redis: Redis): Promise<() => Promise<CpuSplit>> {
  const self = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const start = { machine: machineBusyMs(), worker: processCpuMs(workerPid), redis: await redisCpuMs(redis), client: self() };
  return async () => ({
    machine: machineBusyMs() - start.machine,
    worker: processCpuMs(workerPid) - start.worker,
    redis: (await redisCpuMs(redis)) - start.redis,
    client: self() - start.client,
  });
}
