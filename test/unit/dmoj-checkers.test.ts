/**
 * DMOJ's built-in checkers (`checker: {type: "dmoj", name, args}`) as functions, without root
 * or the image: the wire shape and its args, every checker's accepting and rejecting cases, and
 * linear time on adversarial output. Through the real judge, in a container:
 * test/judge-dmoj-checkers.test.ts.
 */
import { checkOutput, checksFailedRuns, type JobChecker } from '../../src/judge/check-output';
import { CheckRunner } from '../../src/judge/check-runner';
import { checkCost, runBuiltinChecker, type BuiltinChecker } from '../../src/judge/checkers';
import { DMOJ_CHECKER_NAMES, DmojCheckerSchema, type DmojChecker } from '../../src/judge/dmoj-checker-schema';
import { runDmojChecker } from '../../src/judge/dmoj-checkers';
import { pythonFloat } from '../../src/judge/dmoj-floats';
import { parseSubmission } from '../../src/judge/plan';
import { SubmissionSchema, TestcaseSchema } from '../../src/judge/schema';
import { DMOJ_CASES } from '../helpers/dmoj-cases';
import { MiB, bestOfEach } from '../helpers/text';

const dmoj = (name: string, args?: Record<string, unknown>): DmojChecker =>
  DmojCheckerSchema.parse({ type: 'dmoj', name, ...(args ? { args } : {}) });
const run = (c: DmojChecker, output: string, answer: string) =>
  runDmojChecker(c, Buffer.from(output, 'latin1'), Buffer.from(answer, 'latin1'));

describe('the wire shape', () => {
  const submission = (checker: unknown) => ({ language: 'python3', source: 'print(1)', testcases: [{ expected: '1' }], checker });

  it("fills in every name's args with DMOJ's defaults", () => {
    const parsed = (name: string) => parseSubmission(submission({ type: 'dmoj', name }), SubmissionSchema).checker;
    expect(parsed('standard')).toEqual({ type: 'dmoj', name: 'standard', args: {} });
    expect(parsed('identical')).toEqual({ type: 'dmoj', name: 'identical', args: { pe_allowed: true } });
    expect(parsed('floats')).toEqual({ type: 'dmoj', name: 'floats', args: { precision: 6, error_mode: 'default' } });
    expect(parsed('floatsabs')).toEqual({ type: 'dmoj', name: 'floatsabs', args: { precision: 6 } });
    expect(parsed('floatsrel')).toEqual({ type: 'dmoj', name: 'floatsrel', args: { precision: 6 } });
    expect(parsed('sorted')).toEqual({ type: 'dmoj', name: 'sorted', args: { split_on: 'lines' } });
    expect(parsed('unordered')).toEqual({ type: 'dmoj', name: 'unordered', args: {} });
    expect(parsed('easy')).toEqual({ type: 'dmoj', name: 'easy', args: {} });
    expect(parsed('linecount')).toEqual({ type: 'dmoj', name: 'linecount', args: { feedback: true } });
    expect(parsed('rstripped')).toEqual({ type: 'dmoj', name: 'rstripped', args: { filter_new_line: false } });
    expect(parsed('linematches')).toEqual({
      type: 'dmoj',
      name: 'linematches',
      args: { point_distribution: [1], filler_lines_required: true },
    });
    const partial = parseSubmission(submission({ type: 'dmoj', name: 'floats', args: { precision: 3 } }), SubmissionSchema);
    expect(partial.checker).toEqual({ type: 'dmoj', name: 'floats', args: { precision: 3, error_mode: 'default' } });
  });

  it.each([
    [{ name: 'floats', args: { precision: '6' } }, 'checker.args.precision'],
    [{ name: 'floats', args: { precision: 6.5 } }, 'checker.args.precision'],
    [{ name: 'floats', args: { precision: -23 } }, 'checker.args.precision'],
    [{ name: 'floats', args: { error_mode: 'relatve' } }, 'checker.args.error_mode'],
    [{ name: 'floats', args: { epsilon: 1e-6 } }, 'checker.args.epsilon'],
    [{ name: 'floatsabs', args: { error_mode: 'relative' } }, 'checker.args.error_mode'],
    [{ name: 'standard', args: { point_value: 1 } }, 'checker.args.point_value'],
    [{ name: 'unordered', args: { split_on: 'lines' } }, 'checker.args.split_on'],
    [{ name: 'identical', args: { pe_allowed: 'yes' } }, 'checker.args.pe_allowed'],
    [{ name: 'sorted', args: { split_on: 'words' } }, 'checker.args.split_on'],
    [{ name: 'linecount', args: { feedback: 1 } }, 'checker.args.feedback'],
    [{ name: 'rstripped', args: { filter_new_line: null } }, 'checker.args.filter_new_line'],
    [{ name: 'linematches', args: { point_distribution: [0, 0] } }, 'checker.args.point_distribution'],
    [{ name: 'linematches', args: { point_distribution: [1, -1] } }, 'checker.args.point_distribution[1]'],
    [{ name: 'linematches', args: { point_distribution: [] } }, 'checker.args.point_distribution'],
    [{ name: 'easy', args: { regex: '\\s+' } }, 'checker.args.regex'],
    [{ name: 'bridged', args: {} }, 'checker.name'],
    [{}, 'checker.name'],
  ])('refuses %j, naming %s', (checker, field) => {
    expect(() => parseSubmission(submission({ type: 'dmoj', ...checker }), SubmissionSchema)).toThrow(
      expect.objectContaining({ field }) as Error,
    );
  });
});

