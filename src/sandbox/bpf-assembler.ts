/**
 * The classic-BPF assembler behind the seccomp compiler (seccomp.ts): labels, forward jumps
 * only (cBPF cannot jump back), and a conditional jump whose target is beyond its 8-bit offset
 * widened into `jcc 0,1; ja T; ja F` (BPF_JA has a 32-bit offset). Output: the little-endian
 * `struct sock_filter` array that `sock_fprog.filter` points at.
 */

/** One assembler line; `label` names the address of the next instruction. */
export type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'jcc'; cond: 'jeq' | 'jge' | 'jgt' | 'jset'; k: number; jt: string; jf: string }
  | { op: 'ja'; target: string }
  | { op: 'ret'; value: number }
  | { op: 'label'; name: string };

const CODE = { ld: 0x20, jeq: 0x15, jgt: 0x25, jge: 0x35, jset: 0x45, ja: 0x05, ret: 0x06 } as const;
const MAX_SHORT_JUMP = 255;
const MAX_INSTRUCTIONS = 4096;

/** Resolves labels and encodes `struct sock_filter`s, widening far conditional jumps. */
export function assemble(source: readonly Insn[]): Buffer {
  const code = source.filter((i): i is Exclude<Insn, { op: 'label' }> => i.op !== 'label');
  const labelAt = new Map<string, number>(); // label → index in `code`
  let n = 0;
  for (const i of source) {
    if (i.op !== 'label') n++;
    else if (labelAt.has(i.name)) throw new RangeError(`label ${i.name} defined twice`);
    else labelAt.set(i.name, n);
  }
  const indexOf = (label: string): number => {
    const at = labelAt.get(label);
    if (at === undefined) throw new RangeError(`undefined label ${label}`);
    return at;
  };
  const wide = new Set<number>();
  let addr: number[] = [];
  /** The address of `code[i]` (i === code.length: one past the end) in the current layout. */
  const addrOf = (i: number): number => {
    const a = addr[i];
    if (a === undefined) throw new RangeError(`no address for instruction ${i}`);
    return a;
  };
  for (;;) {
    addr = [];
    let pc = 0;
    for (let i = 0; i < code.length; i++) {
      addr.push(pc);
      pc += wide.has(i) ? 3 : 1;
    }
    addr.push(pc);
    const before = wide.size;
    code.forEach((ins, i) => {
      if (ins.op !== 'jcc' || wide.has(i)) return;
      const far = [ins.jt, ins.jf].some((l) => addrOf(indexOf(l)) - addrOf(i) - 1 > MAX_SHORT_JUMP);
      if (far) wide.add(i);
    });
    if (wide.size === before) break;
  }
  const out: [code: number, jt: number, jf: number, k: number][] = [];
  const offset = (from: number, label: string): number => {
    const d = addrOf(indexOf(label)) - from - 1;
    if (d < 0) throw new RangeError(`backward jump to ${label}: cBPF jumps forward only`);
    return d;
  };
  code.forEach((ins, i) => {
    const pc = addrOf(i);
    if (ins.op === 'ld') out.push([CODE.ld, 0, 0, ins.offset]);
    else if (ins.op === 'ret') out.push([CODE.ret, 0, 0, ins.value]);
    else if (ins.op === 'ja') out.push([CODE.ja, 0, 0, offset(pc, ins.target)]);
    else if (!wide.has(i)) out.push([CODE[ins.cond], offset(pc, ins.jt), offset(pc, ins.jf), ins.k]);
    else out.push([CODE[ins.cond], 0, 1, ins.k], [CODE.ja, 0, 0, offset(pc + 1, ins.jt)], [CODE.ja, 0, 0, offset(pc + 2, ins.jf)]);
  });
  if (out.length > MAX_INSTRUCTIONS) throw new RangeError(`seccomp program has ${out.length} instructions (max ${MAX_INSTRUCTIONS})`);
  const buf = Buffer.alloc(out.length * 8);
  out.forEach(([c, jt, jf, k], i) => {
    buf.writeUInt16LE(c, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
