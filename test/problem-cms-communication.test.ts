/**
 * CMS Communication tasks judged for real (`caged judge`, real containers, the real Debian
 * image): test/packages/cms-comm (a C++ manager built from its source, stubs in C++ and Python
 * opening the channels named by their arguments, partial outcomes) and cms-comm-stdio (a Python
 * manager script reading input.txt, a submission talking on its stdin and stdout).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { judgeJson } from './helpers/judge-cli';

const PACKAGES = path.join(__dirname, 'packages');
const TWICE = path.join(PACKAGES, 'cms-comm');
const ECHO = path.join(PACKAGES, 'cms-comm-stdio');

describe('CMS Communication tasks on the real image', () => {
  let judge: Judge;
  let tmp: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cms-comm-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: path.join(tmp, 'cache'),
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function judged(args: string[]): Promise<JudgeResult> {
    const { code, result } = await judgeJson(judge, args);
    expect(code).toBe(0);
    return result!;
  }

  function source(name: string, text: string): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  }

  it.each(['twice.cpp', 'twice.py'])(
    'cms-comm: sol/%s, compiled with the stub of its language, talks to the manager through its channels and scores 100',
    async (file) => {
      const r = await judged([TWICE, path.join(TWICE, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.problem).toMatchObject({ name: 'twice', format: 'cms', type: 'scoring' });
      expect(r.score).toBe(100);
      expect(r.tests.map((t) => [t.name, t.verdict, t.points])).toEqual([
        ['000', 'AC', 50],
        ['001', 'AC', 50],
      ]);
      // CMS's stock text for the manager's translate:success.
      expect(r.tests[0]?.checkerMessage).toBe('Output is correct');
    },
    120_000,
  );

  it("cms-comm: the manager's outcome is the share of the test's points; what the submission prints on stdout goes nowhere", async () => {
    const r = await judged([
      TWICE,
      source(
        'half.cpp',
        '#include <cstdio>\n#include "twice.h"\nlong long twice(long long x) { printf("debug %lld\\n", x); return x % 2 ? 2 * x : x; }\n',
      ),
    ]);
    // Test 000 (1 2 3 4): half right; test 001 (10 -7): half right.
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 25],
      ['WA', 25],
    ]);
    expect(r.tests[0]?.checkerMessage).toBe('2 of 4 right');
    expect(r.score).toBe(50);
  }, 120_000);

  it('cms-comm: a submission crashing, or looping, scores nothing with its own verdict; one without the function is CE', async () => {
    const crash = await judged([
      TWICE,
      source('crash.py', 'def twice(x):\n    if x == 3:\n        raise ValueError("three")\n    return 2 * x\n'),
    ]);
    expect(crash.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['RE', 0],
      ['AC', 50],
    ]);
    expect(crash.tests[0]?.stderr).toMatch(/ValueError: three/);
    const loop = await judged([TWICE, source('loop.cpp', '#include "twice.h"\nlong long twice(long long x) { for (;;) x++; }\n')]);
    expect(loop.tests.map((t) => t.verdict)).toEqual(['TLE', 'TLE']);
    expect(loop.score).toBe(0);
    const none = await judged([TWICE, source('none.cpp', 'long long thrice(long long x) { return 3 * x; }\n')]);
    expect(none.verdict).toBe('CE');
  }, 120_000);

  it('cms-comm-stdio: without stubs the submission talks on its stdin and stdout; the manager reads input.txt', async () => {
    const right = await judged([
      ECHO,
      source(
        'echo.c',
        '#include <stdio.h>\nint main(){long x;while(scanf("%ld",&x)==1&&x){printf("%ld\\n",2*x);fflush(stdout);}return 0;}\n',
      ),
    ]);
    expect(right.verdict).toBe('AC');
    expect(right.score).toBe(100);
    const wrong = await judged([
      ECHO,
      source('wrong.py', 'while True:\n    x = int(input())\n    if x == 0:\n        break\n    print(x, flush=True)\n'),
    ]);
    expect(wrong.tests.map((t) => [t.verdict, t.points])).toEqual([['WA', 0]]);
    expect(wrong.tests[0]?.checkerMessage).toBe('0 of 3 right');
  }, 120_000);
});
