/**
 * Interactive problems through the judge: a submission's `interactor` (Kattis protocol) runs
 * beside each test, and the verdicts come out as DOMjudge and Kattis give them. The pair itself
 * (ends, limits, clean-up): test/sandbox-interactive.test.ts.
 */
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';
import { GUESS_INTERACTOR_C, GUESS_INTERACTOR_PY, GUESS_SUBMISSION_PY, guessSubmissionC } from './helpers/interactive-programs';

let judge: Judge;
useTestJudge('caged-interactive-cache-', (j) => (judge = j));

/** Three secrets; the interactor reads each from the test's stdin. */
const TESTS = [
  { stdin: '1\n', points: 1 },
  { stdin: '737\n', points: 1 },
  { stdin: '1000\n', points: 1 },
];

function game(submission: { language: string; source: string }, interactorMode = 0, extra: Partial<SubmissionInput> = {}): SubmissionInput {
  return {
    ...submission,
    testcases: TESTS,
    interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: [String(interactorMode)] },
    ...extra,
  };
}

describe('when the submission plays well', () => {
  it('accepts a C submission against a C interactor', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(0) }));
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
    expect(r.verdict).toBe('AC');
    expect(r.score).toBe(3);
    expect(r.tests[0]!.checkerMessage).toBe('found');
  });

  it('accepts a Python submission against a C interactor', async () => {
    const r = await judge.judge(game({ language: 'python3', source: GUESS_SUBMISSION_PY }));
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });

  it('accepts a C submission against a Python interactor', async () => {
    const r = await judge.judge({
      language: 'c',
      source: guessSubmissionC(0),
      testcases: TESTS,
      interactor: { language: 'python3', source: GUESS_INTERACTOR_PY },
    });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });
});

describe('with workingDir "submission" (a 2025-09 package\'s interactor)', () => {
  it("runs the interactor in the submission's compiled box, its own files apart in /validator, without the test's files", async () => {
    // The interactor (Python) plays only if its working directory holds exactly the C
    // submission's source and binary: not its own main.py (in /validator), nor the test's files;
    // what it writes there vanishes with its run (the next test's interactor lists the same two).
    const interactor = [
      'import os, sys',
      "here = sorted(n for n in os.listdir('.') if not n.startswith('.'))",
      "assert here == ['main', 'main.c'], here",
      "assert os.path.isfile('/validator/main.py') and not os.path.exists('hint')",
      "open('planted', 'w').close()",
      GUESS_INTERACTOR_PY,
    ].join('\n');
    const files = [{ path: 'hint/secret.txt', content: '6\n' }];
    const r = await judge.judge({
      language: 'c',
      source: guessSubmissionC(0),
      testcases: TESTS.map((t) => ({ ...t, files })),
      interactor: { language: 'python3', source: interactor, workingDir: 'submission' },
    });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });

  it("runs a validator whose run command names its own directory (Java's -cp .) from /validator, in the submission's", async () => {
    // The validator accepts only when its working directory is the submission's (its main.c is there) and its class is found.
    const r = await judge.judge({
      language: 'c',
      source: guessSubmissionC(0),
      testcases: TESTS.map((t) => ({ ...t, expected: '' })),
      checker: {
        type: 'validator',
        language: 'java',
        source:
          'public class Check { public static void main(String[] a) { System.exit(new java.io.File("main.c").isFile() && !new java.io.File("Check.class").exists() ? 42 : 43); } }',
        workingDir: 'submission',
      },
    });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });
});

describe('when a test brings files (testcases[].files)', () => {
  it("gives the submission its test's files only, not the interactor", async () => {
    // The submission reads the secret from its test's hint/secret.txt and guesses it at once;
    // the second test's hint is wrong, so its single guess fails. The interactor (Python) finds
    // no such file in its own working directory.
    const source =
      "import os\nprint(int(open('hint/secret.txt').read()), flush=True)\nprint(input() == '=' and not os.path.exists('leak'), file=__import__('sys').stderr)\nopen('leak', 'w').close()\n";
    const interactor = `import os, sys\nassert not os.path.exists('hint')\n${GUESS_INTERACTOR_PY}`;
    const r = await judge.judge({
      language: 'python3',
      source,
      testcases: [
        { stdin: '737\n', files: [{ path: 'hint/secret.txt', content: '737\n' }] },
        { stdin: '5\n', files: [{ path: 'hint/secret.txt', content: '6\n' }] },
        { stdin: '40\n', files: [{ path: 'hint/secret.txt', content: '40\n' }] },
      ],
      interactor: { language: 'python3', source: interactor },
    });
    expect(r.tests.map((t) => [t.verdict, t.stderr.trim()])).toEqual([
      ['AC', 'True'],
      ['WA', 'False'],
      ['AC', 'True'],
    ]);
  });
});

