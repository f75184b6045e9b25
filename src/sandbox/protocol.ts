/**
 * The protocol between the worker (A) and the native container processes (B, C): the
 * configuration blob A builds and the 48-byte messages B and C send back. It mirrors
 * native/cage.h constant for constant; test/protocol.test.ts checks the two agree.
 */

export const CAGE_MAGIC = 0x45474143;
export const CAGE_ABI = 2;
/** A to B with SCM_RIGHTS: the run's stdin, stdout, stderr and configuration memfd. */
export const CAGE_RUN = 0x52; // 'R'
export const CAGE_RUN_FDS = 4;

export const OP = { MOUNT: 1, MKDIR: 2, MKFILE: 3, SYMLINK: 4, CHOWN: 5 } as const;
export const OPF_OPTIONAL = 1;

export const CFG_FLAG = { CGROUPNS: 1, SECCOMP_LISTENER: 2 } as const;

export const SIZES = { cfg: 104, op: 40, rlimit: 24, msg: 48 } as const;

export const MSG = { USERNS: 0x55, ERROR: 0x45, STARTED: 0x53, EXIT: 0x58 } as const; // 'U' 'E' 'S' 'X'
export const GO = 0x47; // 'G'

/** Stages of the container set-up, as reported with an errno when one fails. */
export const STAGES: Readonly<Record<number, string>> = {
  1: 'config',
  2: 'signals',
  3: 'pdeathsig',
  4: 'fds',
  5: 'hostname',
  6: 'setgroups',
  7: 'mount-private',
  8: 'op',
  9: 'chdir-root',
  10: 'pivot_root',
  11: 'umount-old-root',
  12: 'userns',
  13: 'handshake',
  14: 'cgroupns',
  15: 'signalfd',
  16: 'fork',
  17: 'caps',
  18: 'setgid',
  19: 'setuid',
  20: 'rlimit',
  21: 'chdir-cwd',
  22: 'no_new_privs',
  23: 'seccomp',
  24: 'close-fds',
  25: 'exec',
  26: 'supervise',
  27: 'exec-init',
};
export const STAGE_OP = 8;
export const STAGE_RLIMIT = 20;

/** One set-up step of B, executed in order before pivot_root. `why` is for errors and docs. */
export type SetupOp =
  | { kind: 'mount'; source: string | null; target: string; fstype: string | null; flags: number; data: string | null; optional?: boolean; why: string }
  | { kind: 'mkdir'; target: string; mode: number; why: string }
  | { kind: 'mkfile'; target: string; mode: number; why: string }
  | { kind: 'symlink'; source: string; target: string; why: string }
  | { kind: 'chown'; target: string; uid: number; gid: number; why: string };

export interface RlimitSetting {
  resource: number;
  cur: bigint;
  max: bigint;
  why: string;
}

export interface ChildConfig {
  cloneFlags: number;
  stdinFd: number;
  stdoutFd: number;
  stderrFd: number;
  ctlFd: number;
  uid: number;
  gid: number;
  hostname: string;
  newRoot: string;
  ops: readonly SetupOp[];
  cwd: string;
  path: string;
  argv: readonly string[];
  env: readonly string[];
  rlimits: readonly RlimitSetting[];
  /** Classic BPF program, 8 bytes per instruction; empty = no filter. */
  filter: Buffer;
  flags: number;
}

/** A message from B or C. */
export interface ChildMessage {
  type: number;
  stage: number;
  errno: number;
  detail: number;
  status: number;
  sysNr: number;
  sysArch: number;
  cPid: number;
  wallNs: bigint;
}

class BlobWriter {
  private readonly strings: Buffer[] = [];
  private readonly stringOffsets = new Map<string, number>();
  private size: number;
  constructor(start: number) {
    this.size = start;
  }
  str(s: string | null): number {
    if (s === null) return 0;
    if (s.includes('\0')) throw new TypeError(`string contains NUL: ${JSON.stringify(s)}`);
    const known = this.stringOffsets.get(s);
    if (known !== undefined) return known;
    const off = this.size;
    const b = Buffer.from(s + '\0', 'utf8');
    this.strings.push(b);
    this.size += b.length;
    this.stringOffsets.set(s, off);
    return off;
  }
  finish(head: Buffer): Buffer {
    return Buffer.concat([head, ...this.strings]);
  }
}

