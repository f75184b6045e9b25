/**
 * Output validators speaking the Kattis protocol, on real runs: a Python validator and a C one
 * (with its header, `validate.h`), each accepting, rejecting with a judge message and a team
 * message, and crashing (IE); exit 0 (IE, never AC); score.txt read back; links planted in the
 * feedback directory refused without following them; flags passed in order. And a testlib
 * checker's `points N` (quitp) read as absolute points. The validators: test/validators/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { parseSubmission } from '../src/judge/plan';
import { makeSubmissionSchema, type SubmissionInput } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

let judge: Judge;
let cacheDir: string;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-validator-cache-'));
  judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: TEST_MANIFEST,
    compileCacheDir: cacheDir,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

const VALIDATORS = path.join(__dirname, 'validators');
const read = (name: string) => fs.readFileSync(path.join(VALIDATORS, name), 'utf8');

/** Echoes its input, after planting links named like the feedback files in its own box. */
const PLANTING_ECHO_PY =
  'import os, sys\n' +
  'for n in ("judgemessage.txt", "teammessage.txt", "score.txt"): os.symlink("/etc/shadow", n)\n' +
  'sys.stdout.write(sys.stdin.read())\n';

const PY_VALIDATOR: SubmissionInput['checker'] = { type: 'validator', language: 'python3', source: read('echo_validator.py') };
const C_VALIDATOR: SubmissionInput['checker'] = {
  type: 'validator',
  language: 'c',
  files: [
    { name: 'main.c', content: read('main.c') },
    { name: 'validate.h', content: read('validate.h') },
  ],
};

function submission(checker: SubmissionInput['checker'], testcases: SubmissionInput['testcases']): SubmissionInput {
  return { language: 'python3', source: PLANTING_ECHO_PY, checker, testcases };
}

describe.each([
  ['Python', PY_VALIDATOR, 'crash', 'exited with 1'],
  ['C with validate.h', C_VALIDATOR, '-1', 'SIGABRT'],
] as const)('when a %s validator judges', (_name, checker, crash, crashSays) => {
  it('gives AC on 42 and WA on 43 with its judge and team messages', async () => {
    const r = await judge.judge(
      submission(checker, [
        { stdin: '7', expected: '7' },
        { stdin: '5', expected: '7' },
      ]),
    );
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(r.tests[0]!.checkerMessage).toBe('ok 7');
    expect(r.tests[0]!.teamMessage).toBeUndefined();
    expect(r.tests[1]!.checkerMessage).toBe('expected 7, got 5');
    expect(r.tests[1]!.teamMessage).toBe('not quite');
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(1);
  }, 60_000);

  it('gives IE, never AC, when the validator crashes', async () => {
    const r = await judge.judge(submission(checker, [{ stdin: '7', expected: crash }]));
    expect(r.verdict).toBe('IE');
    expect(r.judge0).toEqual({ id: 13, description: 'Internal Error' });
    expect(r.tests[0]!.checkerMessage).toContain(crashSays);
    expect(r.score).toBe(0);
  }, 60_000);
});

describe('when a validator breaks the protocol', () => {
  it('gives IE, not AC, for exit 0', async () => {
    for (const [checker, answer] of [
      [PY_VALIDATOR, 'zero'],
      [C_VALIDATOR, '-2'],
    ] as const) {
      const r = await judge.judge(submission(checker, [{ stdin: '1', expected: answer }]));
      expect(r.verdict).toBe('IE');
      expect(r.tests[0]!.checkerMessage).toMatch(/^the validator exited with 0, not 42 or 43/);
    }
  }, 60_000);

  it('refuses links named judgemessage.txt and teammessage.txt without following them', async () => {
    const r = await judge.judge(submission(PY_VALIDATOR, [{ stdin: '1', expected: 'link' }]));
    const t = r.tests[0]!;
    expect(t.verdict).toBe('WA');
    expect(t.checkerMessage).toBe(
      'wrong answer [caged: refused judgemessage.txt is a symbolic link] [caged: refused teammessage.txt is a symbolic link]',
    );
    expect(t.teamMessage).toBeUndefined();
    expect(JSON.stringify(r)).not.toMatch(/root:/);
  }, 60_000);

  it('reports IE with the compiler output when the validator does not compile', async () => {
    const r = await judge.judge(submission({ type: 'validator', language: 'c', source: 'int main( {' }, [{ stdin: '1', expected: '1' }]));
    expect(r.verdict).toBe('IE');
    expect(r.message).toContain('the output validator did not compile');
    expect(r.tests[0]!.verdict).toBe('SKIPPED');
  }, 60_000);

  it('remembers that the validator does not compile: the next job gets the same report without compiling it again', async () => {
    const broken: SubmissionInput['checker'] = {
      type: 'validator',
      language: 'c',
      source: 'int main(void) { return undeclared_in_this_test; }\n',
    };
    const before = judge.stats().compiles;
    const first = await judge.judge(submission(broken, [{ stdin: '1', expected: '1' }]));
    expect(first.verdict).toBe('IE');
    expect(first.message).toMatch(/the output validator did not compile \(CE\).*undeclared_in_this_test/);
    // The submission's compile (the first time only: the cache keeps it) and the validator's.
    const afterFirst = judge.stats().compiles;
    expect(afterFirst).toBeGreaterThan(before);
    const again = await judge.judge(submission(broken, [{ stdin: '2', expected: '2' }]));
    expect(again.verdict).toBe('IE');
    expect(again.message).toBe(first.message);
    expect(judge.stats().compiles).toBe(afterFirst);
    // Another source is compiled: the memory is per source (and limits), not per role.
    const fixed: SubmissionInput['checker'] = { type: 'validator', language: 'c', source: 'int main(void) { return 42; }\n' };
    expect((await judge.judge(submission(fixed, [{ stdin: '3', expected: '3' }]))).verdict).toBe('AC');
    expect(judge.stats().compiles).toBe(afterFirst + 1);
  }, 60_000);
});

