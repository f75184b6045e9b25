/**
 * The address-space limit's own verdict. A language with `addressSpaceGraceMiB` runs with
 * RLIMIT_AS = its memory limit + the grace (src/judge/limits.ts). When the program's image
 * itself does not fit (a 128 MiB static array under a 4 MiB limit), the kernel gives up on the
 * exec after the point of no return and kills the program with SIGSEGV before it ran a single
 * instruction of its own; nothing the cgroup counts ever happened. The judge measures the
 * request instead: the loadable segments of the program's ELF file in the compiled box (the sum
 * of their page-rounded sizes in memory). A run that failed by a signal while that sum exceeds
 * the address-space limit is MLE, naming both numbers.
 *
 * An allocation refused at run time (a 512 MiB `new` under 4 MiB: std::bad_alloc, SIGABRT; a
 * malloc returning NULL) stays RE: what was asked for is not measurable from outside, and a
 * program must not be able to choose MLE by printing bad_alloc (DMOJ also reports it as a
 * runtime error with the exception named, its MLE being a measured peak above the limit).
 *
 * The ELF file is read host-side from the compiled box (which the tests never write: they run
 * on an overlay), without following links (safe-fs.ts), at most 64 KiB of program headers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunLimits, RunResult } from '../sandbox/types';
import { openRegularNoFollow } from './safe-fs';

const PT_LOAD = 1;
const PAGE = 4096;
/** Bytes of the file read at most: the ELF header and program headers live at its start. */
const HEAD_BYTES = 64 * 1024;

/**
 * Bytes of address space the ELF file's loadable segments take (page-rounded), or null when
 * `file` is not a readable 64-bit little-endian ELF file (a script, a missing artefact).
 */
export function elfLoadBytes(file: string): number | null {
  let opened: ReturnType<typeof openRegularNoFollow>;
  try {
    opened = openRegularNoFollow(file);
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, opened.stat.size));
    const n = fs.readSync(opened.fd, head, 0, head.length, 0);
    return loadBytesOf(head.subarray(0, n));
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The sum over PT_LOAD headers found within `head`; null when it is not an ELF64 LE header. */
export function loadBytesOf(head: Buffer): number | null {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return null;
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54);
  const phnum = head.readUInt16LE(56);
  if (phentsize < 56 || phoff + phentsize * phnum > head.length) return null;
  let total = 0;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (head.readUInt32LE(at) !== PT_LOAD) continue;
    const vaddr = Number(head.readBigUInt64LE(at + 16));
    const memsz = Number(head.readBigUInt64LE(at + 40));
    const start = vaddr - (vaddr % PAGE);
    const end = Math.ceil((vaddr + memsz) / PAGE) * PAGE;
    total += end - start;
  }
  return total;
}

/** The ELF file a run command starts when it is the box's own artefact (`./main`), else null. */
export function artefactOf(box: string, argv: readonly string[]): string | null {
  const program = argv[0] ?? '';
  const name = program.startsWith('./') ? program.slice(2) : null;
  if (!name || name.includes('/') || name === '.' || name === '..') return null;
  return path.join(box, name);
}

const mib = (n: number) => `${Math.round((n / 2 ** 20) * 10) / 10} MiB`;

/**
 * MLE with its message when the run failed by a signal under an address-space limit that the
 * program's image alone exceeds; null otherwise. `imageBytes` is asked only in that case.
 */
export function addressSpaceVerdict(
  run: RunResult,
  limits: Pick<RunLimits, 'addressSpaceBytes'>,
  imageBytes: () => number | null,
): { verdict: 'MLE'; message: string } | null {
  if (!limits.addressSpaceBytes || !run.signal || run.limitHit || run.forbiddenSyscall) return null;
  const bytes = imageBytes();
  if (bytes === null || bytes <= limits.addressSpaceBytes) return null;
  return {
    verdict: 'MLE',
    message: `memory limit exceeded: the program's image needs ${mib(bytes)} of address space, more than the ${mib(limits.addressSpaceBytes)} allowed (memory limit + the language's grace); killed by ${run.signal} at start`,
  };
}
