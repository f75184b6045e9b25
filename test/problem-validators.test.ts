/**
 * `caged judge` on packages with their own output validator, on real containers and the real
 * image: test/packages/anysum (legacy `validation: custom`, a C++ validator with its own
 * validate.h and a flag) and test/packages/guess (2023-07 `type: interactive`, a C interactor).
 * Every submission in their submissions/ folders (C, C++ and Python 3 in each) gets its
 * folder's verdict; a validator that crashes or does not compile makes the judging IE; an
 * interactor that gives up at once is WA; a score.txt is the test's score; test/packages/twice
 * (2023-07 `type: multi-pass`) runs a second pass on the validator's nextpass.in, its feedback
 * directory's other files kept (the validator fails without its state);
 * test/packages/scripted's validator is a build/run script pair, built and run in the sandbox;
 * a validator compiles under the helpers' compile limits, not the submissions'.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { Judge } from '../src/judge/judge';
import { judgePackage } from '../src/problem/judge-package';
import { loadPackage } from '../src/problem/problem-package';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { packageVariant } from './helpers/package-variant';

const PACKAGES = path.join(__dirname, 'packages');
const ANYSUM = path.join(PACKAGES, 'anysum');
const GUESS = path.join(PACKAGES, 'guess');
const TWICE = path.join(PACKAGES, 'twice');
const SCRIPTED = path.join(PACKAGES, 'scripted');

const FOLDER_VERDICT: Record<string, string> = {
  accepted: 'AC',
  wrong_answer: 'WA',
  time_limit_exceeded: 'TLE',
  run_time_error: 'RE',
};

let judge: Judge;
let cacheDir: string;
const scratch: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-validators-cache-'));
  judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: TEST_MANIFEST,
    compileCacheDir: cacheDir,
    reportOutputBytes: 16 * 2 ** 20,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

async function judged(args: string[], by: Judge = judge): Promise<JudgeResult> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  expect(await judgeCommand([...args, '--json'], out, { judge: by })).toBe(0);
  return JudgeResultSchema.parse(JSON.parse(text));
}

/** A copy of a package with some files replaced (relative path → content; null removes). */
const variant = (base: string, changes: Record<string, string | null>): string => packageVariant(base, changes, scratch);

function walk(pkg: string): [string, string][] {
  return Object.keys(FOLDER_VERDICT).flatMap((folder) =>
    (fs.existsSync(path.join(pkg, 'submissions', folder)) ? fs.readdirSync(path.join(pkg, 'submissions', folder)) : [])
      .sort()
      .map((file) => [folder, file] as [string, string]),
  );
}

describe.each([
  ['anysum', ANYSUM],
  ['guess', GUESS],
])('the %s package', (_name, pkg) => {
  const submissions = walk(pkg);

  it('has C, C++ and Python 3 in every verdict folder', () => {
    for (const folder of Object.keys(FOLDER_VERDICT)) {
      const exts = submissions.filter(([f]) => f === folder).map(([, file]) => path.extname(file));
      expect(exts.sort()).toEqual(['.c', '.cpp', '.py']);
    }
  });

  it.each(submissions)(
    'gives %s/%s its folder verdict',
    async (folder, file) => {
      const r = await judged([pkg, path.join(pkg, 'submissions', folder, file)]);
      expect({ verdict: r.verdict, tests: r.tests.map((t) => `${t.name}:${t.verdict}`) }).toMatchObject({
        verdict: FOLDER_VERDICT[folder],
      });
      expect(r.tests[0]!.name).toBe('sample/1');
    },
    120_000,
  );
});

