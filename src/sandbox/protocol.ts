/**
 * The protocol between the worker (A) and the native container processes (B, C): the
 * configuration blob A builds and the 64-byte messages B and C send back. It mirrors
 * native/cage.h constant for constant; test/protocol.test.ts checks the two agree.
 */

export const CAGE_MAGIC = 0x45474143;
export const CAGE_ABI = 8;
/** A to B with SCM_RIGHTS: the run's stdin, stdout, stderr and configuration memfd. The last message A sends. */
export const CAGE_RUN = 0x52; // 'R'
export const CAGE_RUN_FDS = 4;
/** At most this many fds more in CAGE_RUN, which the program inherits on 5, 6, … (cage.h). */
export const CAGE_RUN_EXTRA_MAX = 16;

export const OP = { MOUNT: 1, MKDIR: 2, MKFILE: 3, SYMLINK: 4, CHOWN: 5, MKNOD: 6, WRITE: 7, CHDIR: 8 } as const;
export const OPF_OPTIONAL = 1;

export const CFG_FLAG = { CGROUPNS: 1, SECCOMP_LISTENER: 2, USERNS_FIRST: 4, REPORT_WRITES: 8 } as const;

export const SIZES = { cfg: 88, op: 40, rlimit: 24, msg: 64 } as const;

/**
 * Every field's byte offset, as in cage.h. encodeConfig and decodeMessage write and read
 * through these; native.ts and test/protocol.test.ts compare them with the compiled library's.
 */
export const LAYOUT = {
  cage_op: { kind: 0, opflags: 4, src: 8, dst: 12, fstype: 16, data: 20, mode: 24, arg: 28, flags: 32 },
  cage_rlimit: { resource: 0, pad: 4, cur: 8, max: 16 },
  cage_cfg: {
    magic: 0,
    abi: 4,
    size: 8,
    uid: 12,
    gid: 16,
    hostname: 20,
    new_root: 24,
    ops: 28,
    nops: 32,
    cwd: 36,
    path: 40,
    argv: 44,
    argc: 48,
    envp: 52,
    envc: 56,
    rlimits: 60,
    nrlimits: 64,
    filter: 68,
    nfilter: 72,
    flags: 76,
    outer_uid: 80,
    outer_gid: 84,
  },
  cage_msg: {
    type: 0,
    stage: 4,
    err: 8,
    detail: 12,
    status: 16,
    sys_nr: 20,
    sys_arch: 24,
    c_pid: 28,
    wall_ns: 32,
    end_ns: 40,
    cpu_ns: 48,
    maxrss_kb: 56,
  },
} as const;

/** LAYOUT in cage_abi_layout()'s format: "struct.field=offset;" for every field. */
export function layoutString(): string {
  return Object.entries(LAYOUT)
    .flatMap(([st, fields]) => Object.entries(fields).map(([f, off]) => `${st}.${f}=${off};`))
    .join('');
}

export const MSG = { ERROR: 0x45, STARTED: 0x53, EXIT: 0x58 } as const; // 'E' 'S' 'X'

/** Stages of the container set-up, as reported with an errno when one fails. */
export const STAGES: Readonly<Record<number, string>> = {
  1: 'config',
  2: 'signals',
  4: 'fds',
  5: 'hostname',
  6: 'setgroups',
  7: 'mount-private',
  8: 'op',
  9: 'chdir-root',
  10: 'pivot_root',
  11: 'umount-old-root',
  12: 'userns',
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
  28: 'prepare',
  29: 'prepare-op',
  30: 'program-userns',
};
export const STAGE_OP = 8;
export const STAGE_PREPARE_OP = 29;
export const STAGE_RLIMIT = 20;

/** One set-up step of B, executed in order before pivot_root. `why` is for errors and docs. */
export type SetupOp =
  | {
      kind: 'mount';
      source: string | null;
      target: string;
      fstype: string | null;
      flags: number;
      data: string | null;
      optional?: boolean;
      why: string;
    }
  | { kind: 'mkdir'; target: string; mode: number; why: string }
  | { kind: 'mkfile'; target: string; mode: number; why: string }
  | { kind: 'symlink'; source: string; target: string; why: string }
  | { kind: 'chown'; target: string; uid: number; gid: number; why: string }
  /** A character device (major, minor) with exactly `mode` (the umask does not apply). */
  | { kind: 'mknod'; target: string; mode: number; major: number; minor: number; why: string }
  /** A new file holding `content` (text, no NUL), with exactly `mode`. */
  | { kind: 'write'; target: string; mode: number; content: string; why: string }
  /** B's working directory from here on, for relative paths in later ops (overlay layers). */
  | { kind: 'chdir'; target: string; why: string };

export interface RlimitSetting {
  resource: number;
  cur: bigint;
  max: bigint;
  why: string;
}

export interface ChildConfig {
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
  /**
   * What the program's user namespace maps `uid`/`gid` to, in B's: the leased host ids (root
   * mode: B writes the maps); rootless (CFG_FLAG.USERNS_FIRST), ids of the worker's namespace
   * (the program maps itself).
   */
  outerUid?: number;
  outerGid?: number;
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
  /** X: CLOCK_MONOTONIC (process.hrtime's clock) when B reaped the program; 0n if unknown. */
  endNs: bigint;
  /**
   * S: B's own CPU time so far (its process CPU clock), read once the program's set-up was B's
   * no more; X: CPU time of every process B reaped (its children's rusage). In ns.
   */
  cpuNs: bigint;
  /** X: the largest peak resident set of one of those processes, in KiB (ru_maxrss). */
  maxRssKb: bigint;
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
 * Serialises a ChildConfig into the blob B maps from its memfd. Fixed-size arrays come first
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

