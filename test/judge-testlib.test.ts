/**
 * testlib's protocol on the wire, on real runs: a custom checker given as `files` (check.cpp and
 * the testlib.h it includes, compiled together), and an interactor with `protocol: "testlib"`
 * whose output file the job's checker then judges, as Polygon judges an interactive problem.
 * The testlib.h here is a small one of our own (the few calls the programs use, testlib's exit
 * codes), not the real header. The rules without root or the image:
 * test/unit/judge-testlib.test.ts.
 */
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-testlib-cache-', (j) => (judge = j));

/** A mini testlib.h: registerTestlibCmd / registerInteraction, readInt, quitf, quitp, tout, exit codes 0 1 2 3 7. */
const TESTLIB_H = String.raw`#pragma once
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3, _points = 7 };
[[noreturn]] inline void quitf(TResult r, const char *fmt, ...) {
  static const char *names[] = {"ok", "wrong answer", "wrong output format", "FAIL", "", "", "", "points"};
  std::fprintf(stderr, "%s ", names[r]);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::exit(r);
}
/** Partial points: "points N" first on stderr, as testlib's quitp writes them. */
[[noreturn]] inline void quitp(double points, const char *msg) {
  std::fprintf(stderr, "points %g %s\n", points, msg);
  std::exit(_points);
}
struct InStream {
  FILE *f = nullptr;
  TResult onError = _fail;
  long long readInt() {
    long long x;
    if (!f || std::fscanf(f, "%lld", &x) != 1) quitf(onError, "expected an integer");
    return x;
  }
};
inline InStream inf, ouf, ans;
inline std::ofstream tout;
inline void openIn(InStream &s, const char *path, TResult onError) {
  s.f = std::fopen(path, "r");
  s.onError = onError;
  if (!s.f) quitf(_fail, "cannot open %s", path);
}
inline void registerTestlibCmd(int argc, char **argv) {
  if (argc != 4) quitf(_fail, "usage: checker input output answer");
  openIn(inf, argv[1], _fail);
  openIn(ouf, argv[2], _pe);
  openIn(ans, argv[3], _fail);
}
inline void registerInteraction(int argc, char **argv) {
  if (argc != 4) quitf(_fail, "usage: interactor input output answer");
  openIn(inf, argv[1], _fail);
  openIn(ans, argv[3], _fail);
  tout.open(argv[2]);
  if (!tout) quitf(_fail, "cannot write %s", argv[2]);
  ouf.f = stdin;
  ouf.onError = _wa;
}
`;

/** The answer is a number; the output must equal it. */
const CHECK_EQUAL_CPP = String.raw`#include "testlib.h"
int main(int argc, char **argv) {
  registerTestlibCmd(argc, argv);
  long long want = ans.readInt(), got = ouf.readInt();
  if (got != want) quitf(_wa, "expected %lld, got %lld", want, got);
  quitf(_ok, "%lld", got);
}
`;

const testlibChecker = (main: string): SubmissionInput['checker'] => ({
  type: 'custom',
  language: 'cpp17',
  files: [
    { name: 'check.cpp', content: main },
    { name: 'testlib.h', content: TESTLIB_H },
  ],
});

describe('a custom checker given as files (check.cpp and its testlib.h)', () => {
  it('compiles them together and follows its verdicts: AC and WA', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: 'print(int(input()) * 2)\n',
      checker: testlibChecker(CHECK_EQUAL_CPP),
      testcases: [
        { stdin: '21', expected: '42' },
        { stdin: '20', expected: '42' },
      ],
    });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(r.tests.map((t) => t.checkerMessage)).toEqual(['ok 42', 'wrong answer expected 42, got 40']);
  }, 120_000);
});

/**
 * A guessing game speaking testlib's interaction protocol: the input is `secret mode`, the
 * submission guesses, the interactor answers `<`, `>` or `=`, at most 10 guesses. Found: it
 * writes `secret guesses` to tout and accepts (mode 7: with 1 point, testlib's quitp). Mode 3:
 * it fails at once (testlib's FAIL).
 */
const INTERACTOR_CPP = String.raw`#include "testlib.h"
#include <cstdio>
int main(int argc, char **argv) {
  registerInteraction(argc, argv);
  long long secret = inf.readInt(), mode = inf.readInt();
  if (mode == 3) quitf(_fail, "a broken test");
  for (int i = 1; i <= 10; i++) {
    long long g = ouf.readInt();
    if (g == secret) {
      std::printf("=\n");
      std::fflush(stdout);
      tout << secret << " " << i << std::endl;
      if (mode == 7) quitp(1, "found, 1 point");
      quitf(_ok, "found in %d", i);
    }
    std::printf(g < secret ? "<\n" : ">\n");
    std::fflush(stdout);
  }
  quitf(_wa, "too many guesses");
}
`;