describe("each checker on DMOJ's cases", () => {
  it.each(DMOJ_CASES)('%s %j on %j against %j gives %j', (name, args, output, answer, want) => {
    const got = run(dmoj(name, args), output, answer);
    if (want[0] === 'IE') {
      expect(got.internalError).toBe(true);
      return;
    }
    const [passed, share, feedback] = want;
    expect(got.internalError).toBeUndefined();
    expect(got.accepted).toBe(passed);
    expect(got.fraction ?? (got.accepted ? 1 : 0)).toBeCloseTo(share, 9);
    if (feedback !== undefined) expect(got.message).toBe(feedback);
    else expect(got.message).not.toMatch(/Presentation Error|Case Feedback/);
  });
});

describe('the messages where DMOJ gives no feedback', () => {
  it('say where the outputs differ, never what the answer holds', () => {
    expect(run(dmoj('standard'), '1 2 4 5', '1 2 3 5').message).toBe('token 3 differs');
    expect(run(dmoj('standard'), '1 2\n3', '1 2 3').message).toBe('no line break expected before token 3');
    expect(run(dmoj('standard'), '1 2', '1\n2').message).toBe('a line break expected before token 2');
    expect(run(dmoj('standard'), '1 2', '1 2 3').message).toBe('the output ends before token 3');
    expect(run(dmoj('standard'), '1 2 3 4', '1 2').message).toBe("the output has more than the answer's 2 tokens");
    expect(run(dmoj('identical', { pe_allowed: false }), 'ab ', 'ab').message).toBe('the output differs from the answer at byte 2');
    expect(run(dmoj('floats'), '1\n2.5 x\n', '1\n2.5 y\n').message).toBe('token 2 of non-empty line 2 differs');
    expect(run(dmoj('floats'), '1\n2\n3\n', '1\n').message).toBe("the output has more non-empty lines than the answer's 1");
    expect(run(dmoj('sorted'), 'a\nc\n', 'b\na\n').message).toBe("the output's non-empty lines are not the answer's in another order");
    expect(run(dmoj('rstripped'), 'a\nb', 'a\nb\n').message).toBe('the output has 2 lines (each "\\r" and "\\n" ends one), the answer 3');
    expect(run(dmoj('linecount', { feedback: false }), 'a\nx\n', 'a\nb\n').message).toBe('1 of 2 lines correct');
    const lm = dmoj('linematches', { point_distribution: [1, 3] });
    expect(run(lm, 'x\nb\n', 'a\nb\n')).toEqual({ accepted: true, fraction: 0.75, message: '1 of 2 lines match, 3 of 4 points' });
    expect(run(lm, 'a\n', 'a\nb\nc\n')).toEqual({
      accepted: false,
      internalError: true,
      message: 'point distribution length must equal to judge output length (2 points, 3 non-empty lines)',
    });
  });

  it("cut linecount's marks to fit one message line", () => {
    const answer = Array.from({ length: 1000 }, (_, i) => `${i}`).join('\n');
    const got = run(dmoj('linecount'), answer.replace(/^5$/m, 'x'), answer);
    expect(got.fraction).toBeCloseTo(999 / 1000, 12);
    expect(got.message).toBe(`Case Feedback: ${'✓'.repeat(5)}✗${'✓'.repeat(474)}…`);
  });
});

