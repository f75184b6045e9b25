/**
 * A package's program kept compiled, as CMS runs its checker and manager (`check/checker`, the
 * binary cmsMake built): an ELF file for this worker's machine is run as it is, through the
 * image's `executable` language (installed as `./main`, in the sandbox like any program of the
 * package), with the image's libraries (a program linked against others fails there, and its
 * test is IE). An ELF for another machine or word size is refused, naming it: the sandbox runs
 * 64-bit programs of the worker's own architecture only (its seccomp filter denies the 32-bit
 * system calls).
 */
import { InvalidRequestError } from '../errors';
import type { PackageValidator } from './package-validator';

/** ELF's e_machine of the architectures a worker runs on (node's process.arch). */
const MACHINE_OF_ARCH: Readonly<Record<string, number>> = { x64: 62, arm64: 183 };
const MACHINE_NAMES: Readonly<Record<number, string>> = { 3: 'i386', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V' };

/** Whether `data` begins as an ELF file does. */
export function isElf(data: Buffer): boolean {
  return data.length >= 4 && data[0] === 0x7f && data.subarray(1, 4).toString('latin1') === 'ELF';
}

/**
 * The ELF program `data` found at `place` as a package program run as it is, or null when `data`
 * is no ELF file. Refused, naming `place`, when it is not a 64-bit little-endian executable for
 * this worker's machine (`arch`, node's process.arch).
 */
export function prebuiltProgram(data: Buffer, place: string, role: string, arch: string = process.arch): PackageValidator | null {
  if (!isElf(data)) return null;
  // An ELF header is 52 bytes (32-bit) or 64: a shorter file is no program.
  if (data.length < 52) throw new InvalidRequestError(`is a truncated ELF file (${data.length} bytes), no ${role} program`, place);
  const want = MACHINE_OF_ARCH[arch];
  const bits = data[4] === 2 ? 64 : data[4] === 1 ? 32 : 0;
  const little = data[5] === 1;
  const machine = data.length >= 20 && little ? data.readUInt16LE(18) : -1;
  if (bits !== 64 || !little || want === undefined || machine !== want) {
    const what = bits === 32 ? '32-bit' : !little ? 'big-endian' : (MACHINE_NAMES[machine] ?? `machine ${machine}`);
    throw new InvalidRequestError(
      `is a compiled ${role} for ${what}, and this worker runs 64-bit ${arch} programs only: give its source beside it (${place}.cpp, .c, .py…)`,
      place,
    );
  }
  const type = data.length >= 18 ? data.readUInt16LE(16) : 0;
  // ET_EXEC, or ET_DYN (a position-independent executable); a relocatable object or a core is no program.
  if (type !== 2 && type !== 3)
    throw new InvalidRequestError(`is an ELF file but no executable (type ${type}): give the ${role}'s program or its source`, place);
  return {
    dir: place,
    program: 'source',
    code: 'executable',
    files: [{ name: 'a.out', data }],
    entry: 'a.out',
    languageIds: ['executable'],
  };
}