/** The checker of the game: tout holds the secret and the guesses; the answer file, the most guesses allowed. */
const CHECK_GUESSES_CPP = String.raw`#include "testlib.h"
int main(int argc, char **argv) {
  registerTestlibCmd(argc, argv);
  long long secret = inf.readInt(), found = ouf.readInt(), guesses = ouf.readInt(), most = ans.readInt();
  if (found != secret) quitf(_wa, "found %lld, not %lld", found, secret);
  if (guesses > most) quitf(_wa, "%lld guesses, more than %lld", guesses, most);
  quitf(_ok, "%lld guesses", guesses);
}
`;

/** Modes: 0 binary search; 1 guesses 1, 2, 3…; 2 reads one answer, then spins. */
const player = (mode: number) => `#include <cstdio>
int main() {
  int lo = 1, hi = 1000, g = 0;
  char a[4];
  for (;;) {
    g = ${mode} == 1 ? g + 1 : (lo + hi) / 2;
    std::printf("%d\\n", g);
    std::fflush(stdout);
    if (std::scanf("%3s", a) != 1 || a[0] == '=') return 0;
    if (${mode} == 2) for (volatile unsigned long x = 0;; x++) {}
    if (a[0] == '<') lo = g + 1; else hi = g - 1;
  }
}
`;

const INTERACTOR: SubmissionInput['interactor'] = {
  language: 'cpp17',
  protocol: 'testlib',
  files: [
    { name: 'interactor.cpp', content: INTERACTOR_CPP },
    { name: 'testlib.h', content: TESTLIB_H },
  ],
};

function game(mode: number, testcases: SubmissionInput['testcases'], extra: Partial<SubmissionInput> = {}): SubmissionInput {
  return {
    language: 'cpp17',
    source: player(mode),
    testcases,
    interactor: INTERACTOR,
    checker: testlibChecker(CHECK_GUESSES_CPP),
    limits: { cpuTimeMs: 1000 },
    ...extra,
  };
}

describe('a testlib interactor', () => {
  it('accepts, and the checker on its output decides: AC, or WA when it says so', async () => {
    const r = await judge.judge(
      game(0, [
        { stdin: '737 0', expected: '10' },
        { stdin: '737 0', expected: '2' },
      ]),
    );
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(r.tests[0]!.checkerMessage).toMatch(/^ok \d+ guesses$/);
    expect(r.tests[1]!.checkerMessage).toMatch(/^wrong answer \d+ guesses, more than 2$/);
    expect(r.tests[1]!.message).toContain("the checker, on the interactor's output");
  }, 120_000);

  it('says WA itself (exit 1), and the checker does not run', async () => {
    const r = await judge.judge(game(1, [{ stdin: '737 0', expected: '10' }]));
    expect(r.tests[0]!.verdict).toBe('WA');
    expect(r.tests[0]!.message).toContain('wrong answer (the interactor)');
    expect(r.tests[0]!.checkerMessage).toBe('wrong answer too many guesses');
  }, 120_000);

  it('gives partial points (exit 7), the checker still judging its output', async () => {
    const r = await judge.judge(
      game(0, [
        { stdin: '737 7', expected: '10', points: 4 },
        { stdin: '737 7', expected: '2', points: 4 },
      ]),
    );
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 1],
      ['WA', 0],
    ]);
    expect(r.tests[0]!.checkerMessage).toMatch(/^ok \d+ guesses$/);
  }, 120_000);

  it("is IE when it fails (exit 3, testlib's FAIL)", async () => {
    const r = await judge.judge(game(0, [{ stdin: '737 3', expected: '10' }]));
    expect(r.tests[0]!.verdict).toBe('IE');
    expect(r.tests[0]!.message).toContain("exit code 3, testlib's FAIL");
    expect(r.tests[0]!.checkerMessage).toBe('FAIL a broken test');
  }, 120_000);

  it('gives TLE to a submission that runs out of time while the interactor waits', async () => {
    const r = await judge.judge(game(2, [{ stdin: '737 0', expected: '10' }]));
    expect(r.tests[0]!.verdict).toBe('TLE');
  }, 120_000);

  it('compares its output with expected under a built-in checker, and keeps the transcript', async () => {
    // 500 is the binary search's first guess: tout is "500 1".
    const r = await judge.judge(
      game(
        0,
        [
          { stdin: '500 0', expected: '500 1' },
          { stdin: '500 0', expected: '500 2' },
        ],
        { checker: { type: 'tokens' }, interactor: { ...INTERACTOR, transcriptBytes: 1024 } },
      ),
    );
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(r.tests[0]!.transcript!.chunks).toEqual([
      { from: 'submission', data: '500\n', encoding: 'utf8' },
      { from: 'interactor', data: '=\n', encoding: 'utf8' },
    ]);
  }, 120_000);
});
