/** The classic-BPF assembler: labels, forward jumps, widening of far conditional jumps. */
import { checkSeccompProgram, decodeProgram, runSeccompProgram } from '../../src/sandbox/bpf-interpreter';
import { assemble, type Insn } from '../../src/sandbox/bpf-assembler';

describe('the assembler', () => {
  it('widens conditional jumps beyond 255 instructions into ja', () => {
    const filler: Insn[] = Array.from({ length: 300 }, () => ({ op: 'ret', value: 0 }));
    const src: Insn[] = [
      { op: 'ld', offset: 0 },
      { op: 'jcc', cond: 'jeq', k: 7, jt: 'far', jf: 'near' },
      { op: 'label', name: 'near' },
      { op: 'ret', value: 1 },
      ...filler,
      { op: 'label', name: 'far' },
      { op: 'ret', value: 2 },
    ];
    const prog = assemble(src);
    expect(() => checkSeccompProgram(prog)).not.toThrow();
    expect(decodeProgram(prog).length).toBe(1 + 3 + 1 + 300 + 1);
    expect(runSeccompProgram(prog, { nr: 7, arch: 0 })).toBe(2);
    expect(runSeccompProgram(prog, { nr: 8, arch: 0 })).toBe(1);
  });

  it('refuses backward jumps and unknown labels', () => {
    expect(() =>
      assemble([
        { op: 'label', name: 'a' },
        { op: 'ld', offset: 0 },
        { op: 'ja', target: 'a' },
      ]),
    ).toThrow(/backward/);
    expect(() => assemble([{ op: 'ja', target: 'nowhere' }])).toThrow(/undefined label/);
  });
});
