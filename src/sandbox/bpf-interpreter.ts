/**
 * A classic-BPF interpreter for seccomp programs, so tests (and `caged` diagnostics) can ask
 * "what does this filter do with openat on x86_64?" without a kernel. It runs the bytes the
 * native child installs, over a real 64-byte `struct seccomp_data`, and refuses what the
 * kernel's checker (bpf_check_classic + seccomp_check_filter) would refuse.
 * Only the instructions caged's assembler emits are implemented; anything else throws.
 */

/** `struct seccomp_data`; args are 64-bit registers, so bigint. */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  args?: readonly bigint[];
}

/** One decoded `struct sock_filter`. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const SOCK_FILTER_BYTES = 8;
/** BPF_MAXINSNS: the kernel refuses longer programs. */
export const BPF_MAXINSNS = 4096;
const SECCOMP_DATA_BYTES = 64;

/** Decodes the little-endian `struct sock_filter` array. */
export function decodeProgram(program: Buffer): SockFilter[] {
  if (program.length % SOCK_FILTER_BYTES !== 0) throw new RangeError('program length is not a multiple of 8');
  const out: SockFilter[] = [];
  for (let off = 0; off < program.length; off += SOCK_FILTER_BYTES) {
    out.push({
      code: program.readUInt16LE(off),
      jt: program.readUInt8(off + 2),
      jf: program.readUInt8(off + 3),
      k: program.readUInt32LE(off + 4),
    });
  }
  return out;
}

/** Encodes `struct seccomp_data` as the kernel lays it out on a little-endian machine. */
export function encodeSeccompData(data: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_BYTES);
  buf.writeInt32LE(data.nr | 0, 0);
  buf.writeUInt32LE(data.arch >>> 0, 4);
  buf.writeBigUInt64LE(BigInt.asUintN(64, data.instructionPointer ?? 0n), 8);
  const args = data.args ?? [];
  if (args.length > 6) throw new RangeError('seccomp_data has 6 arguments');
  args.forEach((a, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  return buf;
}

// Opcodes this interpreter knows (linux/bpf_common.h).
const LD_W_ABS = 0x20;
const JMP_JA = 0x05;
const JMP_JEQ_K = 0x15;
const JMP_JGT_K = 0x25;
const JMP_JGE_K = 0x35;
const JMP_JSET_K = 0x45;
const RET_K = 0x06;
const CONDITIONAL = new Set([JMP_JEQ_K, JMP_JGT_K, JMP_JGE_K, JMP_JSET_K]);
const KNOWN = new Set([LD_W_ABS, JMP_JA, RET_K, ...CONDITIONAL]);

/** Throws what the kernel would answer EINVAL for (length, jump targets, loads, final RET). */
export function checkSeccompProgram(program: Buffer): void {
  const insns = decodeProgram(program);
  const len = insns.length;
  if (len === 0 || len > BPF_MAXINSNS) throw new RangeError(`program has ${len} instructions (1..${BPF_MAXINSNS})`);
  insns.forEach((ins, pc) => {
    if (!KNOWN.has(ins.code)) throw new RangeError(`pc ${pc}: opcode 0x${ins.code.toString(16)} not supported`);
    if (ins.code === LD_W_ABS && (ins.k >= SECCOMP_DATA_BYTES || ins.k % 4 !== 0)) {
      throw new RangeError(`pc ${pc}: load of seccomp_data offset ${ins.k}`);
    }
    if (ins.code === JMP_JA && ins.k >= len - pc - 1) throw new RangeError(`pc ${pc}: ja out of range`);
    if (CONDITIONAL.has(ins.code) && (pc + ins.jt + 1 >= len || pc + ins.jf + 1 >= len)) {
      throw new RangeError(`pc ${pc}: conditional jump out of range`);
    }
  });
  const last = insns[len - 1];
  if (last === undefined || (last.code & 0x07) !== RET_K) throw new RangeError('program does not end with a return');
}

/**
 * Runs the program over `data` and returns the 32-bit action value (SECCOMP_RET_*). `loads`, if
 * given, receives the seccomp_data offset of every load on the path taken: a path that loads
 * only nr (0) and arch (4) is one the kernel's constant-action cache can decide without running
 * the filter (seccomp_is_const_allow).
 */
export function runSeccompProgram(program: Buffer, data: SeccompData, loads?: number[]): number {
  checkSeccompProgram(program);
  const insns = decodeProgram(program);
  const mem = encodeSeccompData(data);
  let acc = 0; // the accumulator A (X is never used)
  for (let pc = 0; pc < insns.length; pc++) {
    const ins = insns[pc];
    if (ins === undefined) break; // unreachable: pc < insns.length
    const { code, jt, jf, k } = ins;
    switch (code) {
      case LD_W_ABS:
        loads?.push(k);
        acc = mem.readUInt32LE(k);
        break;
      case JMP_JA:
        pc += k;
        break;
      case JMP_JEQ_K:
        pc += acc === k ? jt : jf;
        break;
      case JMP_JGT_K:
        pc += acc > k ? jt : jf;
        break;
      case JMP_JGE_K:
        pc += acc >= k ? jt : jf;
        break;
      case JMP_JSET_K:
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      case RET_K:
        return k;
      default:
        throw new RangeError(`pc ${pc}: opcode 0x${code.toString(16)} not supported`);
    }
  }
  throw new RangeError('program ran off its end');
}