describe('when a validator has limits of its own', () => {
  it('gives IE when it runs past its (lowered) CPU limit', async () => {
    const loop: SubmissionInput['checker'] = {
      type: 'validator',
      language: 'python3',
      source: 'while True: pass\n',
      limits: { cpuTimeMs: 300, wallTimeMs: 2000 },
    };
    const r = await judge.judge(submission(loop, [{ stdin: '1', expected: '1' }]));
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.checkerMessage).toMatch(/^the validator failed \((cpu|wall) limit\)/);
  }, 60_000);

  it('refuses limits above the configured maxima, naming the field', async () => {
    const big = { ...PY_VALIDATOR, limits: { cpuTimeMs: 10 ** 9 } };
    await expect(judge.judge(submission(big, [{ stdin: '1', expected: '1' }]))).rejects.toMatchObject({
      name: 'InvalidRequestError',
      field: 'checker.limits.cpuTimeMs',
    });
  });

  it('imports a module given next to its entry file (Python, multi-file)', async () => {
    const multi: SubmissionInput['checker'] = {
      type: 'validator',
      language: 'python3',
      files: [
        { name: 'main.py', content: 'import sys\nfrom verdicts import accept\naccept(sys.argv[3])\n' },
        {
          name: 'verdicts.py',
          content:
            'import os, sys\ndef accept(fb):\n    open(os.path.join(fb, "judgemessage.txt"), "w").write("from a module")\n    sys.exit(42)\n',
        },
      ],
    };
    const r = await judge.judge(submission(multi, [{ stdin: '1', expected: '1' }]));
    expect(r.tests[0]).toMatchObject({ verdict: 'AC', checkerMessage: 'from a module' });
  }, 60_000);
});

describe('when a validator writes score.txt', () => {
  it("reads the score back as the test's points, capped at them", async () => {
    const r = await judge.judge(
      submission(PY_VALIDATOR, [
        { stdin: '1', expected: 'score=7', points: 10 },
        { stdin: '1', expected: 'score=15.5', points: 10 },
        { stdin: '1', expected: 'score=lots', points: 10 },
      ]),
    );
    expect(r.tests.map((t) => [t.verdict, t.points, t.validatorScore])).toEqual([
      ['AC', 7, 7],
      ['AC', 10, 15.5],
      ['IE', 0, undefined],
    ]);
    expect(r.tests[2]!.checkerMessage).toBe('the validator accepted but score.txt is not a number: "lots"');
  }, 60_000);
});

describe('when a validator is given flags', () => {
  it('passes them after the three arguments, in order', async () => {
    const flags = ['case_sensitive', 'float_tolerance', '1e-6', '--', 'a b'];
    const r = await judge.judge(submission({ ...PY_VALIDATOR, flags }, [{ stdin: '1', expected: 'flags' }]));
    expect(r.tests[0]!.checkerMessage).toBe('flags: case_sensitive|float_tolerance|1e-6|--|a b');
  }, 60_000);

  it('gives it the test input as its first argument', async () => {
    const r = await judge.judge(submission(PY_VALIDATOR, [{ stdin: 'hello there', expected: 'input' }]));
    expect(r.tests[0]!.checkerMessage).toBe('input: hello there');
  }, 60_000);
});