describe('a custom output validator', () => {
  it('gets the flags and says why it rejects', async () => {
    const r = await judged([ANYSUM, path.join(ANYSUM, 'submissions', 'wrong_answer', 'negative.cpp')]);
    expect(r.tests[0]).toMatchObject({ verdict: 'WA', checkerMessage: 'a negative summand', teamMessage: 'a negative summand' });
    // Without the flag, -1 and n + 1 add up.
    const lax = variant(ANYSUM, { 'problem.yaml': 'name: Any two summands\nvalidation: custom\nlimits:\n  time_limit: 1\n' });
    const ok = await judged([lax, path.join(ANYSUM, 'submissions', 'wrong_answer', 'negative.cpp')]);
    expect(ok.verdict).toBe('AC');
  }, 120_000);

  it('runs every test of a judging in one job: the submission and the validator prepared once', async () => {
    const opened = jest.spyOn(judge, 'openJob');
    const alone = jest.spyOn(judge, 'judgeSubmission');
    const ready: string[] = [];
    const hooks = { onHelperReady: (h: { role: string }) => ready.push(h.role) };
    try {
      const pkg = loadPackage(ANYSUM);
      const sub = { language: 'c', source: fs.readFileSync(path.join(ANYSUM, 'submissions', 'accepted', 'half.c'), 'utf8') };
      const r = await judgePackage(judge, pkg, sub, { hooks, maxima: judge.stepMaxima.test });
      expect(r.verdict).toBe('AC');
      expect(r.tests.length).toBeGreaterThanOrEqual(4);
      expect(r.tests.every((t) => t.verdict === 'AC')).toBe(true);
      expect(opened).toHaveBeenCalledTimes(1);
      expect(alone).not.toHaveBeenCalled();
      expect(ready).toEqual(['output validator']);
    } finally {
      opened.mockRestore();
      alone.mockRestore();
    }
  }, 120_000);

  it("brings the data beside it, past a submission's caps (600 KB in 80 files) and the wire's own (a 17 MiB table)", async () => {
    const pair = fs.readFileSync(path.join(ANYSUM, 'output_validators', 'pair', 'pair.cpp'), 'utf8');
    const data: Record<string, string> = {};
    for (let i = 0; i < 80; i++) data[`output_validators/pair/data/w${i}.txt`] = `${i}\n`.padEnd(7500, '.');
    // And one table past the wire's own cap on a problem's program (16 MiB): the package's size cap bounds it.
    data['output_validators/pair/data/table.txt'] = 'x'.repeat(17 * 2 ** 20);
    const dir = variant(ANYSUM, {
      ...data,
      // It refuses to judge without its last data file.
      'output_validators/pair/pair.cpp': pair.replace(
        '  if (argc < 4) return 1;',
        '  if (argc < 4 || !std::ifstream("data/w79.txt")) return 1;',
      ),
    });
    expect(fs.readFileSync(path.join(dir, 'output_validators/pair/pair.cpp'), 'utf8')).toContain('data/w79.txt');
    const r = await judged([dir, path.join(ANYSUM, 'submissions', 'accepted', 'swap.py')]);
    expect(r.verdict).toBe('AC');
  }, 120_000);

  it('is IE when the validator crashes, never AC', async () => {
    const crash = variant(ANYSUM, {
      'output_validators/pair/pair.cpp': '#include <cstdlib>\nint main() { std::abort(); }\n',
    });
    const r = await judged([crash, path.join(ANYSUM, 'submissions', 'accepted', 'swap.py')]);
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.verdict).toBe('IE');
    expect(r.tests[0]!.checkerMessage).toMatch(/validator failed \(SIGABRT\)/);
  }, 120_000);

  it("compiles under the helpers' compile limits, not the submissions' (validate.h takes seconds)", async () => {
    // A Judge whose submissions may compile for 0.5 s of CPU only. The package's validator is
    // given a constant the compiler evaluates (about 2 s of CPU here, like BAPCtools' validate.h
    // at -O2 on a slow host): it still compiles, under the helpers' limits, and judges; a
    // submission with the same constant does not compile.
    // Three evaluations: each has its own operation limit (-fconstexpr-ops-limit, 2^25 in GCC 12).
    const HEAVY =
      'constexpr long long heavy(int k) { long long s = 0; for (int i = 0; i < 1000; i++) for (int j = 0; j < 1000; j++) s += (i ^ j ^ k) & 1; return s; }\n' +
      'constexpr long long H1 = heavy(1), H2 = heavy(2), H3 = heavy(3), HEAVY = H1 + H2 + H3;\n';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-validators-cache-'));
    scratch.push(dir);
    const pair = fs.readFileSync(path.join(ANYSUM, 'output_validators', 'pair', 'pair.cpp'), 'utf8');
    const slowValidator = variant(ANYSUM, { 'output_validators/pair/pair.cpp': `${pair}\n${HEAVY}static_assert(HEAVY > 0);\n` });
    const heavy = path.join(dir, 'heavy.cpp');
    fs.writeFileSync(
      heavy,
      `#include <iostream>\n${HEAVY}int main() { long long n; std::cin >> n; std::cout << HEAVY * 0 << ' ' << n << '\\n'; }\n`,
    );
    const tight = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: dir,
      compileLimits: { cpuTimeMs: 500, wallTimeMs: 2000 },
    });
    try {
      const quick = await judged([slowValidator, path.join(ANYSUM, 'submissions', 'accepted', 'swap.py')], tight);
      expect({ verdict: quick.verdict, message: quick.verdict === 'AC' ? '' : quick.message }).toEqual({ verdict: 'AC', message: '' });
      const slow = await judged([slowValidator, heavy], tight);
      expect({ verdict: slow.verdict, compile: slow.compile?.verdict }).toEqual({ verdict: 'CE', compile: 'TLE' });
    } finally {
      await tight.close();
    }
  }, 180_000);

  it('is IE with the compiler output when the validator does not compile, and runs no more tests', async () => {
    const broken = variant(ANYSUM, { 'output_validators/pair/pair.cpp': 'int main() { return undeclared_name; }\n' });
    const r = await judged([broken, path.join(ANYSUM, 'submissions', 'accepted', 'swap.py')]);
    expect(r.verdict).toBe('IE');
    expect(r.message).toMatch(/did not compile.*undeclared_name/);
    expect(r.tests.slice(1).every((t) => t.verdict === 'SKIPPED')).toBe(true);
  }, 120_000);

  it("takes each test's score from score.txt (custom score)", async () => {
    const scored = variant(ANYSUM, {
      'problem.yaml': 'name: Scored\ntype: scoring\nvalidation: custom score\nlimits:\n  time_limit: 1\n',
      'output_validators/pair': null,
      'output_validators/score/score.py': [
        'import sys',
        'n = int(open(sys.argv[1]).read())',
        'a, b = map(int, sys.stdin.read().split())',
        'open(sys.argv[3] + "/score.txt", "w").write("3" if a == 0 else "1")',
        'sys.exit(42 if a + b == n else 43)',
        '',
      ].join('\n'),
    });
    const r = await judged([scored, path.join(ANYSUM, 'submissions', 'accepted', 'zero.cpp')]);
    expect(r.verdict).toBe('AC');
    expect(r.tests.filter((t) => t.name?.startsWith('secret')).map((t) => t.validatorScore)).toEqual([3, 3, 3]);
    expect(r.score).toBe(9);
  }, 120_000);
});

