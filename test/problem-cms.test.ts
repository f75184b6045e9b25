/**
 * CMS tasks in the Italian YAML format judged for real (`caged judge`, real containers, the real
 * Debian image): test/packages/cms-sum (subtasks from gen/GEN, input.txt and output.txt, a
 * checker of CMS's protocol giving partial outcomes) and cms-grader (graders in C++ and
 * Python, CMS's white diff, GroupMul over regular expressions from task.yaml).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const PACKAGES = path.join(__dirname, 'packages');
const SUM = path.join(PACKAGES, 'cms-sum');
const AREA = path.join(PACKAGES, 'cms-grader');

describe('CMS tasks on the real image', () => {
  let judge: Judge;
  let tmp: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cms-'));
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
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    expect(await judgeCommand([...args, '--json'], out, { judge })).toBe(0);
    return JudgeResultSchema.parse(JSON.parse(text));
  }

  /** A submission written to the scratch directory. */
  function source(name: string, text: string): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  }

  it.each(['soluzione.cpp', 'soluzione.py'])(
    'cms-sum: sol/%s reads input.txt and writes output.txt, and scores 100 through the checker',
    async (file) => {
      const r = await judged([SUM, path.join(SUM, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.problem).toMatchObject({ name: 'somma', format: 'cms', type: 'scoring', timeLimitFrom: 'task.yaml', timeLimitMs: 1000 });
      expect(r.score).toBe(100);
      expect(r.maxScore).toBe(100);
      expect(r.tests.map((t) => t.name)).toEqual(['000', '001', '002', '003', '004']);
      // CMS's stock text for translate:success.
      expect(r.tests[1]?.checkerMessage).toBe('Output is correct');
      expect(r.groups?.map((g) => [g.name, g.score, g.maxScore])).toEqual([
        ['data', 100, 100],
        ['subtask 0', 0, 0],
        ['subtask 1', 40, 40],
        ['subtask 2', 60, 60],
      ]);
    },
    120_000,
  );

  it('cms-sum: the checker gives half of each test off by one; GroupMin takes the least of a subtask', async () => {
    const off = source(
      'off.cpp',
      '#include <cstdio>\nint main(){FILE*i=fopen("input.txt","r"),*o=fopen("output.txt","w");long long a,b;fscanf(i,"%lld %lld",&a,&b);fprintf(o,"%lld\\n",a+b+(a>=1000));}\n',
    );
    const r = await judged([SUM, off]);
    expect(r.verdict).toBe('WA');
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['AC', 0],
      ['AC', 40],
      ['WA', 20],
      ['WA', 30],
      ['WA', 30],
    ]);
    expect(r.tests[2]?.checkerMessage).toBe('off by one');
    // Subtask 1: 40 × min(1, 0.5); subtask 2: 60 × 0.5.
    expect(r.score).toBe(50);
  }, 120_000);

  it('cms-sum: an answer on standard output instead of output.txt scores nothing', async () => {
    const r = await judged([SUM, source('stdout.py', 'a, b = map(int, open("input.txt").read().split())\nprint(a + b)\n')]);
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(0);
  }, 120_000);

  it.each(['area.cpp', 'area.py'])(
    'cms-grader: sol/%s is compiled with the grader of its language and judged by the white diff',
    async (file) => {
      const r = await judged([AREA, path.join(AREA, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.score).toBe(100);
      expect(r.problem).toMatchObject({ name: 'area', format: 'cms' });
    },
    120_000,
  );

  it('cms-grader: an int overflow fails the subtask of test 002 only; a submission under any file name is the task name', async () => {
    const r = await judged([
      AREA,
      source('mine.cpp', '#include "area.h"\nlong long area(long long w, long long h) { return (int)w * (int)h; }\n'),
    ]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'WA']);
    expect(r.score).toBe(30);
    expect(r.tests[2]?.checkerMessage).toMatch(/^line 1 differs: expected "10000000000", got /);
  }, 120_000);

  it('cms-grader: a submission with its own main does not link with the grader (CE); a language without a grader is refused', async () => {
    const r = await judged([
      AREA,
      source('main.cpp', 'long long area(long long w, long long h) { return w * h; }\nint main() { return 0; }\n'),
    ]);
    expect(r.verdict).toBe('CE');
    const java = source('Area.java', 'public class Area { public static void main(String[] a) {} }\n');
    await expect(judged([AREA, java])).rejects.toThrow(/graders are sol\/grader\.(cpp|py), sol\/grader\.(cpp|py): none is a java source/);
  }, 120_000);
});
