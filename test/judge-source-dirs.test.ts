/**
 * Programs are directories with subdirectories, as problemtools copies them
 * (test/packages/nested), judged by `caged judge` on real containers and the real Debian image:
 * an include directory holding a Java package (include/java/unsigned/UnsignedLong.java, which
 * javac -d . writes its class beside: the sources' directories are the compiler's to write in),
 * a C++ header in include/cpp/lib/, and submissions that are directories with subdirectories
 * (a Python package imported from main.py; C++ sources in src/, all compiled). A second judge of
 * the Java submission takes its compile from the cache, the package's class beside its source.
 * Also in the rootless tier, where the compile's /box is an overlay on the job's directory.
 */
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { judgeJson } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';

const PKG = path.join(__dirname, 'packages', 'nested');

let judge: Judge;
useTestJudge('caged-nested-cache-', (j) => (judge = j));

async function judged(submission: string): Promise<JudgeResult> {
  const { result, text } = await judgeJson(judge, [PKG, path.join(PKG, 'submissions', submission)]);
  if (!result) throw new Error(`caged judge failed: ${text}`);
  return result;
}

const summary = (r: JudgeResult) => ({
  verdict: r.verdict,
  compile: r.compile?.verdict,
  compileOutput: r.compile?.verdict === 'OK' ? '' : r.compile?.output,
  tests: r.tests.map((t) => t.verdict),
});

describe('a package whose programs hold subdirectories', () => {
  it.each([
    ['accepted/Main.java', 'java'],
    ['accepted/usum.cpp', 'cpp23'],
    ['accepted/pydir', 'pypy3'],
    ['accepted/cppdir', 'cpp23'],
  ])(
    'accepts %s, its included files and its own at their paths',
    async (submission, language) => {
      const r = await judged(submission);
      expect(r.language.id).toBe(language);
      expect(summary(r)).toEqual({ verdict: 'AC', compile: 'OK', compileOutput: '', tests: ['AC', 'AC', 'AC'] });
    },
    180_000,
  );

  it('judges a wrong answer that compiles against the included package WA', async () => {
    const r = await judged('wrong_answer/Signed.java');
    expect(summary(r)).toEqual({ verdict: 'WA', compile: 'OK', compileOutput: '', tests: ['AC', 'WA', 'SKIPPED'] }); // first_error
  }, 180_000);

  it("takes a second judge's compile from the cache, the included package's class with it", async () => {
    const r = await judged('accepted/Main.java');
    expect(r.compile?.cached).toBe(true);
    expect(summary(r)).toEqual({ verdict: 'AC', compile: 'OK', compileOutput: '', tests: ['AC', 'AC', 'AC'] });
  }, 180_000);
});
