/**
 * System call numbers and audit architectures: what the seccomp filter matches on and what the
 * supervisor's notification (nr, arch) is turned back into a name with ("forbidden system call
 * ptrace"). The tables are per architecture because the numbers differ: ptrace is 101 on
 * x86_64 and 117 on aarch64.
 */
import { HostError } from '../errors';
import { AUDIT_ARCH } from '../linux/constants';
import { AARCH64_SYSCALLS } from './syscalls-aarch64';
import { X86_64_SYSCALLS } from './syscalls-x86_64';

/** The architectures caged builds filters for (Node's `process.arch` x64 and arm64). */
export type Arch = 'x86_64' | 'aarch64';

export const ARCHES: readonly Arch[] = ['x86_64', 'aarch64'];

/** `seccomp_data.arch` values: defined with the other Linux constants. */
export { AUDIT_ARCH };

/** x86_64 only: the bit that marks an x32-ABI call in the system call number. */
export const X32_SYSCALL_BIT = 0x40000000;

const TABLES: Readonly<Record<Arch, Readonly<Record<string, number>>>> = {
  x86_64: X86_64_SYSCALLS,
  aarch64: AARCH64_SYSCALLS,
};

const AUDIT_BY_ARCH: Readonly<Record<Arch, number>> = {
  x86_64: AUDIT_ARCH.X86_64,
  aarch64: AUDIT_ARCH.AARCH64,
};

function invert(table: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  const byNr = new Map<number, string>();
  for (const [name, nr] of Object.entries(table)) byNr.set(nr, name);
  return byNr;
}

/** Number → name, built once at load (immutable data, not state). */
const NAMES: Readonly<Record<Arch, ReadonlyMap<number, string>>> = {
  x86_64: invert(X86_64_SYSCALLS),
  aarch64: invert(AARCH64_SYSCALLS),
};

/** The architecture this worker runs on; other hosts cannot run caged's containers. */
export function nativeArch(nodeArch: string = process.arch): Arch {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  throw new HostError(`unsupported architecture ${nodeArch}: caged builds seccomp filters for x64 and arm64 only`);
}

/** The `seccomp_data.arch` value of native calls on `arch`. */
export function auditArch(arch: Arch): number {
  return AUDIT_BY_ARCH[arch];
}

/** The architecture whose native calls carry this `seccomp_data.arch`, or null for a foreign ABI. */
export function archOfAudit(audit: number): Arch | null {
  for (const arch of ARCHES) if (AUDIT_BY_ARCH[arch] === audit >>> 0) return arch;
  return null;
}

/** name → number for one architecture (the whole table, read-only). */
export function syscallTable(arch: Arch): Readonly<Record<string, number>> {
  return TABLES[arch];
}

/** The number of `name` on `arch`, or undefined when the call does not exist there (iopl on aarch64). */
export function syscallNumber(name: string, arch: Arch): number | undefined {
  const table = TABLES[arch];
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** The highest number in the table: anything above is newer than this file. */
export function maxSyscallNumber(arch: Arch): number {
  return Math.max(...Object.values(TABLES[arch]));
}

/**
 * The name of system call `nr` on `arch`, for messages: "ptrace", or "syscall_1234" for a
 * number the table does not know, "x32:syscall_16" for an x32-ABI call on x86_64 (those are
 * killed outright by the filter, so the supervisor never has to name them).
 */
export function syscallName(nr: number, arch: Arch): string {
  if (arch === 'x86_64' && nr >= 0 && (nr & X32_SYSCALL_BIT) !== 0) return `x32:syscall_${nr & ~X32_SYSCALL_BIT}`;
  return NAMES[arch].get(nr) ?? `syscall_${nr}`;
}