describe('when the interactor says wrong answer', () => {
  it('bills the CPU time the submission had when the interactor rejected it, not its spinning in the grace after (BAPCtools guess_tle)', async () => {
    const r = await judge.judge({
      language: 'c',
      source: '#include <stdio.h>\nint main(void) { puts("-1"); fflush(stdout); for (;;); }\n',
      testcases: [{ stdin: '', points: 1 }],
      interactor: { language: 'python3', source: 'import sys\nsys.stdin.readline()\nsys.exit(43)\n' },
    });
    expect(r.tests[0]!.verdict).toBe('WA');
    expect(r.tests[0]!.message).toContain('interactor ended first');
    // It spun through the 1 s grace after the decision and was killed: none of that is billed.
    expect(r.tests[0]!.wallTimeMs).toBeGreaterThanOrEqual(900);
    expect(r.tests[0]!.cpuTimeMs).toBeLessThan(400);
  });

  it('is WA even though the submission then dies of the closed pipe', async () => {
    // The largest output limit: its guesses after the decision (7 bytes a write) cannot reach it
    // within the 1 s grace, so the grace decides, not the flood (at the default 8 MiB a quiet
    // host can write past it first: OLE, the test below).
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(1) }, 0, { limits: { outputBytes: 64 * 2 ** 20 } }));
    // Secret 1 is the first guess: accepted, and what the submission writes on is dropped (no
    // SIGPIPE after an accepting interactor, as in problemtools' runner), but it never ends: TLE
    // after the grace. The others need more than 10 guesses of 1, 2, 3…: the interactor's WA
    // wins over the SIGPIPE that follows it.
    expect(r.tests.map((t) => t.verdict)).toEqual(['TLE', 'WA', 'WA']);
    expect(r.tests[0]!.message).toMatch(/still running after the interactor accepted/);
    expect(r.tests[1]!.signal).toBe('SIGPIPE');
    expect(r.tests[1]!.checkerMessage).toBe('too many guesses');
  });

  it('is WA when the interactor exits before the game starts (no deadlock)', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(0) }, 1));
    expect(r.tests.map((t) => t.verdict)).toEqual(['WA', 'WA', 'WA']);
    expect(r.tests[0]!.checkerMessage).toBe('gave up at once');
  });

  it('gives the interactor a feedback directory no one else on the host can enter (0700, its own)', async () => {
    // Carried multi-pass files in it are 0666: only the directory's mode keeps host users out.
    const interactor =
      'import os, sys\nst = os.stat(sys.argv[3])\n' +
      'open(sys.argv[3] + "judgemessage.txt", "w").write(f"{st.st_mode & 0o777:o} {st.st_uid == os.getuid()}")\nsys.exit(42)\n';
    const r = await judge.judge({
      language: 'python3',
      source: 'pass',
      testcases: [{ stdin: '', points: 1 }],
      interactor: { language: 'python3', source: interactor },
    });
    expect(r.tests[0]).toMatchObject({ verdict: 'AC', checkerMessage: '700 True' });
  });

  it('reports a score file the rejecting interactor wrote all the same, and stays WA', async () => {
    const interactor =
      'import sys\nline = sys.stdin.readline().strip()\nopen(sys.argv[3] + "/score.txt", "w").write("0")\n' +
      'sys.exit(42 if line == "right" else 43)\n';
    const say = (word: string): SubmissionInput => ({
      language: 'python3',
      source: `print("${word}")`,
      testcases: [{ stdin: '', points: 1 }],
      interactor: { language: 'python3', source: interactor },
    });
    const wrong = await judge.judge(say('wrong'));
    expect(wrong.tests[0]).toMatchObject({ verdict: 'WA', validatorRejectedWithScoreFile: 'score.txt' });
    const right = await judge.judge(say('right'));
    expect(right.tests[0]).toMatchObject({ verdict: 'AC', validatorScore: 0 });
    expect(right.tests[0]!.validatorRejectedWithScoreFile).toBeUndefined();
  });
});

describe('when the submission fails before the interactor decides', () => {
  it('is TLE for a submission that never flushes', async () => {
    const r = await judge.judge(
      game({ language: 'c', source: guessSubmissionC(2) }, 0, { testcases: [TESTS[1]!], limits: { wallTimeMs: 1500 } }),
    );
    expect(r.tests[0]!.verdict).toBe('TLE');
    expect(r.tests[0]!.limitHit).toBe('wall');
  });

  it('is RE or TLE, not WA, for a submission that closes its stdout and then crashes or sleeps (Kattis, BAPCtools guess_close_stdout)', async () => {
    // The interactor reads EOF only once the submission has ended (the worker holds a writer of that
    // pipe until then), so the submission's own end comes first.
    for (const transcriptBytes of [0, 4096]) {
      const interactor = transcriptBytes
        ? { interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: ['0'], transcriptBytes } }
        : {};
      const crash = await judge.judge(game({ language: 'c', source: guessSubmissionC(8) }, 0, { testcases: [TESTS[1]!], ...interactor }));
      expect({ transcriptBytes, verdict: crash.tests[0]!.verdict, signal: crash.tests[0]!.signal }).toEqual({
        transcriptBytes,
        verdict: 'RE',
        signal: 'SIGABRT',
      });
      const sleeper = await judge.judge(
        game({ language: 'c', source: guessSubmissionC(9) }, 0, { testcases: [TESTS[1]!], limits: { wallTimeMs: 1500 }, ...interactor }),
      );
      expect({ transcriptBytes, verdict: sleeper.tests[0]!.verdict, limit: sleeper.tests[0]!.limitHit }).toEqual({
        transcriptBytes,
        verdict: 'TLE',
        limit: 'wall',
      });
    }
  });

  it('is RE for a submission that crashes mid-game', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(3) }, 0, { testcases: [TESTS[1]!] }));
    expect(r.tests[0]!.verdict).toBe('RE');
    expect(r.tests[0]!.signal).toBe('SIGABRT');
  });

  it('is RE for a submission that exits non-zero mid-game, the interactor then reading EOF and rejecting (problemtools, NWERC 2023 lateraldamage run_time_error/)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(10) }, 0, { testcases: [TESTS[1]!] }));
      expect(r.tests[0]).toMatchObject({
        verdict: 'RE',
        exitCode: 3,
        message: 'exit code 3, before the interactor decided (submission ended first)',
      });
      // The interactor's words on the EOF are kept, but the test's own failure is what the judging says.
      expect(r.tests[0]!.checkerMessage).not.toBeNull();
      expect(r.message).toBe('Runtime Error on test 1: exit code 3, before the interactor decided (submission ended first)');
    }
  });
});

