/**
 * A 2025-09 package with a static validator judged by `caged judge` on real containers and the
 * real Debian image (test/packages/static): the static validation test cases of sample
 * (pass-fail) and secret (20 of 100 points, by a golf score), run after the submission compiled
 * with its compiled files (and the package's included file, and nothing of the validator's) as
 * the working directory, the format's language code and entry point as arguments, feedback
 * files and score files read back; a validator that fails, scores above the maximum or does
 * not compile is the judge's error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { judgeJson } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';

const PKG = path.join(__dirname, 'packages', 'static');
const NAMES = ['sample/static_validation', 'sample/1', 'secret/static_validation', 'secret/1', 'secret/2'];

describe('caged judge on a package with a static validator', () => {
  let judge: Judge;
  let tmp: string;
  useTestJudge('caged-static-cache-', (j) => (judge = j));
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-static-subs-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function judged(pkg: string, submission: string): Promise<{ code: number; r: JudgeResult | null; text: string }> {
    const { code, text, result } = await judgeJson(judge, [pkg, submission]);
    return { code, r: result, text };
  }

  async function own(submission: string): Promise<JudgeResult> {
    const { code, r, text } = await judged(PKG, path.join(PKG, 'submissions', submission));
    expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
    return r as JudgeResult;
  }

  /** A submission written into tmp. */
  async function other(name: string, source: string, pkg = PKG): Promise<JudgeResult> {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, source);
    const { code, r, text } = await judged(pkg, file);
    expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
    return r as JudgeResult;
  }

  const groups = (r: JudgeResult) => Object.fromEntries((r.groups ?? []).map((g) => [g.name, [g.verdict, g.score, g.maxScore]]));
  const staticOf = (r: JudgeResult, group: string) => r.tests.find((t) => t.name === `${group}/static_validation`);

  it('runs the static validation first in each group, on the compiled files, and gives full marks to a short program', async () => {
    const seen: Record<string, string | null | undefined> = {};
    for (const s of ['accepted/add.py', 'accepted/add.c', 'accepted/Add.java']) {
      const r = await own(s);
      expect({ s, verdict: r.verdict, score: r.score, maxScore: r.maxScore }).toEqual({ s, verdict: 'AC', score: 100, maxScore: 100 });
      expect(r.tests.map((t) => t.name)).toEqual(NAMES);
      expect(groups(r)).toMatchObject({ sample: ['AC', 0, 0], secret: ['AC', 100, 100] });
      expect(staticOf(r, 'secret')).toMatchObject({
        verdict: 'AC',
        validatorScoreMultiplier: 1,
        message: 'accepted by the static validator',
        cpuTimeMs: 0,
        stdout: '',
      });
      seen[s] = staticOf(r, 'sample')?.checkerMessage;
    }
    // The format's language code and entry point; the submission's files, its compiled binary
    // and the package's included file; nothing of the validator's. A Python file keeps its name.
    expect(seen['accepted/add.py']).toMatch(/^python3 add\.py files=.*\badd\.py,note\.txt$/);
    expect(seen['accepted/add.c']).toBe('c main.c files=main,main.c,note.txt');
    expect(seen['accepted/Add.java']).toMatch(/^java Add files=Add\.class,Main\.java,note\.txt$/);
  }, 240_000);

  it('scores the static validation by the validator’s score_multiplier.txt', async () => {
    const r = await own('partially_accepted/long.py');
    expect(staticOf(r, 'secret')).toMatchObject({ verdict: 'AC', validatorScoreMultiplier: 0.5 });
    expect(groups(r)).toMatchObject({ secret: ['AC', 90, 100] });
    expect({ verdict: r.verdict, score: r.score }).toEqual({ verdict: 'AC', score: 90 });
  }, 120_000);

  it('rejects a forbidden source statically while its tests still run and score', async () => {
    const r = await own('rejected/forbidden.py');
    expect(staticOf(r, 'sample')).toMatchObject({ verdict: 'WA', teamMessage: 'the word FORBIDDEN is forbidden' });
    expect(r.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['sample/static_validation', 'WA'],
      ['sample/1', 'AC'],
      ['secret/static_validation', 'WA'],
      ['secret/1', 'AC'],
      ['secret/2', 'AC'],
    ]);
    expect({ verdict: r.verdict, score: r.score }).toEqual({ verdict: 'WA', score: 80 });
    expect(r.message).toMatch(/^Wrong Answer on sample\/static_validation: python3 forbidden\.py files=/);
  }, 120_000);

  it('makes a failing validator, or a score above the maximum, the judge’s error', async () => {
    const crash = await other('crash.py', '# CRASH\nprint(sum(map(int, input().split())))\n');
    expect(staticOf(crash, 'sample')).toMatchObject({ verdict: 'IE' });
    expect(staticOf(crash, 'sample')?.checkerMessage).toMatch(/^the validator exited with 3, not 42 or 43/);
    const over = await other('over.py', '# OVERSCORE\nprint(sum(map(int, input().split())))\n');
    expect(staticOf(over, 'sample')?.verdict).toBe('AC');
    expect(staticOf(over, 'secret')).toMatchObject({
      verdict: 'IE',
      message: "Internal Error: the validator's score.txt (1000) is above the test case's maximum score (20)",
    });
  }, 120_000);

  it('judges CE without the static validator when the submission does not compile', async () => {
    const r = await other('broken.c', 'int main( {\n');
    expect(r.verdict).toBe('CE');
    expect(r.tests.every((t) => t.verdict === 'SKIPPED')).toBe(true);
  }, 120_000);

  it('makes a static validator that does not compile the judge’s error, running nothing after it', async () => {
    const copy = path.join(tmp, 'broken-validator');
    fs.cpSync(PKG, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'static_validator'), { recursive: true });
    fs.mkdirSync(path.join(copy, 'static_validator'));
    fs.writeFileSync(path.join(copy, 'static_validator', 'validate.c'), 'int main( {\n');
    const r = await other('add.py', 'print(sum(map(int, input().split())))\n', copy);
    expect(r.verdict).toBe('IE');
    expect(r.message).toMatch(/the static validator did not compile/);
    expect(r.tests.map((t) => t.verdict)).toEqual(['IE', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
  }, 120_000);
});