describe('bytes that are not UTF-8', () => {
  it('are compared as bytes, as DMOJ\'s built-in checkers do (none of them decodes, so none says "invalid unicode")', () => {
    const bad = Buffer.from([0xff, 0xfe, 0x20, 0x31, 0x0a]);
    const other = Buffer.from([0xff, 0xfd, 0x20, 0x31, 0x0a]);
    for (const name of ['standard', 'identical', 'floats', 'sorted', 'unordered', 'easy', 'linecount', 'rstripped', 'linematches']) {
      expect([name, runDmojChecker(dmoj(name), bad, Buffer.from(bad)).accepted]).toEqual([name, true]);
      expect([name, runDmojChecker(dmoj(name), other, bad).accepted]).toEqual([name, false]);
    }
  });
});

describe("Python's float() of bytes", () => {
  it('reads what Python reads, to the same double', () => {
    const f = (s: string) => pythonFloat(Buffer.from(s, 'latin1'), 0, Buffer.from(s, 'latin1').length);
    expect(f('1')).toBe(1);
    expect(f('-0')).toBe(-0);
    expect(f('+.5')).toBe(0.5);
    expect(f('1.')).toBe(1);
    expect(f('1_000.2_5')).toBe(1000.25);
    expect(f('1e1_0')).toBe(1e10);
    expect(f('0.1')).toBe(0.1);
    expect(f('123456789012345.6')).toBe(123456789012345.6);
    expect(f('1E+05')).toBe(1e5);
    expect(f('1e400')).toBe(Infinity);
    expect(f('-InFiNiTy')).toBe(-Infinity);
    expect(f('nan')).toBeNaN();
    expect(f('+NaN')).toBeNaN();
    for (const bad of [
      '',
      '+',
      '.',
      '1e',
      '1e+',
      '.e5',
      '1__0',
      '_1',
      '1_',
      '1_.5',
      '1._5',
      '1e_5',
      'in_f',
      'infinit',
      'nan()',
      '0x10',
      '1\x00',
      '\xd9\xa1',
      'abc',
    ])
      expect([bad, f(bad)]).toEqual([bad, null]);
  });
});

