/** The per-architecture syscall tables the seccomp policy and SE messages are built on. */
import * as fs from 'node:fs';
import { nativeArch, syscallName, syscallTable } from '../../src/sandbox/syscalls';

describe('syscall tables', () => {
  it('maps Node architectures to kernel ones', () => {
    expect(nativeArch('x64')).toBe('x86_64');
    expect(nativeArch('arm64')).toBe('aarch64');
    expect(() => nativeArch('ia32')).toThrow(/unsupported architecture/);
  });

  it('names numbers per architecture', () => {
    expect(syscallName(101, 'x86_64')).toBe('ptrace');
    expect(syscallName(117, 'aarch64')).toBe('ptrace');
    expect(syscallName(435, 'x86_64')).toBe('clone3');
    expect(syscallName(9999, 'aarch64')).toBe('syscall_9999');
    expect(syscallName(0x40000010, 'x86_64')).toBe('x32:syscall_16');
  });

  it('has well-known numbers right', () => {
    const x = syscallTable('x86_64');
    const a = syscallTable('aarch64');
    expect([x.read, x.write, x.openat, x.mmap, x.clone, x.execve, x.exit_group, x.ioctl]).toEqual([0, 1, 257, 9, 56, 59, 231, 16]);
    expect([a.read, a.write, a.openat, a.mmap, a.clone, a.execve, a.exit_group, a.ioctl]).toEqual([63, 64, 56, 222, 220, 221, 94, 29]);
    expect([x.file_setattr, a.file_setattr, x.uretprobe, x.uprobe]).toEqual([469, 469, 335, 336]);
    expect(a.open).toBeUndefined();
    expect(a.iopl).toBeUndefined();
  });

  // The native part builds against these headers, so they are present wherever caged builds.
  it('agrees with the x86_64 kernel headers of this machine (0..450)', () => {
    const file = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
    expect(fs.existsSync(file)).toBe(true);
    const header = new Map<string, number>();
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) {
      const [, name = '', n = ''] = m; // both groups are mandatory: never the defaults
      header.set(name, Number(n));
    }
    const later = ['uretprobe', 'uprobe']; // 6.11, 6.16: after these headers, below 450
    const ours = Object.entries(syscallTable('x86_64')).filter(([name, n]) => n <= 450 && !later.includes(name));
    expect(new Map(ours)).toEqual(header);
  });

  it('agrees with the generic (aarch64) kernel headers of this machine (0..450)', () => {
    const file = '/usr/include/asm-generic/unistd.h';
    expect(fs.existsSync(file)).toBe(true);
    const text = fs.readFileSync(file, 'utf8');
    const numbers = new Map<string, number>();
    for (const m of text.matchAll(/^#define (__NR(?:3264)?_\w+)\s+(\d+)\s*$/gm)) {
      const [, macro = '', n = ''] = m; // both groups are mandatory: never the defaults
      numbers.set(macro, Number(n));
    }
    for (const [, alias = '', target = ''] of text.matchAll(/^#define (__NR_\w+)\s+(__NR3264_\w+)\s*$/gm)) {
      const n = numbers.get(target);
      if (n !== undefined) numbers.set(alias, n); // __NR3264_stat is never defined
    }
    const table = syscallTable('aarch64');
    const ourNumbers = new Set(Object.values(table));
    for (const [macro, n] of numbers) {
      const name = macro.replace(/^__NR(3264)?_/, '');
      if (macro.startsWith('__NR3264_') || name === 'syscalls' || name === 'arch_specific_syscall') continue;
      if (n >= 403 && n <= 423) continue; // 32-bit-only time64 calls
      if (name in table) expect([name, table[name]]).toEqual([name, n]);
      else expect([name, ourNumbers.has(n)]).toEqual([name, true]); // a 32-bit alias (fcntl64, mmap2, ...)
    }
    for (const [name, n] of Object.entries(table)) if (n <= 450) expect([name, numbers.has(`__NR_${name}`)]).toEqual([name, true]);
  });
});
