/**
 * DMOJ's protocols on real runs: a bridged checker under each contrib module (`dmoj-default`,
 * `dmoj-testlib`, `dmoj-coci`), a bridged interactor of each kind, and a DMOJ Python checker
 * with caged's runner (src/problem/dmoj-python-checker.ts). The programs are small ones of our
 * own, not DMOJ's. The rules without root or the image: test/unit/dmoj-protocols.test.ts.
 */
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { dmojPythonChecker } from '../src/problem/dmoj-python-checker';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-dmoj-cache-', (j) => (judge = j));

/**
 * A checker scripted by the test's input, `code|stdout|stderr` (";" a line break in stderr): it
 * checks its three arguments (input, output, answer: the output must equal the input, else 1;
 * the answer must be "ANSWER", else exit 97), writes the two texts and exits with the code.
 */
const SCRIPTED_CHECKER_C = String.raw`#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static char *slurp(const char *path) {
  static char bufs[3][4096];
  static int n;
  FILE *f = fopen(path, "rb");
  if (!f) exit(96);
  char *b = bufs[n++];
  size_t len = fread(b, 1, 4095, f);
  b[len] = 0;
  fclose(f);
  return b;
}
int main(int argc, char **argv) {
  if (argc != 4) return 98;
  char *in = slurp(argv[1]), *out = slurp(argv[2]), *ans = slurp(argv[3]);
  if (strcmp(ans, "ANSWER\n") != 0) return 97;
  if (strcmp(in, out) != 0) { puts("the output is not the input"); return 1; }
  char *said = strchr(in, '|'), *err = said ? strchr(said + 1, '|') : NULL;
  if (!err) return 95;
  *err++ = 0;
  fputs(said + 1, stdout);
  for (char *c = err; *c && *c != '\n'; c++) fputc(*c == ';' ? '\n' : *c, stderr);
  return atoi(in);
}
`;

/** Echoes its stdin. */
const ECHO_PY = 'import sys\nsys.stdout.write(sys.stdin.read())\n';

function scripted(protocol: string, scripts: Array<[string, number?]>, extra: Record<string, unknown> = {}): SubmissionInput {
  return {
    language: 'python3',
    source: ECHO_PY,
    checker: { type: 'custom', language: 'c', source: SCRIPTED_CHECKER_C, protocol, ...extra } as SubmissionInput['checker'],
    testcases: scripts.map(([stdin, points]) => ({ stdin: `${stdin}\n`, expected: 'ANSWER\n', points: points ?? 4 })),
  };
}

const summary = (r: Awaited<ReturnType<Judge['judge']>>) => r.tests.map((t) => [t.verdict, t.points, t.checkerMessage]);

describe("a bridged checker under DMOJ's default module", () => {
  it('is AC on 0, WA on 1, IE on anything else; its stdout is the message', async () => {
    const r = await judge.judge(scripted('dmoj-default', [['0|fine|'], ['1|nope|'], ['2|pe|'], ['7|partial|points 1']]));
    expect(summary(r)).toEqual([
      ['AC', 4, 'fine'],
      ['WA', 0, 'nope'],
      ['IE', 0, 'checker exited with nonzero code 2'],
      ['IE', 0, 'checker exited with nonzero code 7 with feedback points 1'],
    ]);
  }, 120_000);

  it('shows nothing of its stdout with feedback: false', async () => {
    const r = await judge.judge(scripted('dmoj-default', [['0|fine|'], ['1|nope|']], { feedback: false }));
    expect(summary(r)).toEqual([
      ['AC', 4, ''],
      ['WA', 0, ''],
    ]);
  }, 120_000);
});

describe("a bridged checker under DMOJ's testlib module", () => {
  it('reads 0, 1, 2 (Presentation Error), 3 (IE) and 7 (points N of the test, on stderr)', async () => {
    const r = await judge.judge(
      scripted('dmoj-testlib', [
        ['0|ok|'],
        ['1|no|'],
        ['2||'],
        ['3|bad answer file|'],
        ['7|close|debug;points 3'],
        ['7|close|points 5'],
        ['7|close|points 3 of 4'],
      ]),
    );
    expect(summary(r)).toEqual([
      ['AC', 4, 'ok'],
      ['WA', 0, 'no'],
      ['WA', 0, 'Presentation Error'],
      ['IE', 0, 'checker failed assertion with message bad answer file'],
      ['AC', 3, 'close'],
      ['IE', 0, 'invalid partial points: 5 (the test is worth 4)'],
      ['IE', 0, 'invalid stderr for partial points (no line "points N"): "points 3 of 4"'],
    ]);
  }, 120_000);
});

