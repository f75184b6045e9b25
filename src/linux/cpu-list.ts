/** The CPUs this process may run on: its affinity within its cpuset, as the kernel lists them. */
import fs from 'node:fs';
import { InvalidRequestError } from '../errors';
import { parseCpuList } from '../cpu-list';

/** The CPUs this process may run on (its affinity within its cpuset): /proc/self/status's Cpus_allowed_list. */
export function allowedCpus(status = fs.readFileSync('/proc/self/status', 'utf8')): number[] {
  const m = /^Cpus_allowed_list:\s*(.*)$/m.exec(status);
  if (!m) throw new InvalidRequestError('no Cpus_allowed_list line', '/proc/self/status');
  return parseCpuList(m[1]!, '/proc/self/status Cpus_allowed_list');
}