/**
 * Serialises a ChildConfig into the blob cage_spawn() copies. Fixed-size arrays come first
 * (8-byte aligned, the filter in particular), strings after them; the blob ends with a NUL.
 */
export function encodeConfig(c: ChildConfig): Buffer {
  if (c.filter.length % 8 !== 0) throw new TypeError('seccomp program length is not a multiple of 8');
  let off = SIZES.cfg;
  const opsAt = off;
  off += SIZES.op * c.ops.length;
  const rlAt = off;
  off += SIZES.rlimit * c.rlimits.length;
  const filterAt = off;
  off += c.filter.length;
  const argvAt = off;
  off += 4 * c.argv.length;
  const envAt = off;
  off += 4 * c.env.length;
  const head = Buffer.alloc(off);
  const w = new BlobWriter(off);

  c.ops.forEach((op, i) => {
    const at = opsAt + i * SIZES.op;
    let kind: number = OP.MOUNT, src = 0, fstype = 0, data = 0, mode = 0, arg = 0, flags = 0, opflags = 0;
    switch (op.kind) {
      case 'mount':
        src = w.str(op.source); fstype = w.str(op.fstype); data = w.str(op.data); flags = op.flags;
        opflags = op.optional ? OPF_OPTIONAL : 0;
        break;
      case 'mkdir': kind = OP.MKDIR; mode = op.mode; break;
      case 'mkfile': kind = OP.MKFILE; mode = op.mode; break;
      case 'symlink': kind = OP.SYMLINK; src = w.str(op.source); break;
      case 'chown': kind = OP.CHOWN; mode = op.uid; arg = op.gid; break;
    }
    head.writeUInt32LE(kind, at);
    head.writeUInt32LE(opflags, at + 4);
    head.writeUInt32LE(src, at + 8);
    head.writeUInt32LE(w.str(op.target), at + 12);
    head.writeUInt32LE(fstype, at + 16);
    head.writeUInt32LE(data, at + 20);
    head.writeUInt32LE(mode, at + 24);
    head.writeUInt32LE(arg, at + 28);
    head.writeBigUInt64LE(BigInt(flags), at + 32);
  });
  c.rlimits.forEach((r, i) => {
    const at = rlAt + i * SIZES.rlimit;
    head.writeUInt32LE(r.resource, at);
    head.writeBigUInt64LE(r.cur, at + 8);
    head.writeBigUInt64LE(r.max, at + 16);
  });
  c.filter.copy(head, filterAt);
  c.argv.forEach((a, i) => head.writeUInt32LE(w.str(a), argvAt + 4 * i));
  c.env.forEach((e, i) => head.writeUInt32LE(w.str(e), envAt + 4 * i));

  const fields: Array<[number, number]> = [];
  const u32 = (v: number) => fields.push([v >>> 0, 0]);
  const i32 = (v: number) => fields.push([v | 0, 1]);
  u32(CAGE_MAGIC); u32(CAGE_ABI); u32(0 /* size, patched below */); u32(c.cloneFlags);
  i32(c.stdinFd); i32(c.stdoutFd); i32(c.stderrFd); i32(c.ctlFd);
  u32(c.uid); u32(c.gid); u32(w.str(c.hostname)); u32(w.str(c.newRoot));
  u32(opsAt); u32(c.ops.length); u32(w.str(c.cwd)); u32(w.str(c.path));
  u32(argvAt); u32(c.argv.length); u32(envAt); u32(c.env.length);
  u32(rlAt); u32(c.rlimits.length); u32(filterAt); u32(c.filter.length / 8);
  u32(c.flags); u32(0);
  fields.forEach(([v, signed], i) => (signed ? head.writeInt32LE(v, 4 * i) : head.writeUInt32LE(v, 4 * i)));
  const blob = w.finish(head);
  blob.writeUInt32LE(blob.length, 8);
  if (blob[blob.length - 1] !== 0) throw new Error('internal: blob must end with a NUL');
  return blob;
}

export function decodeMessage(b: Buffer, at = 0): ChildMessage {
  return {
    type: b.readUInt32LE(at),
    stage: b.readInt32LE(at + 4),
    errno: b.readInt32LE(at + 8),
    detail: b.readInt32LE(at + 12),
    status: b.readInt32LE(at + 16),
    sysNr: b.readInt32LE(at + 20),
    sysArch: b.readUInt32LE(at + 24),
    cPid: b.readInt32LE(at + 28),
    wallNs: b.readBigUInt64LE(at + 32),
  };
}