describe("when a job is opened for tests given one at a time (Judge.openJob, a problem package's)", () => {
  const bounds = { testBytes: 1024, filesBytes: 0 };
  const parsed = (checker: SubmissionInput['checker'], source = PLANTING_ECHO_PY) =>
    parseSubmission({ ...submission(checker, [{ stdin: '7', expected: '7' }]), source }, makeSubmissionSchema());

  it('prepares the submission and the validator once, runs each test with its own flags, and is removed at close', async () => {
    const ready: string[] = [];
    const job = await judge.openJob(parsed(C_VALIDATOR), { onHelperReady: (h) => ready.push(h.role) }, bounds);
    const before = judge.stats();
    try {
      const tc = (stdin: string, expected: string) =>
        ({ stdin, expected, stdinEncoding: 'utf8', expectedEncoding: 'utf8', points: 1 }) as const;
      const first = await job.judgeTest(tc('7', '7'));
      expect(first.tests.map((t) => [t.index, t.verdict, t.checkerMessage])).toEqual([[0, 'AC', 'ok 7']]);
      const second = await job.judgeTest(tc('5', '7'));
      expect(second).toMatchObject({ verdict: 'WA', tests: [{ index: 0, verdict: 'WA', checkerMessage: 'expected 7, got 5' }] });
      // The compilation's time is in the first result only.
      expect(second.timing.compileMs).toBe(0);
      // Nothing compiled or taken from the compile cache again for the tests: the job's are used.
      expect(judge.stats()).toMatchObject({ compiles: before.compiles, cache: { hits: before.cache!.hits, misses: before.cache!.misses } });
      expect(ready).toEqual(['output validator']);
      // A test larger than the job was opened for is refused, not left to fill its directories.
      await expect(
        job.judgeTest({ stdin: 'x'.repeat(bounds.testBytes), stdinEncoding: 'utf8', expected: '7', expectedEncoding: 'utf8', points: 1 }),
      ).rejects.toThrow(/larger than the job was opened for/);
    } finally {
      await job.close();
    }
    await job.close(); // idempotent
    await expect(job.judgeTest({ stdin: '', stdinEncoding: 'utf8', expectedEncoding: 'utf8', points: 1 })).rejects.toThrow(/closed/);

    const flagged = await judge.openJob(parsed({ ...PY_VALIDATOR, flags: ['default'] }), {}, bounds);
    try {
      const tc = { stdin: '1', expected: 'flags', stdinEncoding: 'utf8', expectedEncoding: 'utf8', points: 1 } as const;
      expect((await flagged.judgeTest(tc)).tests[0]!.checkerMessage).toBe('flags: default');
      expect((await flagged.judgeTest(tc, { validatorFlags: ['group', 'a b'] })).tests[0]!.checkerMessage).toBe('flags: group|a b');
    } finally {
      await flagged.close();
    }
  }, 120_000);

  it('gives every test the compilation error of a submission that does not compile', async () => {
    const job = await judge.openJob(parsed(PY_VALIDATOR, 'def broken(:\n'), {}, bounds);
    try {
      for (const stdin of ['1', '2']) {
        const r = await job.judgeTest({ stdin, stdinEncoding: 'utf8', expected: stdin, expectedEncoding: 'utf8', points: 1 });
        expect(r).toMatchObject({ verdict: 'CE', tests: [{ verdict: 'SKIPPED' }] });
      }
    } finally {
      await job.close();
    }
  }, 120_000);
});

describe('when the same validator judges two jobs', () => {
  it('compiles it once (its compile-cache entry)', async () => {
    await judge.judge(submission(C_VALIDATOR, [{ stdin: '1', expected: '1' }]));
    const before = judge.stats();
    const r = await judge.judge(submission(C_VALIDATOR, [{ stdin: '2', expected: '2' }]));
    expect(r.verdict).toBe('AC');
    expect(judge.stats().compiles).toBe(before.compiles);
  }, 60_000);
});

/** testlib's quitp(N): "points N" on stderr, exit 7. */
const QUITP_C = `#include <stdio.h>
int main(int argc, char **argv) {
  FILE *ans = fopen(argv[3], "r");
  double points;
  if (!ans || fscanf(ans, "%lf", &points) != 1) return 3;
  fprintf(stderr, "points %g\\n", points);
  return 7;
}
`;

describe('when a testlib checker calls quitp(N)', () => {
  it("reads N as absolute points, capped at the test's points", async () => {
    const r = await judge.judge({
      language: 'python3',
      source: 'print(1)\n',
      checker: { type: 'custom', language: 'c', source: QUITP_C },
      testcases: [
        { expected: '5', points: 10 },
        { expected: '5', points: 5 },
        { expected: '5', points: 3 },
      ],
    });
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 5],
      ['AC', 5],
      ['AC', 3],
    ]);
    expect(r.score).toBe(13);
  }, 60_000);
});

describe('on a host without overlayfs (rootfs mode extract)', () => {
  it('runs the validator with its feedback directory all the same', async () => {
    const bare = await Judge.create({
      sandbox: await Sandbox.create({ overlay: false, preparedContainers: 0 }),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      rootfsMode: 'extract',
      compileCacheDir: cacheDir,
    });
    try {
      const r = await bare.judge(
        submission(C_VALIDATOR, [
          { stdin: '3', expected: '3' },
          { stdin: '2', expected: '3' },
        ]),
      );
      expect(r.tests.map((t) => [t.verdict, t.checkerMessage, t.teamMessage])).toEqual([
        ['AC', 'ok 3', undefined],
        ['WA', 'expected 3, got 2', 'not quite'],
      ]);
    } finally {
      await bare.close();
    }
  }, 180_000);
});