describe('sorted against a plain reference', () => {
  // DMOJ's definition, written with split and sort (quadratic memory in objects, fine here).
  const reference = (o: string, a: string, lines: boolean): boolean => {
    const units = (t: string) =>
      lines
        ? t
            .split(/[\r\n]/)
            .filter((l) => l !== '')
            .map((l) =>
              l
                .split(/[ \t\n\v\f\r]+/)
                .filter((x) => x !== '')
                .join(' '),
            )
        : t.split(/[ \t\n\v\f\r]/).filter((x) => x !== '');
    const [x, y] = [units(o).sort(), units(a).sort()];
    return x.length === y.length && x.every((u, i) => u === y[i]);
  };

  it('agrees on 20 000 random outputs, shuffled, respaced or changed', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', 'ab', '1', ' ', ' ', '\n', '\n', '\r', '\t', '\v', '\xff'];
    const text = (max: number) => Array.from({ length: rand(max) }, () => alphabet[rand(alphabet.length)]).join('');
    const shuffle = (parts: string[]) => {
      for (let i = parts.length - 1; i > 0; i--) {
        const j = rand(i + 1);
        [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      }
      return parts;
    };
    const differing: unknown[] = [];
    for (let k = 0; k < 20_000; k++) {
      const a = text(k % 10 === 0 ? 400 : 20);
      const kind = k % 4;
      const o =
        kind === 0
          ? shuffle(a.split('\n')).join('\n')
          : kind === 1
            ? shuffle(a.split(' ')).join(rand(2) ? ' ' : '\n')
            : kind === 2
              ? a.replace(/ /g, () => ['  ', '\t', ' '][rand(3)]!)
              : text(20);
      for (const lines of [true, false]) {
        const got = run(dmoj('sorted', { split_on: lines ? 'lines' : 'whitespace' }), o, a).accepted;
        if (got !== reference(o, a, lines)) differing.push({ o, a, lines, got });
      }
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });
});

describe('standard against a plain reference', () => {
  // _checker.c's definition: the answer's and the output's lines of tokens, empty lines gone.
  const reference = (o: string, a: string): boolean => {
    const form = (t: string) =>
      t
        .split(/[\r\n]+/)
        .map((l) => l.split(/[ \t\v\f]+/).filter((x) => x !== ''))
        .filter((l) => l.length > 0)
        .map((l) => l.join(' '))
        .join('\n');
    return form(o) === form(a);
  };

  it('agrees on long outputs, where equal stretches go by memcmp and a difference falls inside shared whitespace', () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const differing: unknown[] = [];
    for (let k = 0; k < 300; k++) {
      const words = Array.from({ length: 2000 + rand(2000) }, () => ['1', '22', 'abc', ' ', '  ', '\n', '\r\n', '\t', '\n\n'][rand(9)]!);
      const a = words.join('');
      const at = rand(a.length + 1);
      const insert = [' ', '\n', 'x', '', ' \n', '1'][rand(6)]!;
      const o = a.slice(0, at) + insert + a.slice(at + (rand(2) ? 1 : 0));
      const got = run(dmoj('standard'), o, a).accepted;
      if (got !== reference(o, a)) differing.push({ at, insert, got });
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });
});

describe('on adversarial output', () => {
  // Sixteen times the bytes must cost about sixteen times as much, not 256 (best of 3; the
  // bound leaves room for a loaded machine and still fails a quadratic scan).
  const lines = (n: number, line: string) => Buffer.from(line.repeat(Math.ceil(n / line.length)).slice(0, n), 'latin1');
  const spaces = (n: number) => {
    const b = Buffer.alloc(n, 0x20);
    b[0] = 0x31;
    return b;
  };
  const digits = (n: number) => Buffer.alloc(n, 0x31);
  it.each([
    ['standard', 'one line of spaces', spaces, '1'],
    ['floats', 'one line of spaces', spaces, '1'],
    ['floats', 'one huge number', digits, '1'],
    ['linecount', 'one line of spaces', spaces, '1'],
    ['rstripped', 'one line of spaces', spaces, '1'],
    ['identical', 'one line of spaces', spaces, '1'],
    ['easy', 'one line of spaces', spaces, '1'],
    ['unordered', 'one huge token', digits, '1'],
    ['linecount', "tiny lines, many more than the answer's", (n: number) => lines(n, '1\r'), '1\n'],
    ['sorted', "tiny lines, many more than the answer's", (n: number) => lines(n, '1\n'), '1\n'],
  ])('%s takes linear time on %s', (name, _what, make, answer) => {
    const c = dmoj(name);
    const [small, large] = [make(MiB / 2), make(8 * MiB)];
    const ans = Buffer.from(answer);
    runDmojChecker(c, small, ans); // warm up
    const [tSmall, tLarge] = bestOfEach(
      3,
      () => runDmojChecker(c, small, ans),
      () => runDmojChecker(c, large, ans),
    );
    expect(tLarge).toBeLessThan(48 * tSmall + 25);
  });

  it('sort only as many units as the answer has, on a submission that prints millions', () => {
    const answer = Buffer.from('1\n2\n');
    const many = lines(16 * MiB, '1\n');
    const { accepted, message } = runDmojChecker(dmoj('sorted'), many, answer);
    expect({ accepted, message }).toEqual({ accepted: false, message: "the output has more non-empty lines than the answer's 2" });
  });
});

describe('the check path', () => {
  const testcase = TestcaseSchema.parse({ expected: '', points: 10 });
  const context = (checker: BuiltinChecker, checks: CheckRunner) => ({
    index: 0,
    testcase,
    checker: { kind: 'builtin', checker } as JobChecker,
    checks,
  });

  it("gives the test linecount's share of its points and linematches' IE", async () => {
    const checks = new CheckRunner();
    try {
      const check = (c: BuiltinChecker, o: string, a: string) =>
        checkOutput(context(c, checks), Buffer.alloc(0), Buffer.from(o), Buffer.from(a));
      await expect(check(dmoj('linecount'), 'a\nx\nc\n', 'a\nb\nc\n')).resolves.toEqual({
        verdict: 'WA',
        fraction: 2 / 3,
        checkerMessage: 'Case Feedback: ✓✗✓',
        fromValidator: {},
      });
      await expect(check(dmoj('linematches', { point_distribution: [1, 3] }), 'x\nb\n', 'a\nb\n')).resolves.toMatchObject({
        verdict: 'AC',
        fraction: 0.75,
      });
      await expect(check(dmoj('linematches'), 'a\n', 'a\nb\n')).resolves.toMatchObject({ verdict: 'IE', fraction: 0 });
      await expect(check(dmoj('standard'), '1  2\n', '1 2')).resolves.toMatchObject({ verdict: 'AC', fraction: 1, checkerMessage: 'ok' });
      await expect(check({ type: 'tokens' }, '1 3', '1 2')).resolves.toMatchObject({ verdict: 'WA', fraction: 0 });
    } finally {
      await checks.close();
    }
  });

  it("judges failed runs with linecount alone (DMOJ's run_on_error)", () => {
    const judging = DMOJ_CHECKER_NAMES.filter((n) => checksFailedRuns({ kind: 'builtin', checker: dmoj(n) }));
    expect(judging).toEqual(['linecount']);
    expect(checksFailedRuns({ kind: 'builtin', checker: { type: 'tokens' } })).toBe(false);
  });

  it('keeps a sort off the event loop from a few KiB on, with the outcome it has inline', async () => {
    const checks = new CheckRunner();
    try {
      const words = Array.from({ length: 1500 }, (_, i) => `${(i * 7919) % 1000}`);
      const answer = Buffer.from(words.join('\n'));
      const output = Buffer.from([...words].reverse().join(' \n'));
      const sorted = dmoj('sorted');
      expect(checkCost(sorted)).toBe(32);
      const got = await checks.check(sorted, output, answer);
      expect(got.where).toBe('thread');
      expect(got.outcome).toEqual(runBuiltinChecker(sorted, output, answer));
      expect(got.outcome.accepted).toBe(true);
      const linecount = await checks.check(dmoj('linecount'), Buffer.from('a\nx\n'), Buffer.from('a\nb\n'));
      expect(linecount).toMatchObject({ where: 'inline', outcome: { accepted: false, fraction: 0.5 } });
    } finally {
      await checks.close();
    }
  });
});
