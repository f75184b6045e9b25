/**
 * A package's validation and compilation limits reach its own programs: `validation_time` (CPU)
 * and `validation_memory` bound each run of the output validator and of the interactor (beyond
 * them: IE, the problem's fault), `compilation_time` / `compilation_memory` their compiles (a
 * validator that cannot compile under them: IE). Packages are written here, in a temporary
 * directory, around one C program that is a validator or an interactor and that spins CPU time
 * or touches memory as its flags say. Real runs on the real image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { judgePackage } from '../src/problem/judge-package';
import { loadPackage } from '../src/problem/problem-package';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

/** `validator input answer feedback [spin MS] [touch MIB]`: reads the program's answer (stdin or, interactive, after sending n). */
const PROGRAM = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv) {
  long spin = 0, touch = 0, n = 0, want = 0, got = -1;
  for (int i = 4; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "spin")) spin = atol(argv[i + 1]);
    if (!strcmp(argv[i], "touch")) touch = atol(argv[i + 1]);
  }
  while ((double)clock() * 1000 / CLOCKS_PER_SEC < spin) {
  }
  if (touch) {
    char *p = malloc((size_t)touch << 20);
    if (!p) return 1;
    memset(p, 1, (size_t)touch << 20);
  }
  FILE *in = fopen(argv[1], "r"), *ans = fopen(argv[2], "r");
  if (!in || !ans || fscanf(in, "%ld", &n) != 1 || fscanf(ans, "%ld", &want) != 1) return 1;
#ifdef INTERACTIVE
  printf("%ld\\n", n);
  fflush(stdout);
#endif
  if (scanf("%ld", &got) != 1 || got != want) return 43;
  return 42;
}
`;

const SUBMISSION = { language: 'python3', source: 'print(2 * int(input()))\n' };

let dir: string;
let sandbox: Sandbox;
let judge: Judge;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-vlimits-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache') });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;

/** A package: legacy custom validation (or 2023-07 interactive) with these limits and flags. */
function pkgWith(o: { interactive?: boolean; flags: string; limits: string; fresh?: boolean }): string {
  const root = path.join(dir, `p${++seq}`);
  fs.mkdirSync(path.join(root, 'data/secret'), { recursive: true });
  fs.writeFileSync(path.join(root, 'data/secret/1.in'), '21\n');
  fs.writeFileSync(path.join(root, 'data/secret/1.ans'), '42\n');
  if (o.interactive) {
    fs.mkdirSync(path.join(root, 'output_validator'));
    fs.writeFileSync(path.join(root, 'output_validator/interactor.c'), `#define INTERACTIVE\n${PROGRAM}`);
    fs.writeFileSync(
      path.join(root, 'problem.yaml'),
      `problem_format_version: 2023-07\nname: limits\ntype: interactive\nlimits:\n  time_limit: 1\n  memory: 256\n${o.limits}\n`,
    );
    // 2023-07 has no validator_flags: the flags come from the root testdata.yaml.
    fs.writeFileSync(path.join(root, 'data/testdata.yaml'), `output_validator_args: "${o.flags}"\n`);
  } else {
    fs.mkdirSync(path.join(root, 'output_validators/check'), { recursive: true });
    // `fresh`: a source the compile cache has not seen, so that it really compiles.
    fs.writeFileSync(path.join(root, 'output_validators/check/check.c'), `${PROGRAM}${o.fresh ? `/* ${root} */\n` : ''}`);
    fs.writeFileSync(
      path.join(root, 'problem.yaml'),
      `name: limits\nvalidation: custom\nvalidator_flags: ${o.flags}\nlimits:\n  time_limit: 1\n  memory: 256\n${o.limits}\n`,
    );
  }
  return root;
}

const judged = (root: string): Promise<JudgeResult> => judgePackage(judge, loadPackage(root), SUBMISSION);

describe('an output validator', () => {
  it('is IE past validation_time (CPU), AC within it', async () => {
    const over = await judged(pkgWith({ flags: 'spin 1500', limits: '  validation_time: 1' }));
    expect(over.verdict).toBe('IE');
    expect(over.tests[0]!.checkerMessage).toContain('the validator failed (cpu limit)');
    const within = await judged(pkgWith({ flags: 'spin 1500', limits: '  validation_time: 3' }));
    expect(within.verdict).toBe('AC');
  }, 60_000);

  it('is IE past validation_memory, AC within it', async () => {
    const over = await judged(pkgWith({ flags: 'touch 96', limits: '  validation_memory: 32' }));
    expect(over.verdict).toBe('IE');
    expect(over.tests[0]!.checkerMessage).toContain('the validator failed (memory limit)');
    const within = await judged(pkgWith({ flags: 'touch 96', limits: '  validation_memory: 256' }));
    expect(within.verdict).toBe('AC');
  }, 60_000);

  it("is lowered to caged's checker maxima, with a note", async () => {
    const r = await judged(pkgWith({ flags: 'spin 0', limits: '  validation_time: 60\n  validation_memory: 2048' }));
    expect(r.verdict).toBe('AC');
    expect(r.problem!.notes).toEqual(
      expect.arrayContaining([
        "validation_time 60 s lowered to caged's maximum of 5 s (CAGED_CHECKER_CPU_MS raises it)",
        "validation_memory 2048 MiB lowered to caged's maximum of 512 MiB (CAGED_CHECKER_MEMORY_MB raises it)",
      ]),
    );
  }, 60_000);

  it('compiles under compilation_memory: IE when it cannot', async () => {
    const r = await judged(pkgWith({ flags: 'spin 0', limits: '  compilation_memory: 4', fresh: true }));
    expect(r.verdict).toBe('IE');
    expect(r.message).toMatch(/the output validator did not compile \((MLE|CE)\)/);
  }, 60_000);
});

describe('an interactor', () => {
  it('is IE past validation_time (CPU), AC within it', async () => {
    const over = await judged(pkgWith({ interactive: true, flags: 'spin 1500', limits: '  validation_time: 1' }));
    expect(over.verdict).toBe('IE');
    const within = await judged(pkgWith({ interactive: true, flags: 'spin 1500', limits: '  validation_time: 3' }));
    expect(within.verdict).toBe('AC');
  }, 60_000);

  it('is IE past validation_memory', async () => {
    const over = await judged(pkgWith({ interactive: true, flags: 'touch 96', limits: '  validation_memory: 32' }));
    expect(over.verdict).toBe('IE');
    const within = await judged(pkgWith({ interactive: true, flags: 'touch 96', limits: '  validation_memory: 256' }));
    expect(within.verdict).toBe('AC');
  }, 60_000);
});
