/** The default output validator of the problem package format, flag by flag (src/problem/default-validator.ts). */
import { DEFAULT_FLAGS, defaultValidate, parseValidatorFlags, parseNumberToken } from '../../src/problem/default-validator';
import { InvalidRequestError } from '../../src/errors';
import { oneLine } from '../../src/judge/result';
import { headOf } from '../../src/judge/text-head';

const check = (out: string, ans: string, flags: string[] = []) =>
  defaultValidate(Buffer.from(out), Buffer.from(ans), parseValidatorFlags(flags, 'test')).accepted;

describe('the default output validator', () => {
  it("shows a long token cut at a character's end, never within an emoji (problemtools' test_long_trailing_wa)", () => {
    const rocket = `checkthatwedon'tcututf8${'🚀'.repeat(30)}`;
    for (const [out, ans] of [
      [`a b ${rocket}`, 'a b'],
      [rocket, 'x'],
      ['1', `1 ${rocket}`],
    ] as const) {
      const message = defaultValidate(Buffer.from(out), Buffer.from(ans), DEFAULT_FLAGS).message;
      expect(message).toMatch(/🚀…"/);
      expect(message).not.toMatch(/\\ud83d/);
    }
    expect(headOf('ab🚀', 3)).toBe('ab');
    expect(headOf('ab🚀', 4)).toBe('ab🚀');
    expect(headOf('abc', 2)).toBe('ab');
    expect(headOf('abc', 5)).toBe('abc');
    expect(oneLine(`${'x'.repeat(498)}🚀🚀`)).toBe(`${'x'.repeat(498)}…`);
  });

  it('compares tokens, any whitespace equal to any other, and ignores leading and trailing whitespace', () => {
    expect(check('1 2\n3', '1\n2 3\n')).toBe(true);
    expect(check('  1\t2 3  \n\n', '1 2 3')).toBe(true);
    expect(check('1 2', '1 2 3')).toBe(false);
    expect(check('1 2 3 4', '1 2 3')).toBe(false);
    expect(check('', '')).toBe(true);
    expect(check('12', '1 2')).toBe(false);
  });

  it('is case-insensitive by default and case-sensitive with case_sensitive', () => {
    expect(check('YES', 'yes')).toBe(true);
    expect(check('YES', 'yes', ['case_sensitive'])).toBe(false);
    expect(check('yes', 'yes', ['case_sensitive'])).toBe(true);
    // Only ASCII letters fold; other bytes compare exactly.
    expect(check('É', 'é')).toBe(false);
  });

  it('requires the same whitespace with space_change_sensitive', () => {
    expect(check('1  2\n', '1 2\n', ['space_change_sensitive'])).toBe(false);
    expect(check('1 2', '1 2\n', ['space_change_sensitive'])).toBe(false);
    expect(check('1 2\n', '1 2\n', ['space_change_sensitive'])).toBe(true);
    expect(check('1\t2\n', '1 2\n', ['space_change_sensitive'])).toBe(false);
  });

  it('compares numbers as text without a tolerance', () => {
    expect(check('1.0', '1')).toBe(false);
    expect(check('1e5', '100000')).toBe(false);
  });

  it('accepts within float_absolute_tolerance only', () => {
    const f = ['float_absolute_tolerance', '1e-3'];
    expect(check('1.0005', '1', f)).toBe(true);
    expect(check('1.002', '1', f)).toBe(false);
    expect(check('1000.5', '1000', f)).toBe(false);
  });

  it('accepts within float_relative_tolerance only', () => {
    const f = ['float_relative_tolerance', '1e-3'];
    expect(check('1000.5', '1000', f)).toBe(true);
    expect(check('0.0005', '0', f)).toBe(false);
    expect(check('1002', '1000', f)).toBe(false);
  });

  it('accepts within either tolerance with float_tolerance', () => {
    const f = ['float_tolerance', '1e-6'];
    expect(check('0.0000005', '0', f)).toBe(true);
    expect(check('1000000.5', '1000000', f)).toBe(true);
    expect(check('1.1', '1', f)).toBe(false);
  });

  it('reads any float notation for both tokens where a tolerance is set', () => {
    const f = ['float_tolerance', '1e-9'];
    expect(check('1e5', '100000', f)).toBe(true);
    expect(check('1E+05', '100000.000', f)).toBe(true);
    expect(check('.5', '0.5', f)).toBe(true);
    expect(check('5.', '5', f)).toBe(true);
    expect(check('-0.0', '0', f)).toBe(true);
    expect(check('+3', '3', f)).toBe(true);
    expect(check('inf', 'Infinity', f)).toBe(true);
    expect(check('-inf', 'inf', f)).toBe(false);
    expect(check('nan', 'NaN', f)).toBe(true);
    expect(check('1', 'nan', f)).toBe(false);
    expect(check('0x10', '16', f)).toBe(false);
    expect(check('abc', '1.5', f)).toBe(false);
    // A token of the answer that is not a number still compares as text.
    expect(check('Case #1: 2.0000000001', 'case #1: 2', f)).toBe(true);
  });

  it('parses number tokens exactly by the grammar', () => {
    const n = (s: string) => parseNumberToken(Buffer.from(s), 0, s.length);
    expect(n('1e')).toBeNull();
    expect(n('-')).toBeNull();
    expect(n('.')).toBeNull();
    expect(n('1.5e-3')).toBeCloseTo(0.0015);
    expect(n('-INFINITY')).toBe(-Infinity);
  });

  it('refuses unknown flags and bad tolerances, naming them', () => {
    expect(() => parseValidatorFlags(['case_insensitive'], 'problem.yaml')).toThrow(InvalidRequestError);
    expect(() => parseValidatorFlags(['case_insensitive'], 'problem.yaml')).toThrow(/case_insensitive/);
    expect(() => parseValidatorFlags(['float_tolerance'], 'x')).toThrow(/float_tolerance needs/);
    expect(() => parseValidatorFlags(['float_tolerance', '-1'], 'x')).toThrow(/non-negative/);
    expect(parseValidatorFlags([], 'x')).toEqual(DEFAULT_FLAGS);
  });

  it('checks a hostile output in linear time', () => {
    const big = Buffer.alloc(8 * 2 ** 20, '1 ');
    const t0 = Date.now();
    const r = defaultValidate(big, Buffer.from('1'), parseValidatorFlags(['float_tolerance', '1e-6'], 'x'));
    expect(r.accepted).toBe(false);
    const ans = Buffer.alloc(8 * 2 ** 20, '1.5 ');
    const out = Buffer.alloc(8 * 2 ** 20, '1.5 ');
    expect(defaultValidate(out, ans, parseValidatorFlags(['float_tolerance', '1e-6', 'space_change_sensitive'], 'x')).accepted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('when a large output is checked in slices', () => {
  it('gives the same outcome as the one-shot check and lets the event loop run in between', async () => {
    const { defaultValidateSliced } = await import('../../src/problem/default-validator');
    const out = Buffer.alloc(4 * 2 ** 20, 'ab ');
    const ans = Buffer.from(out);
    ans[ans.length - 2] = 0x63; // the last token differs
    const flags = parseValidatorFlags([], 'x');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sliced = await defaultValidateSliced(out, ans, flags);
    clearInterval(timer);
    expect(sliced).toEqual(defaultValidate(out, ans, flags));
    expect(sliced.accepted).toBe(false);
    expect(ticks).toBeGreaterThan(0);
  });
});