describe("a bridged checker under DMOJ's coci module", () => {
  it('reads 7 as a share of the points (partial X/Y on stderr), the rest as testlib', async () => {
    const r = await judge.judge(
      scripted('dmoj-coci', [
        ['7||garbage;partial 1/4', 8],
        ['7||partial 5/4', 8],
        ['7||partial 1/0', 8],
        ['2||', 8],
        ['0|ok|', 8],
      ]),
    );
    expect(summary(r)).toEqual([
      ['AC', 2, ''],
      ['IE', 0, 'invalid fraction: 5/4'],
      ['IE', 0, 'invalid stderr for fraction of points (no line "partial X/Y"): "partial 1/0"'],
      ['WA', 0, 'Presentation Error'],
      ['AC', 8, 'ok'],
    ]);
  }, 120_000);

  it('is WA when the output is not what it wants, before it says anything else', async () => {
    const r = await judge.judge({ ...scripted('dmoj-coci', [['0|ok|']]), source: 'print("something else")\n' });
    expect(summary(r)).toEqual([['WA', 0, 'the output is not the input']]);
  }, 120_000);
});

/**
 * A guessing game as DMOJ runs a bridged interactor: argv `input answer`, or `input /dev/null
 * answer` under testlib (anything else: exit 99). The input is `secret code text`: found, it
 * writes the text (";" a line break, "_" a space) to stderr and exits with the code; 10 wrong
 * guesses, it says "too many guesses" and exits 1.
 */
const INTERACTOR_C = String.raw`#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[2], "/dev/null") != 0) return 99;
  if (argc != 3 && argc != 4) return 99;
  FILE *in = fopen(argv[1], "r"), *ans = fopen(argv[argc - 1], "r");
  char word[64] = "", text[256] = "";
  long secret;
  int code;
  if (!in || !ans || fscanf(in, "%ld %d %255s", &secret, &code, text) < 2) return 98;
  if (fscanf(ans, "%63s", word) != 1 || strcmp(word, "ANSWER") != 0) return 97;
  for (int i = 0; i < 10; i++) {
    long g;
    if (scanf("%ld", &g) != 1) { fprintf(stderr, "no guess"); return 2; }
    if (g == secret) {
      puts("=");
      fflush(stdout);
      for (char *c = text; *c; c++) fputc(*c == ';' ? '\n' : *c == '_' ? ' ' : *c, stderr);
      return code;
    }
    puts(g < secret ? "<" : ">");
    fflush(stdout);
  }
  fprintf(stderr, "too many guesses");
  return 1;
}
`;

/** Modes: 0 binary search; 1 guesses 1, 2, 3… and exits 0 on EOF; 3 the same, exiting 3 on EOF. */
const player = (mode: number) => `#include <stdio.h>
int main(void) {
  int lo = 1, hi = 1000, g = 0;
  char a[4];
  for (;;) {
    g = ${mode} == 0 ? (lo + hi) / 2 : g + 1;
    printf("%d\\n", g);
    fflush(stdout);
    if (scanf("%3s", a) != 1) return ${mode} == 3 ? 3 : 0;
    if (a[0] == '=') return 0;
    if (a[0] == '<') lo = g + 1; else hi = g - 1;
  }
}
`;

function game(protocol: string, mode: number, stdins: Array<[string, number?]>, feedback?: boolean): SubmissionInput {
  return {
    language: 'c',
    source: player(mode),
    interactor: {
      language: 'c',
      source: INTERACTOR_C,
      protocol,
      ...(feedback !== undefined ? { feedback } : {}),
    } as SubmissionInput['interactor'],
    testcases: stdins.map(([stdin, points]) => ({ stdin, expected: 'ANSWER\n', points: points ?? 4 })),
    limits: { cpuTimeMs: 1000 },
  };
}

describe("a bridged interactor under DMOJ's default module (argv input answer)", () => {
  it('decides alone: AC on 0, WA on 1, its stderr hidden by default as in DMOJ', async () => {
    const r = await judge.judge(game('dmoj-default', 0, [['737 0 found'], ['737 7 found']]));
    expect(summary(r)).toEqual([
      ['AC', 4, null],
      ['IE', 0, null],
    ]);
    expect(r.tests[1]!.message).toContain('interactor exited with nonzero code 7 with feedback found');
    const wa = await judge.judge(game('dmoj-default', 1, [['737 0 found']], true));
    expect(summary(wa)).toEqual([['WA', 0, 'too many guesses']]);
  }, 120_000);

  it("gives the submission's own failure after the interactor rejected, as DMOJ does", async () => {
    const r = await judge.judge(game('dmoj-default', 3, [['737 0 found']], true));
    expect(r.tests[0]!.verdict).toBe('RE');
    expect(r.tests[0]!.message).toContain('after the interactor rejected');
  }, 120_000);
});