describe('an interactive package', () => {
  it('is WA when the interactor gives up at once (no deadlock)', async () => {
    const early = variant(GUESS, { 'data/testdata.yaml': 'output_validator_flags: give_up\n' });
    const r = await judged([early, path.join(GUESS, 'submissions', 'accepted', 'bisect.c')]);
    expect(r.verdict).toBe('WA');
    expect(r.tests[0]!.checkerMessage).toBe('gave up at once');
  }, 120_000);

  it('is TLE by the wall limit for a submission that never flushes', async () => {
    const r = await judged([GUESS, path.join(GUESS, 'submissions', 'time_limit_exceeded', 'no_flush.c')]);
    expect(r.tests[0]).toMatchObject({ verdict: 'TLE' });
  }, 120_000);

  it('takes its interactor as a build/run program too', async () => {
    const scripted = variant(GUESS, {
      'output_validator/build': '#!/bin/sh\nset -e\ngcc -O2 -o run guess.c\n',
    });
    const ok = await judged([scripted, path.join(GUESS, 'submissions', 'accepted', 'bisect.c')]);
    expect(ok.verdict).toBe('AC');
    const wa = await judged([
      scripted,
      path.join(GUESS, 'submissions', 'wrong_answer', fs.readdirSync(path.join(GUESS, 'submissions', 'wrong_answer')).sort()[0]!),
    ]);
    expect(wa.verdict).toBe('WA');
  }, 120_000);

  it("finds its interactor in output_validator/<name>/, as problemtools' own example package lays it out", async () => {
    const nested = variant(GUESS, {
      'output_validator/guess.c': null,
      'output_validator/guess_validator/guess.c': fs.readFileSync(path.join(GUESS, 'output_validator', 'guess.c'), 'utf8'),
    });
    const ok = await judged([nested, path.join(GUESS, 'submissions', 'accepted', 'bisect.c')]);
    expect(ok.verdict).toBe('AC');
  }, 120_000);

  it('is RE for a submission that exits non-zero without a word (but on its stderr), even when the interactor reads that EOF and says WA at once', async () => {
    // The two ends fall within one moment (run-pair.ts, SIMULTANEOUS_MS); the interactor had nothing to decide on but the EOF.
    const silent = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'caged-silent-')), 'silent.c');
    scratch.push(path.dirname(silent));
    fs.writeFileSync(silent, 'int main(void) { return 42; }\n');
    for (let i = 0; i < 3; i++) {
      const r = await judged([GUESS, silent]);
      expect(r.tests.map((t) => t.verdict)).toEqual(['RE', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
    }
    // Nothing said but on its stderr: a Python assert's traceback (BAPCtools' guess_assert_failure.py).
    const traceback = path.join(path.dirname(silent), 'assert.py');
    fs.writeFileSync(traceback, 'assert False\n');
    for (let i = 0; i < 3; i++) {
      const r = await judged([GUESS, traceback]);
      expect(r.tests[0]).toMatchObject({ verdict: 'RE', exitCode: 1 });
      expect(r.tests[0]!.stderr).toMatch(/AssertionError/);
    }
    // One that said something, then exits non-zero on the EOF of the interactor's decision, lost to that decision.
    const talker = path.join(path.dirname(silent), 'talker.c');
    fs.writeFileSync(
      talker,
      '#include <stdio.h>\nint main(void) { char r[8]; printf("1\\n"); fflush(stdout); return scanf("%7s", r) == 1 ? 3 : 4; }\n',
    );
    const early = variant(GUESS, { 'data/testdata.yaml': 'output_validator_flags: give_up\n' });
    for (let i = 0; i < 3; i++) {
      const wa = await judged([early, talker]);
      expect(wa.tests[0]).toMatchObject({ verdict: 'WA', checkerMessage: 'gave up at once' });
    }
  }, 120_000);

  it('is IE when the interactor crashes', async () => {
    const crash = variant(GUESS, { 'output_validator/guess.c': '#include <stdlib.h>\nint main(void) { abort(); }\n' });
    const r = await judged([crash, path.join(GUESS, 'submissions', 'accepted', 'bisect.py')]);
    expect(r.verdict).toBe('IE');
  }, 120_000);
});

