/**
 * CPU lists in the kernel's syntax (cpuset.cpus, /proc/self/status's Cpus_allowed_list,
 * taskset -c, CAGED_CPUS): comma-separated CPU numbers and ranges, `0-3,6`.
 */
import { InvalidRequestError } from './errors';

/** The largest CPU number accepted (the kernel's NR_CPUS is at most 8192). */
const MAX_CPU = 8191;

/** The CPUs of `text`, ascending and each once; InvalidRequestError (naming `field` when given) when it is not a CPU list. */
export function parseCpuList(text: string, field?: string): number[] {
  const cpus = new Set<number>();
  const trimmed = text.trim();
  if (trimmed === '') return [];
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d{1,4})(?:\s*-\s*(\d{1,4}))?\s*$/.exec(part);
    if (!m) throw new InvalidRequestError(`"${part.trim()}" is not a CPU number or range (a list such as 0-3,6)`, field);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new InvalidRequestError(`range ${from}-${to} runs backwards`, field);
    if (to > MAX_CPU) throw new InvalidRequestError(`CPU ${to} is above ${MAX_CPU}`, field);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** `cpus` in the kernel's syntax, ranges folded: [0, 1, 2, 3, 6] → `0-3,6`. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