describe("a bridged interactor under DMOJ's testlib module (argv input /dev/null answer)", () => {
  it('reads 0, 7 with points N, 2 (Presentation Error) and 3 (IE)', async () => {
    const r = await judge.judge(game('dmoj-testlib', 0, [['737 0 well'], ['737 7 debug;points_3'], ['737 2 x'], ['737 3 broken']], true));
    expect(summary(r)).toEqual([
      ['AC', 4, 'well'],
      ['AC', 3, 'debug points 3'],
      ['WA', 0, 'x'],
      ['IE', 0, null],
    ]);
    expect(r.tests[3]!.message).toContain('interactor failed assertion with message broken');
  }, 120_000);
});

describe("a bridged interactor under DMOJ's coci module (argv input answer)", () => {
  it('reads 7 as a share of the points (partial X/Y)', async () => {
    const r = await judge.judge(
      game('dmoj-coci', 0, [
        ['737 7 partial;partial_1/4', 8],
        ['737 7 partial;partial_9/4', 8],
      ]),
    );
    expect(summary(r)).toEqual([
      ['AC', 2, null],
      ['IE', 0, null],
    ]);
    expect(r.tests[1]!.message).toContain('invalid fraction: 9/4');
  }, 120_000);
});

/** A DMOJ Python checker whose behaviour the submission's output picks; it imports what checkers import. */
const CHECK_PY = `from dmoj.checkers import standard
from dmoj.error import InternalError
from dmoj.result import CheckerResult
from dmoj.utils.unicode import utf8text

print('loaded')  # dropped: not the report


def check(process_output, judge_output, point_value, **kwargs):
    said = utf8text(process_output).strip()
    if said == 'half':
        return CheckerResult(True, point_value / 2, feedback='half of %s' % point_value)
    if said == 'raise':
        raise InternalError('the checker gave up')
    if said == 'none':
        return None
    if said == 'kwargs':
        source = kwargs['submission_source']
        return CheckerResult(
            True,
            point_value,
            feedback='%s %s %s %s %s %s' % (
                kwargs['submission_language'], kwargs['case_position'], kwargs['batch'], kwargs['problem_id'],
                kwargs['tag'], b'input()' in source,
            ),
        )
    return standard.check(process_output, judge_output)
`;

/** The same, asking to judge a failed run's output too (DMOJ's run_on_error), as ECOO's line count does. */
const CHECK_ON_ERROR_PY = `from dmoj.result import CheckerResult, Result


def check(process_output, judge_output, point_value, result, **kwargs):
    lines = process_output.split()
    good = sum(1 for a, b in zip(lines, judge_output.split()) if a == b)
    seen = 'TLE' if result.result_flag & Result.TLE else 'ok'
    return CheckerResult(good == len(judge_output.split()), point_value * good / 4, feedback='%d of 4 lines, %s' % (good, seen))


check.run_on_error = True
`;

describe('a DMOJ Python checker', () => {
  const python = (content: string, cases?: Array<{ batch?: number }>) =>
    dmojPythonChecker({
      name: 'checkers/check.py',
      content: Buffer.from(content),
      args: { tag: 'T' },
      problemId: 'pyck',
      ...(cases ? { cases } : {}),
    });

  it('passes with a bool or a CheckerResult, partial points included, and fails on False', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: 'print(input())\n',
      checker: python(CHECK_PY, [{}, { batch: 2 }]),
      testcases: [
        { stdin: 'right', expected: 'right\n', points: 4 },
        { stdin: 'kwargs', expected: '', points: 4 },
        { stdin: 'wrong', expected: 'right\n', points: 4 },
        { stdin: 'half', expected: '', points: 4 },
      ],
    });
    expect(summary(r)).toEqual([
      ['AC', 4, ''],
      ['AC', 4, 'python3 1 2 pyck T True'],
      ['WA', 0, ''],
      ['AC', 2, 'half of 4'],
    ]);
  }, 120_000);

  it('is IE with the last line of the traceback when it raises, or returns neither a bool nor a CheckerResult', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: 'print(input())\n',
      checker: python(CHECK_PY),
      testcases: [
        { stdin: 'raise', expected: '' },
        { stdin: 'none', expected: '' },
      ],
    });
    expect(summary(r)).toEqual([
      ['IE', 0, 'dmoj.error.InternalError: the checker gave up'],
      ['IE', 0, 'check returned NoneType, neither a bool nor a CheckerResult'],
    ]);
  }, 120_000);

  it("judges a failed run's output only when it sets run_on_error, the run's verdict kept", async () => {
    const tle = { language: 'python3', source: 'print("a\\nb", flush=True)\nwhile True: pass\n', limits: { cpuTimeMs: 500 } };
    const tests = [{ stdin: '', expected: 'a b c d', points: 4 }];
    const on = await judge.judge({ ...tle, checker: python(CHECK_ON_ERROR_PY), testcases: tests });
    expect(summary(on)).toEqual([['TLE', 2, '2 of 4 lines, TLE']]);
    const off = await judge.judge({ ...tle, checker: python(CHECK_PY), testcases: tests });
    expect(summary(off)).toEqual([['TLE', 0, null]]);
  }, 120_000);
});