describe('a multi-pass package', () => {
  it.each(walk(TWICE))(
    'gives %s/%s its folder verdict',
    async (folder, file) => {
      const r = await judged([TWICE, path.join(TWICE, 'submissions', folder, file)]);
      expect(r.verdict).toBe(FOLDER_VERDICT[folder]);
      // The second pass's judgement is the test's: right on both, or wrong on the second.
      expect(r.tests[0]!.checkerMessage).toBe(folder === 'accepted' ? 'pass 2 right' : 'pass 2: expected 12, got 6');
    },
    120_000,
  );

  it('is IE when the validator writes nextpass.in at the last pass', async () => {
    const forever = variant(TWICE, { 'data/testdata.yaml': 'output_validator_flags: forever\n' });
    const r = await judged([forever, path.join(TWICE, 'submissions', 'accepted', 'double.py')]);
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.message).toMatch(/nextpass\.in at the last pass \(validation_passes 2\)/);
  }, 120_000);

  it('is IE when the feedback directory holds a link for the next pass, not followed', async () => {
    const link = variant(TWICE, {
      'output_validator/twice.py': [
        'import os, sys',
        'sys.stdin.read()',
        'open(sys.argv[3] + "/nextpass.in", "w").write("2 6\\n")',
        'os.symlink("/etc/passwd", sys.argv[3] + "/.state")',
        'sys.exit(42)',
        '',
      ].join('\n'),
    });
    const r = await judged([link, path.join(TWICE, 'submissions', 'accepted', 'double.py')]);
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.message).toMatch(/feedback directory cannot be kept for the next pass \(\.state: \.state is a symbolic link\)/);
  }, 120_000);

  it('refuses a nextpass.in that is a link, without following it', async () => {
    const link = variant(TWICE, {
      'output_validator/twice.py': [
        'import os, sys',
        'sys.stdin.read()',
        'os.symlink("/etc/passwd", sys.argv[3] + "/nextpass.in")',
        'sys.exit(42)',
        '',
      ].join('\n'),
    });
    const r = await judged([link, path.join(TWICE, 'submissions', 'accepted', 'double.py')]);
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.message).toMatch(/nextpass\.in was refused \(nextpass\.in is a symbolic link\)/);
  }, 120_000);
});

