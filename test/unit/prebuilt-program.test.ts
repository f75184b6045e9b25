/**
 * A package's compiled program (src/problem/prebuilt-program.ts): an ELF executable for the
 * worker's machine is run as it is, through the `executable` language; any other ELF is refused,
 * naming what it is built for.
 */
import { isElf, prebuiltProgram } from '../../src/problem/prebuilt-program';
import { refused } from './helpers/scratch-package';

function elf(fields: { elfClass?: number; data?: number; type?: number; machine?: number }): Buffer {
  const b = Buffer.alloc(64);
  b.write('\x7fELF', 0, 'latin1');
  b.set([fields.elfClass ?? 2, fields.data ?? 1, 1], 4);
  b.writeUInt16LE(fields.type ?? 3, 16);
  b.writeUInt16LE(fields.machine ?? 62, 18);
  return b;
}

describe('prebuiltProgram', () => {
  it('runs an x86-64 executable or PIE as it is, through the executable language', () => {
    for (const type of [2, 3]) {
      const data = elf({ type });
      expect(prebuiltProgram(data, 'check/checker', 'checker', 'x64')).toEqual({
        dir: 'check/checker',
        program: 'source',
        code: 'executable',
        files: [{ name: 'a.out', data }],
        entry: 'a.out',
        languageIds: ['executable'],
      });
    }
    expect(prebuiltProgram(elf({ machine: 183 }), 'cor/manager', 'manager', 'arm64')?.code).toBe('executable');
  });

  it('is null for what is no ELF file (a script, a source, a Windows program)', () => {
    for (const text of ['#!/bin/sh\n', 'int main(){}', 'MZ\x90\x00', '\x7fEL', ''])
      expect(prebuiltProgram(Buffer.from(text, 'latin1'), 'check/checker', 'checker', 'x64')).toBeNull();
    expect(isElf(elf({}))).toBe(true);
  });

  it('refuses an ELF for another machine, word size or byte order, and an ELF that is no executable', () => {
    const at = (b: Buffer, text: RegExp, arch = 'x64') =>
      refused(() => prebuiltProgram(b, 'check/checker', 'checker', arch), 'check/checker', text);
    at(
      elf({ elfClass: 1, machine: 3 }),
      /compiled checker for 32-bit, .*64-bit x64 programs only: give its source beside it \(check\/checker\.cpp/,
    );
    at(elf({ machine: 183 }), /for AArch64/);
    at(elf({ machine: 62 }), /for x86-64, and this worker runs 64-bit arm64/, 'arm64');
    at(elf({ data: 2 }), /for big-endian/);
    at(elf({ machine: 999 }), /for machine 999/);
    at(elf({ machine: 62 }), /64-bit s390x programs only/, 's390x');
    at(elf({ type: 1 }), /ELF file but no executable \(type 1\)/);
    at(elf({ type: 4 }), /type 4/);
    at(elf({}).subarray(0, 20), /truncated ELF file \(20 bytes\), no checker program/);
  });
});