  const O = LAYOUT.cage_op;
  c.ops.forEach((op, i) => {
    const at = opsAt + i * SIZES.op;
    let kind: number = OP.MOUNT,
      src = 0,
      fstype = 0,
      data = 0,
      mode = 0,
      arg = 0,
      flags = 0,
      opflags = 0;
    switch (op.kind) {
      case 'mount':
        src = w.str(op.source);
        fstype = w.str(op.fstype);
        data = w.str(op.data);
        flags = op.flags;
        opflags = op.optional ? OPF_OPTIONAL : 0;
        break;
      case 'mkdir':
        kind = OP.MKDIR;
        mode = op.mode;
        break;
      case 'mkfile':
        kind = OP.MKFILE;
        mode = op.mode;
        break;
      case 'symlink':
        kind = OP.SYMLINK;
        src = w.str(op.source);
        break;
      case 'chown':
        kind = OP.CHOWN;
        mode = op.uid;
        arg = op.gid;
        break;
      case 'mknod':
        kind = OP.MKNOD;
        mode = op.mode;
        arg = ((op.major & 0xfff) << 8) | (op.minor & 0xff) | ((op.minor & ~0xff) << 12);
        break;
      case 'write':
        kind = OP.WRITE;
        mode = op.mode;
        data = w.str(op.content);
        arg = Buffer.byteLength(op.content);
        break;
      case 'chdir':
        kind = OP.CHDIR;
        break;
    }
    head.writeUInt32LE(kind, at + O.kind);
    head.writeUInt32LE(opflags, at + O.opflags);
    head.writeUInt32LE(src, at + O.src);
    head.writeUInt32LE(w.str(op.target), at + O.dst);
    head.writeUInt32LE(fstype, at + O.fstype);
    head.writeUInt32LE(data, at + O.data);
    head.writeUInt32LE(mode, at + O.mode);
    head.writeUInt32LE(arg >>> 0, at + O.arg);
    head.writeBigUInt64LE(BigInt(flags), at + O.flags);
  });
  const R = LAYOUT.cage_rlimit;
  c.rlimits.forEach((r, i) => {
    const at = rlAt + i * SIZES.rlimit;
    head.writeUInt32LE(r.resource, at + R.resource);
    head.writeBigUInt64LE(r.cur, at + R.cur);
    head.writeBigUInt64LE(r.max, at + R.max);
  });
  c.filter.copy(head, filterAt);
  c.argv.forEach((a, i) => head.writeUInt32LE(w.str(a), argvAt + 4 * i));
  c.env.forEach((e, i) => head.writeUInt32LE(w.str(e), envAt + 4 * i));

  const C = LAYOUT.cage_cfg;
  const cfg: Record<keyof typeof C, number> = {
    magic: CAGE_MAGIC,
    abi: CAGE_ABI,
    size: 0 /* patched below */,
    uid: c.uid,
    gid: c.gid,
    hostname: w.str(c.hostname),
    new_root: w.str(c.newRoot),
    ops: opsAt,
    nops: c.ops.length,
    cwd: w.str(c.cwd),
    path: w.str(c.path),
    argv: argvAt,
    argc: c.argv.length,
    envp: envAt,
    envc: c.env.length,
    rlimits: rlAt,
    nrlimits: c.rlimits.length,
    filter: filterAt,
    nfilter: c.filter.length / 8,
    flags: c.flags,
    outer_uid: c.outerUid ?? 0,
    outer_gid: c.outerGid ?? 0,
  };
  for (const [k, off] of Object.entries(C)) head.writeUInt32LE(cfg[k as keyof typeof C] >>> 0, off);
  const blob = w.finish(head);
  blob.writeUInt32LE(blob.length, C.size);
  if (blob[blob.length - 1] !== 0) throw new Error('internal: blob must end with a NUL');
  return blob;
}

export function decodeMessage(b: Buffer, at = 0): ChildMessage {
  const M = LAYOUT.cage_msg;
  return {
    type: b.readUInt32LE(at + M.type),
    stage: b.readInt32LE(at + M.stage),
    errno: b.readInt32LE(at + M.err),
    detail: b.readInt32LE(at + M.detail),
    status: b.readInt32LE(at + M.status),
    sysNr: b.readInt32LE(at + M.sys_nr),
    sysArch: b.readUInt32LE(at + M.sys_arch),
    cPid: b.readInt32LE(at + M.c_pid),
    wallNs: b.readBigUInt64LE(at + M.wall_ns),
    endNs: b.readBigUInt64LE(at + M.end_ns),
    cpuNs: b.readBigUInt64LE(at + M.cpu_ns),
    maxRssKb: b.readBigUInt64LE(at + M.maxrss_kb),
  };
}

/** The preparation blob (fd 4 of a new B): the same format, of which B uses only the ops. */
export function encodePreparation(ops: readonly SetupOp[]): Buffer {
  return encodeConfig({
    uid: 0,
    gid: 0,
    hostname: '',
    newRoot: '',
    ops,
    cwd: '',
    path: '',
    argv: [],
    env: [],
    rlimits: [],
    filter: Buffer.alloc(0),
    flags: 0,
  });
}