describe('a build/run output validator (test/packages/scripted)', () => {
  it('is built by its build script in the sandbox and run: accepted', async () => {
    const r = await judged([SCRIPTED, path.join(SCRIPTED, 'submissions', 'accepted', 'add.c')]);
    expect(r.verdict).toBe('AC');
    expect(r.tests.map((t) => `${t.name}:${t.verdict}`)).toEqual(['sample/1:AC', 'secret/1:AC', 'secret/2:AC']);
  }, 120_000);

  it('says why it rejects: wrong answer with its judge message', async () => {
    const r = await judged([SCRIPTED, path.join(SCRIPTED, 'submissions', 'wrong_answer', 'minus.c')]);
    expect(r.verdict).toBe('WA');
    expect(r.tests[0]!.checkerMessage).toMatch(/wrong sum -1, expected 3/);
  }, 120_000);

  it('is IE with the build output when the build script fails, and runs no more tests', async () => {
    const broken = variant(SCRIPTED, {
      'output_validators/check/build': '#!/bin/sh\necho "no compiler for this one" >&2\nexit 3\n',
    });
    const r = await judged([broken, path.join(SCRIPTED, 'submissions', 'accepted', 'add.c')]);
    expect(r.verdict).toBe('IE');
    expect(r.message).toMatch(/did not compile.*no compiler for this one/);
    expect(r.tests.slice(1).every((t) => t.verdict === 'SKIPPED')).toBe(true);
  }, 120_000);

  it('is IE when the build leaves no executable run', async () => {
    const norun = variant(SCRIPTED, { 'output_validators/check/build': '#!/bin/sh\ng++ -O2 -o check check.cpp\n' });
    const r = await judged([norun, path.join(SCRIPTED, 'submissions', 'accepted', 'add.c')]);
    expect(r.verdict).toBe('IE');
    expect(r.message).toMatch(/made no executable file named run/);
  }, 120_000);

  it('runs a run script without build as it is (on the base layer: bash)', async () => {
    const script = [
      '#!/bin/bash',
      '# run input answer feedback_dir < team_output',
      'read -r got || exit 43',
      'want=$(cat "$2")',
      '[ "$got" = "$want" ] && exit 42',
      'echo "bash says $got is not $want" > "$3/judgemessage.txt"',
      'exit 43',
      '',
    ].join('\n');
    const bare = variant(SCRIPTED, {
      'output_validators/check/build': null,
      'output_validators/check/check.cpp': null,
      'output_validators/check/run': script,
    });
    const ok = await judged([bare, path.join(SCRIPTED, 'submissions', 'accepted', 'add.c')]);
    expect(ok.verdict).toBe('AC');
    const wa = await judged([bare, path.join(SCRIPTED, 'submissions', 'wrong_answer', 'minus.c')]);
    expect(wa.verdict).toBe('WA');
    expect(wa.tests[0]!.checkerMessage).toMatch(/bash says -1 is not 3/);
  }, 120_000);
});