describe('when the submission writes on after the interactor accepted', () => {
  it('is AC: what it writes after the decision is dropped, not refused by SIGPIPE (problemtools, BAPCtools guessnoeofcheck)', async () => {
    // Finds the secret, then prints more than a pipe holds and exits 0.
    const source = guessSubmissionC(0).replace(
      'return MODE == 5 ? 3 : 0;',
      'for (int k = 0; k < 20000; k++) printf("%d\\n", k); return 0;',
    );
    expect(source).toContain('k < 20000');
    for (const transcriptBytes of [0, 4096]) {
      const r = await judge.judge(
        game({ language: 'c', source }, 0, {
          testcases: [TESTS[1]!],
          ...(transcriptBytes ? { interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: ['0'], transcriptBytes } } : {}),
        }),
      );
      expect({ transcriptBytes, verdict: r.tests[0]!.verdict, signal: r.tests[0]!.signal }).toEqual({
        transcriptBytes,
        verdict: 'AC',
        signal: null,
      });
    }
  });

  it('is OLE once it has written more than its output limit after the decision (killed, not left a grace of reading)', async () => {
    for (const transcriptBytes of [0, 4096]) {
      const r = await judge.judge(
        game({ language: 'c', source: guessSubmissionC(7) }, 0, {
          testcases: [TESTS[1]!],
          limits: { outputBytes: 256 * 1024 },
          ...(transcriptBytes ? { interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: ['0'], transcriptBytes } } : {}),
        }),
      );
      expect({ transcriptBytes, verdict: r.tests[0]!.verdict, message: r.tests[0]!.message }).toEqual({
        transcriptBytes,
        verdict: 'OLE',
        message: 'wrote more than its output limit after the interactor accepted (killed) (interactor ended first)',
      });
    }
  });
});

describe('when the submission fails after the interactor accepted', () => {
  it('is RE for a non-zero exit', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(5) }, 0, { testcases: [TESTS[1]!] }));
    expect(r.tests[0]!.verdict).toBe('RE');
    expect(r.tests[0]!.exitCode).toBe(3);
  });

  it('is TLE for a submission still running a grace after it', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(4) }, 0, { testcases: [TESTS[1]!] }));
    expect(r.tests[0]!.verdict).toBe('TLE');
  });
});

describe('when the interactor fails', () => {
  it('is IE for an interactor crash', async () => {
    const r = await judge.judge(game({ language: 'c', source: guessSubmissionC(0) }, 2, { testcases: [TESTS[1]!] }));
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.message).toMatch(/interactor failed \(killed by SIGABRT\)/);
  });

  it('is IE for an interactor that does not compile, and runs no test', async () => {
    const r = await judge.judge({
      language: 'c',
      source: guessSubmissionC(0),
      testcases: TESTS,
      interactor: { language: 'c', source: 'int main( {' },
    });
    expect(r.verdict).toBe('IE');
    expect(r.tests.every((t) => t.verdict === 'SKIPPED')).toBe(true);
  });
});

describe('when each side has its limits', () => {
  it("does not bill the interactor's CPU time to the submission", async () => {
    const r = await judge.judge(
      game({ language: 'c', source: guessSubmissionC(0) }, 3, { testcases: [TESTS[1]!], limits: { cpuTimeMs: 300 } }),
    );
    expect(r.tests[0]!.verdict).toBe('AC');
    expect(r.tests[0]!.cpuTimeMs).toBeLessThan(100);
  });
});

describe('when the payload names an interactor badly', () => {
  it('refuses both source and files', async () => {
    await expect(
      judge.judge({
        language: 'c',
        source: guessSubmissionC(0),
        testcases: TESTS,
        interactor: { language: 'c', source: 'x', files: [{ name: 'main.c', content: 'x' }] },
      }),
    ).rejects.toThrow(/interactor/);
  });
});
